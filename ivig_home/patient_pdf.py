"""The PDF summary a patient gets when sending: made once, then downloaded as it was issued."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, abort, g

from . import patient_steps, store
from .checklist import assess
from .db import db
from .report import build_context, download_filename, render_pdf_low_priority
from .timezones import local

log = logging.getLogger("ivig_home")


def register(bp: Blueprint) -> None:
    """Add the PDF download to the patient blueprint."""
    bp.add_url_rule("/<slug>/d/<draft_id>/summary.pdf", "pdf", download)


def agency_facts(agency: Any) -> dict[str, Any]:
    """Return the agency as the PDF context wants it (plain data)."""
    return {"name": agency.name, "phone": agency.phone, "colour": agency.colour,
            "logo": agency.logo, "logo_type": agency.logo_type, "time_zone": agency.time_zone}


def issue_pdf(submission: Any, agency: Any) -> bytes:
    """Return the submission's PDF, rendering and storing it first if none was issued yet."""
    pdf = store.submission_pdf(submission)
    if pdf is not None:
        return pdf
    answers = store.submission_answers(submission)
    assessment = assess({"completed_on": submission.completed_on.isoformat(),
                         "answers": answers})
    shown = {"emergency": submission.emergency_shown_at, "urgent": submission.urgent_shown_at}
    context = build_context(
        assessment, reference=submission.reference, completed_at=submission.created_at,
        agency=agency_facts(agency),
        messages_shown={key: moment.isoformat() if moment else None
                        for key, moment in shown.items()})
    store.set_submission_pdf(submission, render_pdf_low_priority(context))
    return store.submission_pdf(submission) or b""


def issue_at_submit(submission: Any, agency: Any) -> None:
    """Make the PDF right after sending; if that fails, the download makes it later."""
    try:
        issue_pdf(submission, agency)
    except Exception as error:  # the submission is stored; only the patient's copy is late
        # Only the kind of error: a message or traceback could carry an answer.
        log.error("pdf not issued at submission: %s", type(error).__name__)
        # A failed write leaves the transaction unusable; the submission is already committed.
        db.session.rollback()


def download(draft_id: str) -> Response:
    """Send the patient their own submission's PDF (the draft URL is the capability)."""
    draft = patient_steps.open_draft(draft_id)
    if draft.submission_id is None:
        abort(404)
    submission = store.get_submission(draft.submission_id) or abort(404)
    pdf = issue_pdf(submission, g.agency)
    store.audit("downloaded", submission=submission, actor="patient")
    name = download_filename(submission.reference,
                             local(submission.created_at, g.agency.time_zone))
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "no-store"})
