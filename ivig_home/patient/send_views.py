"""Check your answers, send them, and the confirmation with the PDF summary."""

from __future__ import annotations

from typing import Any

from flask import abort, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from ivig_home import locales
from ivig_home.checklist import InvalidAnswers, assess, load, steps
from ivig_home.checklist.severity import Severity
from ivig_home.checklist.summary import summary
from ivig_home.i18n import gettext as _
from ivig_home.intake import drafts, submissions
from ivig_home.intake.pdf import issue_at_submit
from ivig_home.patient import step_views as patient_steps
from ivig_home.patient import wording
from ivig_home.patient.forms import StepForm, StepResult, step_form
from ivig_home.patient.views import bp

ACKS = {"ack_not_decision": True, "ack_accurate": True}
Page = str | tuple[str, int] | BaseResponse


# The last step's own URL (/d/<draft_id>/confirm): this rule wins over the generic step.
@bp.route(f"/<slug>/d/<draft_id>/{steps.CONFIRM}", endpoint="check", methods=["GET", "POST"])
def check_page(draft_id: str) -> Page:
    """Show every answer and what will be flagged; sending needs the two boxes ticked."""
    draft = patient_steps.open_draft(draft_id)
    if draft.submission_id is not None:
        return redirect(url_for(".sent", draft_id=draft.id), 303)
    stored = drafts.draft_answers(draft)
    first = steps.first_incomplete(stored, patient_steps.today())
    if first.id != steps.CONFIRM:
        return redirect(url_for(".step", draft_id=draft.id, section_id=first.id), 303)
    posted = request.method == "POST"
    form = step_form(first, draft.id, stored, request.form if posted else None)
    if not posted:
        return render_check(draft, form, stored)
    result = patient_steps.check_posted(draft, form, stored)
    if not isinstance(result, StepResult):
        return result
    if not result.complete:
        return render_check(draft, form, stored, result.errors), 400
    return send(draft, result.answers)


def preview(answers: dict[str, Any]) -> dict[str, Any]:
    """Return the summary of the answers as they would be sent (the boxes counted as ticked)."""
    document = {"completed_on": patient_steps.today().isoformat(),
                "answers": {**answers, **ACKS}}
    return summary(assess(document), write_date=locales.written_date)


def render_check(draft: Any, form: StepForm, stored: dict[str, Any],
                 errors: list[Any] | None = None) -> str:
    """Render the check-your-answers page: what will be flagged and Send first, then every
    answer (folded away), in the page's voice (a caregiver's names the patient)."""
    data = translated(preview(stored), stored, form.voice)
    return render_template(
        "patient/check.html", form=form, section=form.section, errors=errors or [],
        error_count=len(errors or []), **patient_steps.progress(form.section),
        intro=wording.heading(form.section, form.voice)[1],
        for_someone_else=form.voice.someone_else,
        groups=[group for group in data["groups"] if group["flags"]],
        sections=[s for s in data["sections"] if s["id"] != steps.CONFIRM],
        change_url=lambda section_id: url_for(".step", draft_id=draft.id,
                                              section_id=section_id, **{"from": "check"}),
        action_url=url_for(".step", draft_id=draft.id, section_id=form.section.id),
        back_url=url_for(".step", draft_id=draft.id,
                         section_id=(steps.previous(form.section, stored) or form.section).id))


def translated(data: dict[str, Any], answers: dict[str, Any],
               spoken: wording.Voice) -> dict[str, Any]:
    """Return the summary with the patient's wording passed through the translations, in
    the page's voice: a caregiver reads the questions and answers naming the patient."""
    items = load().items
    for section in data["sections"]:
        found = next(s for s in load().sections if s.id == section["id"])
        section["title"] = spoken.say(found.title, found.caregiver_title)
        for row in section["items"]:
            item = items[row["id"]]
            row["question"] = spoken.say(item.question, item.caregiver_question)
            if row["status"] == "not_asked":
                # Written by the checklist as one English sentence; said again here around
                # the definition's translated reason.
                row["answer"] = _("Not asked, because %(reason)s.", reason=_(item.not_asked))
            else:
                shown = row["answer"]  # a text of the checklist, or what the patient typed
                row["answer"] = spoken.answer(item, answers.get(item.id), _(shown))
    for group in data["groups"]:
        wording_of = Severity(group["severity"]).wording
        heading = wording_of.caregiver_heading if spoken.caregiver else group["patient_heading"]
        group["patient_heading"] = _(heading)
        for flag in group["flags"]:
            item = items[flag["item"]]
            flag["patient"] = spoken.say(item.patient, item.caregiver_patient)
            answer = flag["answer"]
            flag["answer"] = _(answer)
    return data


def send(draft: Any, answers: dict[str, Any]) -> BaseResponse:
    """Assess the answers and store the submission once; a retry lands on the same one."""
    document = {"completed_on": patient_steps.today().isoformat(), "answers": answers}
    try:
        assessment = assess(document)
    except InvalidAnswers:
        first = steps.first_incomplete(answers, patient_steps.today())
        return redirect(url_for(".step", draft_id=draft.id, section_id=first.id), 303)
    drafts.save_draft(draft, answers, steps.CONFIRM)
    # Also writes the "submitted" audit entry.
    submission = submissions.submit_draft(draft, assessment)
    issue_at_submit(submission)
    return redirect(url_for(".sent", draft_id=draft.id), 303)


LATE = ("changed", "emergency", "urgent")


@bp.get("/<slug>/d/<draft_id>/sent")
def sent(draft_id: str) -> Page:
    """Confirm the answers were sent: the reference, what happens next, the PDF."""
    draft = patient_steps.open_draft(draft_id)
    if draft.submission_id is None:
        return redirect(url_for(".step", draft_id=draft.id, section_id=steps.CONFIRM), 303)
    submission = submissions.get_submission(draft.submission_id) or abort(404)
    late = request.args.get("late")  # a step was sent after the checklist was (late_post)
    return render_template("patient/sent.html", submission=submission,
                           late=late if late in LATE else None,
                           pdf_url=url_for(".pdf", draft_id=draft.id),
                           link_until=locales.written_date(
                               patient_steps.last_day(draft.expires_at, g.agency.time_zone)))
