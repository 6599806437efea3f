"""The PDF summary issued with a submission, under the agency's name, made once if missing."""

from __future__ import annotations

from typing import Any

from . import store
from .branding import report_agency
from .checklist import assess
from .models import Agency, Submission
from .report import build_context, download_filename, render_pdf


def issued_pdf(submission: Submission, agency: Agency) -> tuple[bytes, str]:
    """Return the submission's PDF and its file name, rendering and storing it first if none."""
    pdf = store.submission_pdf(submission)
    if pdf is None:
        store.set_submission_pdf(submission, render_pdf(summary_context(submission, agency)))
        pdf = store.submission_pdf(submission) or b""
    return pdf, download_filename(submission.reference, submission.created_at)


def summary_context(submission: Submission, agency: Agency) -> dict[str, Any]:
    """Return the PDF context of a stored submission (plain data only)."""
    answers = store.submission_answers(submission)
    assessment = assess({"completed_on": submission.completed_on.isoformat(),
                         "answers": answers})
    shown = {"emergency": submission.emergency_shown_at, "urgent": submission.urgent_shown_at}
    return build_context(
        assessment, reference=submission.reference, completed_at=submission.created_at,
        agency=report_agency(agency),
        messages_shown={key: moment.isoformat() if moment else None
                        for key, moment in shown.items()})
