"""The patient downloads the PDF summary issued when they sent their answers."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from ivig_home.db import db
from ivig_home.intake import submissions
from ivig_home.models import AuditEntry
from tests.answers import answers_today
from tests.patient.client import Patient, section_form


def send(patient: Patient, name: str) -> None:
    patient.complete_until("before", answers_today(name))
    data = section_form("confirm", {"ack_not_decision": True, "ack_accurate": True})
    assert patient.post("confirm", data, action="submit").status_code == 303


def test_the_confirmation_offers_the_pdf_issued_at_sending(app: Flask, client: FlaskClient,
                                                           tmp_path: Path) -> None:
    patient = Patient(app, client)
    patient.start()
    send(patient, "emergency")
    page = patient.get("sent")
    assert f'href="{patient.url("summary.pdf")}"' in page.text
    # The patient is told what the file is: the care team's summary, not a letter to them.
    assert "Download the summary your care team gets (PDF)" in page.text
    assert "It is written for your nurse" in page.text
    response = patient.get("summary.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    with app.app_context():
        submission = submissions.get_submission(patient.draft().submission_id)
        reference, digest = submission.reference, submission.pdf_sha256
    disposition = response.headers["Content-Disposition"]
    assert reference in disposition and "Mei" not in disposition and "Chen" not in disposition
    assert hashlib.sha256(response.data).hexdigest() == digest
    assert patient.get("summary.pdf").data == response.data
    with app.app_context():
        downloads = db.session.execute(select(AuditEntry.actor, AuditEntry.detail).where(
            AuditEntry.action == "downloaded").order_by(AuditEntry.id)).all()
    assert [tuple(row) for row in downloads] == [("patient", "summary")] * 2
    (tmp_path / "summary.pdf").write_bytes(response.data)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "summary.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert reference in text and "Trouble breathing" in text


@pytest.mark.parametrize("when", ["before sending", "another draft"])
def test_no_pdf_but_ones_own_after_sending(app: Flask, client: FlaskClient, when: str) -> None:
    patient = Patient(app, client)
    patient.start()
    if when == "another draft":
        sender = Patient(app, client)
        sender.start()
        send(sender, "nothing-to-flag")
    assert patient.get("summary.pdf").status_code == 404
