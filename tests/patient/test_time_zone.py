"""The patient's dates are the agency's: the completion date and the 'works until' date."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from ivig_home.db import db
from ivig_home.intake import submissions
from ivig_home.locales import written_date
from ivig_home.models import Agency
from tests.answers import answers_today
from tests.patient.client import Patient, section_form


def _zone_on_another_day() -> str:
    """Return a zone whose date differs from the UTC date right now."""
    return "Pacific/Kiritimati" if datetime.now(UTC).hour >= 10 else "Pacific/Pago_Pago"


def test_the_completion_date_and_the_confirmation_use_the_agencys_zone(
        app: Flask, client: FlaskClient) -> None:
    zone = _zone_on_another_day()  # UTC+14 or UTC-11
    with app.app_context():
        db.session.execute(update(Agency).where(Agency.slug == "demo").values(time_zone=zone))
        db.session.commit()
    patient = Patient(app, client)
    patient.start()
    patient.complete_until("before", answers_today("nothing-to-flag"))
    sent = patient.post("confirm", section_form(
        "confirm", {"ack_not_decision": True, "ack_accurate": True}), action="submit")
    assert sent.status_code == 303
    local_today = datetime.now(ZoneInfo(zone)).date()
    assert local_today != datetime.now(UTC).date()
    draft = patient.draft()
    with app.app_context():
        submission = submissions.get_submission(draft.submission_id)
        assert submission is not None
        assert submission.completed_on == local_today
    last = draft.expires_at - timedelta(microseconds=1)
    local_last, utc_last = last.astimezone(ZoneInfo(zone)).date(), last.date()
    assert local_last != utc_last
    page = patient.get("sent").text
    assert f"work until {written_date(local_last, 'en-US')}." in page
    assert written_date(utc_last, "en-US") not in page
