"""The PDF summary a patient gets when sending: made once, then downloaded as it was issued."""

from __future__ import annotations

from flask import Response, abort, g

from ivig_home.audit import log as audit_log
from ivig_home.audit.log import SUMMARY
from ivig_home.intake import submissions
from ivig_home.intake.pdf import patient_copy, pdf_filenames
from ivig_home.patient import step_views as patient_steps
from ivig_home.patient.views import bp


@bp.get("/<slug>/d/<draft_id>/summary.pdf", endpoint="pdf")
def download(draft_id: str) -> Response:
    """Send the patient their own submission's PDF (the draft URL is the capability)."""
    draft = patient_steps.open_draft(draft_id)
    if draft.submission_id is None:
        abort(404)
    submission = submissions.get_submission(draft.submission_id) or abort(404)
    # In the language of the draft's pages (the patient may switch it on the sent page).
    pdf = patient_copy(submission, g.language)
    audit_log.audit("downloaded", submission=submission, actor="patient", detail=SUMMARY)
    name = pdf_filenames(submission)["issued"]
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "no-store"})
