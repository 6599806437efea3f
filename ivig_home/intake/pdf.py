"""Issuing a submission's PDF: the summary as first sent, made from the stored answers."""

from __future__ import annotations

from typing import Any

from flask import current_app

from ivig_home.checklist import Assessment, assess
from ivig_home.intake.submissions import set_submission_pdf, submission_answers, submission_pdf
from ivig_home.models import Agency, Submission
from ivig_home.report import build_context, download_filename, render_pdf_low_priority
from ivig_home.timezones import local


def assessment_of(submission: Submission) -> Assessment:
    """Return the submission's assessment, made again from its stored answers and date."""
    return assess({"completed_on": submission.completed_on.isoformat(),
                   "answers": submission_answers(submission)})


def agency_facts(agency: Agency) -> dict[str, Any]:
    """Return the agency as the PDF context wants it (plain data)."""
    return {"name": agency.name, "phone": agency.phone, "colour": agency.colour,
            "logo": agency.logo, "logo_type": agency.logo_type, "time_zone": agency.time_zone}


def summary_context(submission: Submission, assessment: Assessment, *,
                    review: dict[str, Any] | None = None,
                    original_sha256: str | None = None) -> dict[str, Any]:
    """Return the PDF context of a submission, as issued or with its review."""
    shown = {"emergency": submission.emergency_shown_at, "urgent": submission.urgent_shown_at}
    return build_context(
        assessment, reference=submission.reference, completed_at=submission.created_at,
        agency=agency_facts(submission.agency),
        messages_shown={key: moment.isoformat() if moment else None
                        for key, moment in shown.items()},
        review=review, original_sha256=original_sha256,
        product_name=current_app.config["PRODUCT_NAME"])


def issued_pdf(submission: Submission) -> bytes:
    """Return the PDF issued with the submission, making and storing it if none was yet."""
    pdf = submission_pdf(submission)
    if pdf is None:
        set_submission_pdf(submission,
                           render_pdf_low_priority(
                               summary_context(submission, assessment_of(submission))))
        pdf = submission_pdf(submission)
    assert pdf is not None  # noqa: S101 (set_submission_pdf stored one, or another request did)
    return pdf


def pdf_filenames(submission: Submission) -> dict[str, str]:
    """Return the download names of the issued and the reviewed PDF (reference and date)."""
    issued = download_filename(submission.reference,
                               local(submission.created_at, submission.agency.time_zone))
    return {"issued": issued, "reviewed": issued.removesuffix(".pdf") + "-reviewed.pdf"}
