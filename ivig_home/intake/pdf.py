"""Issuing a submission's PDF: the summary as first sent, made from the stored answers."""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from flask import current_app
from flask_babel import force_locale

from ivig_home import locales
from ivig_home.checklist import Assessment, assess
from ivig_home.db import db
from ivig_home.i18n import STAFF_LANGUAGE, gettext
from ivig_home.intake.submissions import set_submission_pdf, submission_answers, submission_pdf
from ivig_home.models import Agency, Submission
from ivig_home.patients.since import since_last_time
from ivig_home.report import build_context, download_filename, render_pdf_low_priority
from ivig_home.timezones import local, local_date

log = logging.getLogger("ivig_home")


def assessment_of(submission: Submission) -> Assessment:
    """Return the submission's assessment, made again from its stored answers and date."""
    return assess({"completed_on": submission.completed_on.isoformat(),
                   "answers": submission_answers(submission)})


def agency_facts(agency: Agency) -> dict[str, Any]:
    """Return the agency as the PDF context wants it (plain data)."""
    return {"name": agency.name, "phone": agency.phone, "colour": agency.colour,
            "logo": agency.logo, "logo_type": agency.logo_type, "time_zone": agency.time_zone}


def completed_at(submission: Submission) -> datetime | date:
    """Return when the answers were completed, for the PDF: the moment they were sent, or
    the completion day alone when that is days before it (answers filled in elsewhere and
    sent in later through the FHIR endpoint are checked against the day they were given).

    The form's completion day is the day it was sent in the agency's zone then; that zone
    may have changed since, which moves the day by at most one.
    """
    sent = submission.created_at
    if abs((local_date(sent, submission.agency.time_zone) - submission.completed_on).days) <= 1:
        return sent
    return submission.completed_on


def summary_context(submission: Submission, assessment: Assessment, *,
                    review: dict[str, Any] | None = None,
                    original_sha256: str | None = None,
                    language: str = STAFF_LANGUAGE) -> dict[str, Any]:
    """Return the PDF context of a submission, as issued or with its review: the care
    team's, in English, or (`language`, under that locale) the patient's own copy."""
    patient_copy = language != STAFF_LANGUAGE
    shown = {"emergency": submission.emergency_shown_at, "urgent": submission.urgent_shown_at}
    changes = since_last_time(submission, assessment)
    return build_context(
        assessment, reference=submission.reference, completed_at=completed_at(submission),
        agency=agency_facts(submission.agency),
        messages_shown={key: moment.isoformat() if moment else None
                        for key, moment in shown.items()},
        review=review, original_sha256=original_sha256,
        product_name=current_app.config["PRODUCT_NAME"],
        changes=changes.context() if changes is not None else None,
        completed_language=submission.language or STAFF_LANGUAGE, language=language,
        translate=gettext if patient_copy else None,
        write_date=locales.written_date if patient_copy else None)


def issued_pdf(submission: Submission) -> bytes:
    """Return the PDF issued with the submission, making and storing it if none was yet."""
    pdf = submission_pdf(submission)
    if pdf is None:
        # The care team's language, even when made during a patient's request in another.
        with force_locale(STAFF_LANGUAGE):
            made = render_pdf_low_priority(summary_context(submission,
                                                           assessment_of(submission)))
        set_submission_pdf(submission, made)
        pdf = submission_pdf(submission)
    assert pdf is not None  # noqa: S101 (set_submission_pdf stored one, or another request did)
    return pdf


def patient_copy(submission: Submission, language: str) -> bytes:
    """Return the patient's own copy of the summary: the PDF issued with the submission when
    they used English; in another language, the same summary made afresh from the stored
    answers in that language (its checklist wording, dates and document language), not
    stored: the care team's record is the issued PDF, in English."""
    if language == STAFF_LANGUAGE:
        return issued_pdf(submission)
    with force_locale(language):
        return render_pdf_low_priority(summary_context(submission, assessment_of(submission),
                                                       language=language))


def issue_at_submit(submission: Submission) -> None:
    """Make the PDF right after sending; if that fails, the download makes it later."""
    try:
        issued_pdf(submission)
    except Exception as error:  # the submission is stored; only the patient's copy is late
        # Only the kind of error: a message or traceback could carry an answer.
        log.error("pdf not issued at submission: %s", type(error).__name__)
        # A failed write leaves the transaction unusable; the submission is already committed.
        db.session.rollback()


def pdf_filenames(submission: Submission) -> dict[str, str]:
    """Return the download names of the issued and the reviewed PDF (reference and date)."""
    issued = download_filename(submission.reference,
                               local(submission.created_at, submission.agency.time_zone))
    return {"issued": issued, "reviewed": issued.removesuffix(".pdf") + "-reviewed.pdf"}
