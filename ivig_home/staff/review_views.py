"""A submission's page: whom to call, its flags with the review in one form, its answers,
and both PDFs."""

from __future__ import annotations

from datetime import datetime

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import login_required
from werkzeug.wrappers import Response as BaseResponse

from ivig_home.audit.log import SUMMARY, audit, reviewed_detail
from ivig_home.checklist import Assessment
from ivig_home.intake import pdf as intake_pdf
from ivig_home.models import Submission
from ivig_home.report.context import MESSAGE_HEADINGS
from ivig_home.staff import bp, client_address, current_staff, own_submission, review
from ivig_home.staff.contact import contact_of
from ivig_home.staff.forms import DispositionForm, ReopenForm
from ivig_home.staff.queue import STATUS_LABELS, severity_counts
from ivig_home.staff.review_form import ACKNOWLEDGEABLE, PageSave, read_page

Page = str | tuple[str, int]
MESSAGE_HEADINGS_BY_VALUE = {severity.value: heading
                             for severity, heading in MESSAGE_HEADINGS.items()}
ACKNOWLEDGEABLE_VALUES = [severity.value for severity in ACKNOWLEDGEABLE]


def _items(numbers: list[int]) -> str:
    """Return "item 3" or "items 1, 3 and 5"."""
    ordered = [str(number) for number in sorted(numbers)]
    if len(ordered) == 1:
        return f"item {ordered[0]}"
    return f"items {', '.join(ordered[:-1])} and {ordered[-1]}"


def _shown_messages(submission: Submission) -> dict[str, datetime]:
    """Return when the patient was shown the emergency and the urgent message, if ever."""
    shown = {"emergency": submission.emergency_shown_at, "urgent": submission.urgent_shown_at}
    return {severity: moment for severity, moment in shown.items() if moment is not None}


def render_submission(submission: Submission, assessment: Assessment, *,
                      forms: dict[str, DispositionForm] | None = None,
                      missing: list[str] | None = None, reopen_form: ReopenForm | None = None,
                      status: int = 200) -> Page:
    """Render the submission page; `forms` and `reopen_form` carry forms sent back with
    their errors, `missing` the items still without a record when filing was refused."""
    context = intake_pdf.summary_context(submission, assessment)
    recorded = review.dispositions(submission)
    forms = dict(forms or {})
    flags = [flag for group in context["groups"] for flag in group["flags"]]
    for flag in flags:
        if flag["item"] not in forms:
            done = recorded.get(flag["item"])
            forms[flag["item"]] = DispositionForm(
                prefix=flag["item"], formdata=None,
                data={"disposition": list(done.dispositions) if done else [],
                      "note": done.note if done else ""})
    numbers = {flag["item"]: flag["number"] for flag in flags}
    questions = {flag["item"]: flag["question"] for flag in flags}
    # Linked by number (item-N-disposition, item-N-note): a rule id in the address would
    # say what the patient answered. Each error names the item by number and question.
    flag_errors = [(f"item-{numbers[item]}-{part}",
                    f"Item {numbers[item]} ({questions[item]}): {field.errors[0]}")
                   for item, form in sorted(forms.items(), key=lambda pair: numbers[pair[0]])
                   for part, field in (("disposition", form.disposition), ("note", form.note))
                   if field.errors]
    reopen_form = reopen_form or ReopenForm(formdata=None)
    flag_errors += [(field.id, field.errors[0]) for field in (reopen_form.reason,)
                    if field.errors]
    history = review.review_history(submission)  # every filed review, the newest last
    latest = history[-1] if history else None
    shown = _shown_messages(submission)
    flagged_severities = {group["severity"] for group in context["groups"] if group["flags"]}
    page = render_template(
        "staff/submission.html", submission=submission, summary=context,
        contact=contact_of(assessment.answers), shown=shown,
        shown_alone=[severity for severity in shown if severity not in flagged_severities],
        headings=MESSAGE_HEADINGS_BY_VALUE,
        sections=context["sections"], recorded=recorded, forms=forms,
        acknowledgeable=ACKNOWLEDGEABLE_VALUES,
        missing=[(numbers[item], questions[item]) for item in missing or []],
        flag_errors=flag_errors,
        counts=severity_counts(submission), status_label=STATUS_LABELS[submission.status],
        reviewed=latest.pdf if latest else None, reviewer=latest.reviewer if latest else None,
        filenames=review.pdf_filenames(submission), history=history,
        reopened=latest if latest and latest.reopened_at else None,
        reopen_form=reopen_form,
        numbered_filename=lambda number: review.numbered_filename(submission, number))
    return page, status


@bp.get("/submissions/<submission_id>")
@login_required
def submission(submission_id: str) -> Page:
    """Show a submission: whom to call, the flags with the review form, then every answer."""
    found = own_submission(submission_id)
    assessment = intake_pdf.assessment_of(found)
    audit("viewed", submission=found, actor=current_staff().email, address=client_address())
    return render_submission(found, assessment)


@bp.post("/submissions/<submission_id>/flags")
@login_required
def record_flags(submission_id: str) -> Page | BaseResponse:
    """Save the page's one form: what was done about every flagged item, in one save.

    Its buttons: Save; "Acknowledge all remaining discuss, prepare and note items" (which
    also saves whatever else was ticked); and "Mark reviewed", which saves, then files the
    review. If any item is wrong, nothing is saved and the page comes back with every box
    and note as sent, and a list naming each item to fix.
    """
    found = own_submission(submission_id)
    assessment = intake_pdf.assessment_of(found)
    if found.status == "reviewed":
        flash("This submission is already marked reviewed; its review is filed.", "info")
        return redirect(url_for("staff.submission", submission_id=found.id), 303)
    recorded = review.dispositions(found)
    page = read_page(assessment, recorded,
                     acknowledge=request.form.get("acknowledge") == "remaining")
    if page.wrong:
        return render_submission(found, assessment, forms=page.forms, status=400)
    review.record_dispositions(found, assessment, page.changes, current_staff(),
                               client_address())
    numbers = review.flag_numbers(assessment)
    for item in page.changes:
        flash(item, "saved")
    if page.changes:
        flash(_saved_message(page, numbers), "success")
    finish = request.form.get("finish") == "review"  # "Mark reviewed", sent with the boxes
    if finish:
        return _file_review(found, assessment)
    if not page.changes:
        flash("Nothing new to save: no item has a new choice or note.", "info")
    return redirect(url_for("staff.submission", submission_id=found.id, _anchor="review"), 303)


def _saved_message(page: PageSave, numbers: dict[str, int]) -> str:
    """Return what a save says: how many items, and which were acknowledged all at once."""
    total = len(page.changes)
    said = f"Saved {total} item{'s' if total > 1 else ''}."
    if page.acknowledged:
        said += f" Acknowledged {_items([numbers[item] for item in page.acknowledged])}."
    return said


@bp.post("/submissions/<submission_id>/review")
@login_required
def mark_reviewed(submission_id: str) -> Page | BaseResponse:
    """File the review and issue the reviewed PDF."""
    found = own_submission(submission_id)
    return _file_review(found, intake_pdf.assessment_of(found))


def _file_review(found: Submission, assessment: Assessment) -> Page | BaseResponse:
    """Mark a submission reviewed, or show what is still to do."""
    try:
        review.mark_reviewed(found, assessment, current_staff(), client_address())
    except review.ReviewIncomplete as error:
        return render_submission(found, assessment, missing=error.items, status=400)
    except review.ReviewClosed:
        flash("This submission was already marked reviewed.", "info")
    else:
        flash("Marked reviewed. The reviewed PDF is ready to download.", "success")
    return redirect(url_for("staff.submission", submission_id=found.id, _anchor="review"), 303)


@bp.post("/submissions/<submission_id>/reopen")
@login_required
def reopen_review(submission_id: str) -> Page | BaseResponse:
    """Re-open a filed review for correction, with a reason; the filed PDFs are kept.

    Any staff member of the agency may, nurse or administrator, as for filing a review.
    """
    found = own_submission(submission_id)
    form = ReopenForm()
    if found.status != "reviewed":
        flash("This review is not filed, so there is nothing to re-open.", "info")
        return redirect(url_for("staff.submission", submission_id=found.id, _anchor="review"),
                        303)
    if not form.validate():
        return render_submission(found, intake_pdf.assessment_of(found), reopen_form=form,
                                 status=400)
    try:
        review.reopen_review(found, form.reason.data or "", current_staff(), client_address())
    except review.ReviewNotFiled:
        flash("This review is not filed, so there is nothing to re-open.", "info")
    else:
        flash("Review re-opened. Correct what is needed, then mark it reviewed again; "
              "the reviewed PDF already issued is kept.", "success")
    return redirect(url_for("staff.submission", submission_id=found.id, _anchor="review"), 303)


@bp.get("/submissions/<submission_id>/flags")
@bp.get("/submissions/<submission_id>/review")
@bp.get("/submissions/<submission_id>/reopen")
@login_required
def back_to_submission(submission_id: str) -> BaseResponse:
    """Open the submission page from the address a review form posts to.

    A page answered to a form with errors shows that address; reloading it from the address
    bar, or opening it again from the history, asks for it with GET, which would otherwise
    be refused (405). Only the agency's own submissions are found, as on every staff page;
    nothing is recorded here (the submission page records the view).
    """
    found = own_submission(submission_id)
    return redirect(url_for("staff.submission", submission_id=found.id), 303)


def _pdf_response(pdf: bytes, filename: str) -> Response:
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store"})


@bp.get("/submissions/<submission_id>/summary.pdf")
@login_required
def issued_pdf(submission_id: str) -> Response:
    """Download the PDF as it was issued with the submission."""
    found = own_submission(submission_id)
    pdf = intake_pdf.issued_pdf(found)
    audit("downloaded", submission=found, actor=current_staff().email, address=client_address(),
          detail=SUMMARY)
    return _pdf_response(pdf, review.pdf_filenames(found)["issued"])


@bp.get("/submissions/<submission_id>/reviewed.pdf")
@login_required
def reviewed_pdf(submission_id: str) -> Response:
    """Download the PDF re-issued with the review."""
    found = own_submission(submission_id)
    latest = review.latest_reviewed_numbered(found)
    if latest is None:
        abort(404)
    number, stored = latest
    pdf = review.reviewed_pdf(stored)
    audit("downloaded", submission=found, actor=current_staff().email, address=client_address(),
          detail=reviewed_detail(number))
    return _pdf_response(pdf, review.pdf_filenames(found)["reviewed"])


@bp.get("/submissions/<submission_id>/reviewed/<int(min=1, max=9999):number>.pdf")
@login_required
def filed_review_pdf(submission_id: str, number: int) -> Response:
    """Download one filed reviewed PDF by its place in order (1 is the first filed)."""
    found = own_submission(submission_id)
    stored = review.reviewed_number(found, number)
    if stored is None:
        abort(404)
    pdf = review.reviewed_pdf(stored)
    audit("downloaded", submission=found, actor=current_staff().email, address=client_address(),
          detail=reviewed_detail(number))
    return _pdf_response(pdf, review.numbered_filename(found, number))
