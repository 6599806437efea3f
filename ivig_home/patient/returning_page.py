"""A returning patient's page of a section: what they told us last time, and what is new.

A checklist opened from an invitation by a patient who has sent one before starts with the
lasting answers of that one (ivig_home.patients.returning). Each section holding some shows,
once, a page of its own at its first step's address: "Last time (8 November) you told us:"
with those answers, the section's questions asked afresh every time (today's, this
infusion's), and two buttons. **Nothing has changed** keeps the answers and goes on to the
next section in one action; **Change an answer** opens the section's usual steps with the
answers filled in, to edit as on a first visit. The last infusion's date is offered from the
previous invitation's infusion date ("Was your last infusion on November 8?"), one tap.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response as BaseResponse

from ivig_home import locales
from ivig_home.checklist import Step, is_asked, steps
from ivig_home.checklist.summary import answer_rows
from ivig_home.intake import drafts
from ivig_home.patient import send_views, wording
from ivig_home.patient import step_views as patient_steps
from ivig_home.patient.forms import StepResult, step_form

# Change an answer: the section's usual steps, filled in. Back, save and background saves
# are every step's; any other action ("unchanged", for Nothing has changed, or the Enter
# key's "continue") keeps the answers and goes on.
CHANGE = "change"
LAST_INFUSION = "last_infusion_date"
OFFER = f"{LAST_INFUSION}-offer"  # "yes": the last infusion was on the offered date
Page = str | tuple[str, int] | BaseResponse


def pending(draft: Any, section: Step) -> bool:
    """Return whether this step's section still has carried answers to confirm."""
    return section.section.id in drafts.sections_to_confirm(draft)


def page_of(section: Step, answers: dict[str, Any]) -> Step:
    """Return the section's page for a returning patient: a step of the first step's id
    holding the questions asked afresh (and any carried question left without an answer)."""
    first = steps.first_of(section)
    items = tuple(item for item in first.section.items
                  if not item.carry_forward or item.id not in answers)
    return Step(first.id, first.section, items)


def show(draft: Any, section: Step, stored: dict[str, Any]) -> Page:
    """Show or take a returning patient's page of a section (its later steps come here)."""
    first = steps.first_of(section)
    if section.id != first.id:
        return redirect(url_for(".step", draft_id=draft.id, section_id=first.id), 303)
    page = page_of(section, stored)
    posted = request.method == "POST"
    offer = offered(draft, page, stored)
    form = step_form(page, draft.id, stored, with_offer(request.form, offer) if posted else None)
    if not posted:
        return render(draft, form, stored, offer)
    result = patient_steps.check_posted(draft, form, stored)
    if not isinstance(result, StepResult):
        return result
    action = request.form.get("action")
    if action == CHANGE:
        draft_id = draft.id
        drafts.save_draft(draft, form.savable(result, stored), first.id)
        drafts.confirm_section(draft, first.section.id)
        return redirect(url_for(".step", draft_id=draft_id, section_id=first.id), 303)
    if offer and request.form.get(OFFER) == "no" and not result.errors and (
            not date_typed(request.form)):
        field = getattr(form, LAST_INFUSION)
        field.message = field.problem_message()
        result.errors.append(field)
    if not result.complete:
        return render(draft, form, result.answers, offer, result)
    return finish(draft, first, result.answers)


def finish(draft: Any, first: Step, answers: dict[str, Any]) -> BaseResponse:
    """Keep the section's answers and go on: help now if an answer needs it, else the next
    section's first step."""
    draft_id, checked_on = draft.id, patient_steps.today()
    section_steps = steps.of_section(first)
    following = steps.following(section_steps[-1], answers) or steps.sections()[-1]
    drafts.save_draft(draft, answers, following.id)
    drafts.confirm_section(draft, first.section.id)
    for step in section_steps:
        if steps.help_now(step, answers, checked_on):
            return redirect(url_for(".help_now", draft_id=draft_id, section_id=step.id), 303)
    return redirect(url_for(".step", draft_id=draft_id, section_id=following.id), 303)


def offered(draft: Any, page: Step, answers: dict[str, Any]) -> date | None:
    """Return the date offered for the last infusion on this page, or None."""
    item = next((item for item in page.items if item.id == LAST_INFUSION), None)
    if item is None or draft.last_infusion_offer is None or not is_asked(item, answers):
        return None
    offer: date = draft.last_infusion_offer
    return offer


def date_typed(formdata: MultiDict[str, str]) -> bool:
    """Return whether any box of the last infusion's date was filled in."""
    return any(formdata.get(f"{LAST_INFUSION}-{part}", "").strip()
               for part in ("day", "month", "year"))


def with_offer(formdata: MultiDict[str, str], offer: date | None) -> MultiDict[str, str]:
    """Return the posted form with the offered date in the date boxes, when the patient
    said "Yes" and left the boxes empty (a date typed wins)."""
    if offer is None or formdata.get(OFFER) != "yes" or date_typed(formdata):
        return formdata
    filled = MultiDict(formdata)
    for part, value in (("day", offer.day), ("month", offer.month), ("year", offer.year)):
        filled.setlist(f"{LAST_INFUSION}-{part}", [str(value)])
    return filled


def carried_rows(first: Step, answers: dict[str, Any],
                 spoken: wording.Voice) -> list[dict[str, Any]]:
    """Return the section's carried answers as the check page lists them, in the voice."""
    rows = answer_rows(answers, locales.written_date)
    section = next(s for s in rows if s["id"] == first.section.id)
    carried = {item.id for item in first.section.items if item.carry_forward}
    section["items"] = [row for row in section["items"]
                        if row["id"] in carried and row["status"] != "not_asked"]
    data = send_views.translated({"sections": [section], "groups": []}, answers, spoken)
    rows_shown: list[dict[str, Any]] = data["sections"][0]["items"]
    return rows_shown


def render(draft: Any, form: Any, answers: dict[str, Any], offer: date | None,
           result: StepResult | None = None) -> Page:
    """Render the page: last time's answers, the fresh questions, the two buttons."""
    page = form.section
    first = steps.first_of(page)
    heading, intro = wording.heading(first, form.voice)
    previous = steps.previous(first, answers)
    help_now_answers = {item.id: found for item in page.items
                        if (found := steps.help_now_answers(item))}
    chosen = request.form.get(OFFER) if request.method == "POST" else None
    html = render_template(
        "patient/returning.html", form=form, section=page, **patient_steps.progress(first),
        heading=heading, intro=intro,
        last_time=locales.written_date(draft.carried_on) if draft.carried_on else None,
        rows=carried_rows(first, answers, form.voice),
        visible={item.id for item in page.items if is_asked(item, answers)},
        on_page={item.id for item in page.items},
        offer=locales.written_date(offer) if offer else None, offer_chosen=chosen,
        errors=result.errors if result else [], appeared=result.appeared if result else [],
        error_count=len(result.errors) if result else 0,
        for_someone_else=form.voice.someone_else, help_now_answers=help_now_answers,
        answers_version=drafts.answers_version(draft),
        action_url=url_for(".step", draft_id=draft.id, section_id=first.id),
        back_url=url_for(".step", draft_id=draft.id, section_id=previous.id)
        if previous else None)
    return (html, 400) if result and result.errors else html
