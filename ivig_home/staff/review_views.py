"""A submission's page: its flags and answers, the review flag by flag, and both PDFs."""

from __future__ import annotations

from typing import Any

from flask import (
    Response,
    abort,
    flash,
    get_flashed_messages,
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
from ivig_home.staff import bp, client_address, current_staff, own_submission, review
from ivig_home.staff.forms import DispositionForm, ReopenForm
from ivig_home.staff.queue import STATUS_LABELS, severity_counts

Page = str | tuple[str, int]


def _items(numbers: list[int]) -> str:
    """Return "item 3" or "items 1, 3 and 5"."""
    ordered = [str(number) for number in sorted(numbers)]
    if len(ordered) == 1:
        return f"item {ordered[0]}"
    return f"items {', '.join(ordered[:-1])} and {ordered[-1]}"


def _saved_message(number: int, changed: list[int]) -> tuple[str, str]:
    """Return what the item whose own Save button was pressed says, and its kind."""
    if not changed:
        return (f"Nothing new to save: item {number} already has this choice and note.",
                "info")
    if changed == [number]:
        return f"Item {number} saved.", "success"
    if number in changed:
        return f"Saved {_items(changed)}.", "success"
    return f"Item {number} had nothing new to save. Saved {_items(changed)}.", "success"


def _not_saved_message(pressed: str, forms: dict[str, DispositionForm],
                       numbers: dict[str, int]) -> str:
    """Return what the pressed item says when an item is wrong and nothing was saved."""
    own = [field.errors[0] for field in (forms[pressed].disposition, forms[pressed].note)
           if field.errors]
    others = [numbers[item] for item, form in forms.items()
              if item != pressed and form.errors]
    parts = ["Nothing was saved.", *own]
    if others:
        one = len(others) == 1
        what = _items(others)
        parts.append(f"{what[0].upper()}{what[1:]} {'needs' if one else 'need'} a fix"
                     f"{' too' if own else ' first'}; the list at the top of the page links "
                     f"to {'it' if one else 'each'}.")
    return " ".join(parts)


def _item_message(pressed: str | None, forms: dict[str, DispositionForm],
                  numbers: dict[str, int]) -> dict[str, Any] | None:
    """Return the message shown in the item whose own Save button was pressed, if any.

    Sent back with errors, it says nothing was saved and why; after a redirect it comes
    from the flashed "pressed" item and its "item-success" or "item-info" message.
    """
    if pressed is None:
        flashed = [str(item) for item in get_flashed_messages(category_filter=["pressed"])]
        said = [(kind, str(text)) for kind in ("success", "info")
                for text in get_flashed_messages(category_filter=[f"item-{kind}"])]
        if not flashed or not said:
            return None
        pressed, (kind, text) = flashed[0], said[0]
    elif any(form.errors for form in forms.values()):
        text, kind = _not_saved_message(pressed, forms, numbers), "error"
    else:
        return None
    if pressed not in numbers:
        return None
    return {"item": pressed, "number": numbers[pressed], "text": text, "kind": kind}


def _back_to_item(found: Submission, pressed: str, number: int, text: str,
                  kind: str) -> BaseResponse:
    """Redirect to the pressed item (#item-N, no rule id in the URL) with its message."""
    flash(pressed, "pressed")
    flash(text, f"item-{kind}")
    return redirect(url_for("staff.submission", submission_id=found.id,
                            _anchor=f"item-{number}"), 303)


def render_submission(submission: Submission, assessment: Assessment, *,
                      forms: dict[str, DispositionForm] | None = None,
                      missing: list[str] | None = None, reopen_form: ReopenForm | None = None,
                      pressed: str | None = None, status: int = 200) -> Page:
    """Render the submission page; `forms` and `reopen_form` carry forms sent back with
    their errors, `pressed` the item whose own Save button sent them."""
    context = intake_pdf.summary_context(submission, assessment)
    recorded = review.dispositions(submission)
    forms = dict(forms or {})
    for group in context["groups"]:
        for flag in group["flags"]:
            if flag["item"] not in forms:
                done = recorded.get(flag["item"])
                forms[flag["item"]] = DispositionForm(
                    prefix=flag["item"], formdata=None,
                    data={"disposition": done.disposition if done else None})
    numbers = {flag["item"]: flag["number"] for g in context["groups"] for flag in g["flags"]}
    item_message = _item_message(pressed, forms, numbers)
    # Linked by number (item-N-disposition, item-N-note): a rule id in the address would
    # say what the patient answered.
    flag_errors = [(f"item-{numbers[item]}-{part}", f"Item {numbers[item]}: {field.errors[0]}")
                   for item, form in forms.items()
                   for part, field in (("disposition", form.disposition), ("note", form.note))
                   if field.errors]
    reopen_form = reopen_form or ReopenForm(formdata=None)
    flag_errors += [(field.id, field.errors[0]) for field in (reopen_form.reason,)
                    if field.errors]
    history = review.review_history(submission)  # every filed review, the newest last
    latest = history[-1] if history else None
    page = render_template(
        "staff/submission.html", submission=submission, summary=context,
        sections=context["sections"], recorded=recorded, forms=forms,
        missing=[(item, numbers[item]) for item in missing or []], flag_errors=flag_errors,
        counts=severity_counts(submission), status_label=STATUS_LABELS[submission.status],
        reviewed=latest.pdf if latest else None, reviewer=latest.reviewer if latest else None,
        filenames=review.pdf_filenames(submission), history=history,
        reopened=latest if latest and latest.reopened_at else None,
        reopen_form=reopen_form, item_message=item_message,
        numbered_filename=lambda number: review.numbered_filename(submission, number))
    return page, status


@bp.get("/submissions/<submission_id>")
@login_required
def submission(submission_id: str) -> Page:
    """Show a submission: the flags first, then every answer, with the review forms."""
    found = own_submission(submission_id)
    assessment = intake_pdf.assessment_of(found)
    audit("viewed", submission=found, actor=current_staff().email, address=client_address())
    return render_submission(found, assessment)


@bp.post("/submissions/<submission_id>/flags/<item_id>")
@login_required
def record_flag(submission_id: str, item_id: str) -> Page | BaseResponse:
    """Record what was done about one flagged item."""
    found = own_submission(submission_id)
    assessment = intake_pdf.assessment_of(found)
    if item_id not in {flag.item.id for flag in assessment.flags}:
        abort(404)
    form = DispositionForm(prefix=item_id)
    if found.status == "reviewed":
        flash("This submission is already marked reviewed; its review is filed.", "info")
        return redirect(url_for("staff.submission", submission_id=found.id), 303)
    if not form.validate():
        return render_submission(found, assessment, forms={item_id: form}, pressed=item_id,
                                 status=400)
    review.record_disposition(found, assessment, item_id, form.disposition.data or "",
                              form.note.data or "", current_staff(), client_address())
    flash(item_id, "saved")
    number = review.flag_numbers(assessment)[item_id]
    return _back_to_item(found, item_id, number, *_saved_message(number, [number]))


@bp.post("/submissions/<submission_id>/flags")
@login_required
def record_flags(submission_id: str) -> Page | BaseResponse:
    """Record what was done about every flagged item given an answer or a changed note.

    The page's one form posts every item; any of its buttons saves them all (an item's own
    button brings the nurse back to that item, #item-N, with a message there saying what was
    saved), so a choice made on one item is never lost by saving another. Items left without
    a choice are left as they are. If any item is wrong, nothing is saved and the page comes
    back with every choice and note as sent (an item's own button posts to #item-N, so the
    page comes back at that item, saying why).
    """
    found = own_submission(submission_id)
    assessment = intake_pdf.assessment_of(found)
    if found.status == "reviewed":
        flash("This submission is already marked reviewed; its review is filed.", "info")
        return redirect(url_for("staff.submission", submission_id=found.id), 303)
    recorded = review.dispositions(found)
    items = [flag.item.id for flag in assessment.flags]
    forms = {item: DispositionForm(prefix=item) for item in items}
    pressed = request.form.get("item")  # an item's own Save button, or None for "Save all"
    if pressed not in forms:
        pressed = None
    changed, wrong = [], False
    for item, form in forms.items():
        chosen, note = form.disposition.data, (form.note.data or "").strip()
        if not chosen and not note and item != pressed:
            continue  # nothing given for this item
        if not form.validate():
            wrong = True
            continue
        done = recorded.get(item)
        if done is None or (done.disposition, done.note) != (chosen, note):
            changed.append(item)
    if wrong:
        return render_submission(found, assessment, forms=forms, pressed=pressed, status=400)
    for item in changed:
        review.record_disposition(found, assessment, item, forms[item].disposition.data or "",
                                  forms[item].note.data or "", current_staff(),
                                  client_address())
        flash(item, "saved")
    finish = request.form.get("finish") == "review"  # "Mark reviewed", sent with the choices
    if pressed is not None and not finish:
        numbers = review.flag_numbers(assessment)
        return _back_to_item(found, pressed, numbers[pressed], *_saved_message(
            numbers[pressed], [numbers[item] for item in changed]))
    if changed:
        flash(f"Saved {len(changed)} item{'s' if len(changed) > 1 else ''}.", "success")
    if finish:
        return _file_review(found, assessment)
    if not changed:
        flash("Nothing new to save: no item has a new choice or note.", "info")
    return redirect(url_for("staff.submission", submission_id=found.id, _anchor="review"), 303)


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
@bp.get("/submissions/<submission_id>/flags/<item_id>")
@bp.get("/submissions/<submission_id>/review")
@bp.get("/submissions/<submission_id>/reopen")
@login_required
def back_to_submission(submission_id: str, item_id: str | None = None) -> BaseResponse:
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
