"""The steps of a draft: one page per section, the help-now page, save and leave."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from flask import Response, abort, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from ivig_home import i18n, locales, timezones
from ivig_home.checklist import Step, is_asked, steps
from ivig_home.db import db
from ivig_home.intake import drafts
from ivig_home.patient import wording
from ivig_home.patient.csrf import DraftForm, csrf_failed
from ivig_home.patient.forms import StepForm, StepResult, posted_shown, step_form
from ivig_home.patient.views import LANG, bp

FROM_CHECK = "check"  # the step was opened from a "Change" link on the check page
# Posted `action`s that keep what can be kept without finishing the step: the page's own
# script saves after each change (answered 204, no page), and Back saves, then goes back.
AUTOSAVE = "autosave"
BACK = "back"
VERSION = "autosave_version"  # posted by the script: the stored answers it last saw
VERSION_HEADER = "X-Answers-Version"  # the new one, after a save in the background
# Posted by the script with a save in the background once a message at a question has stayed
# up long enough to be announced: "emergency" or "urgent", repeated or comma-separated.
SEEN = "help_now_seen"
# Why a save in the background was refused ("sent", "stale" or "closed"), and, after one
# that was stored, whether every answer was kept ("all") or some were refused ("some").
REFUSED_HEADER = "X-Autosave-Refused"
KEPT_HEADER = "X-Answers-Kept"
Page = str | tuple[str, int] | BaseResponse


def open_draft(draft_id: str) -> Any:
    """Return the agency's draft named in the URL, or stop with 404 (unknown or expired)."""
    draft = drafts.get_draft(draft_id)
    if draft is None or draft.agency_id != g.agency.id:
        abort(404)
    return draft


def today() -> date:
    """Return the date the answers are checked against (the completion date).

    It is today in the agency's time zone: the date the patient sees on their own calendar.
    """
    return timezones.today(g.agency.time_zone)


@bp.route("/<slug>/d/<draft_id>/<section_id>", methods=["GET", "POST"])
def step(draft_id: str, section_id: str) -> Page:
    """Show one step of the checklist, or take its answers and move on."""
    draft = open_draft(draft_id)
    autosaving = request.method == "POST" and request.form.get("action") == AUTOSAVE
    if draft.submission_id is not None:
        # A save in the background is refused (nothing is stored); a page goes to "sent",
        # which says its answers were not added (and what to do if one needs help now).
        return not_saved("sent") if autosaving else late_post(draft, section_id)
    section = steps.find(section_id) or abort(404)
    stored = drafts.draft_answers(draft)
    if not steps.reachable(section, stored, today()):
        if autosaving:
            return not_saved("closed")
        first = steps.first_incomplete(stored, today())
        return redirect(url_for(".step", draft_id=draft.id, section_id=first.id), 303)
    if draft.to_confirm:
        # A returning patient's section with answers from last time: its own page. Imported
        # here: that module builds on this one's helpers.
        from ivig_home.patient import returning_page
        if returning_page.pending(draft, section):
            return returning_page.show(draft, section, stored)
    posted = request.method == "POST"
    form = step_form(section, draft.id, stored, request.form if posted else None)
    if not posted:
        return render_step(draft, form, stored)
    result = check_posted(draft, form, stored)
    if not isinstance(result, StepResult):
        return result
    if not result.complete:
        return render_step(draft, form, result.answers, result)
    return finish_step(draft, section, result.answers)


def check_posted(draft: Any, form: StepForm, stored: dict[str, Any]) -> StepResult | Page:
    """Check a posted step: a refusal for a bad form token, the saved page for "save and
    come back later", 204 for a save in the background, the previous step for Back, else
    the checked answers for the caller to act on."""
    action = request.form.get("action")
    form.validate()
    if csrf_failed(form):
        return ("", 400) if action == AUTOSAVE else refused(draft, form.section)
    result = form.check(stored, posted_shown(request.form), today())
    if request.form.get(LANG) is not None and action != AUTOSAVE:
        return switch_language(draft, form, result, stored, request.form[LANG])
    if action == "save":
        return save_and_leave(draft, form, result, stored)
    if action in (AUTOSAVE, BACK):
        return keep_answers(draft, form, result, stored, action == BACK)
    return result


def keep_answers(draft: Any, form: StepForm, result: StepResult, stored: dict[str, Any],
                 back: bool) -> Page:
    """Store every answer on the step that can be kept (as "save and come back later" does,
    but without a resume code, so no date of birth is needed); then go to the previous step
    for Back, or answer 204 for a save in the background. No help-now page either way."""
    answers = form.savable(result, stored)
    target = (steps.previous(form.section, answers) if back else None) or form.section
    draft_id = draft.id  # read before the commit expires the draft row
    seen = request.form.get(VERSION)
    try:
        if back or seen is None:
            drafts.save_draft(draft, answers, target.id)
        else:
            # The page's script names the answers it last saw: a save that arrives after a
            # Continue (or a save from another tab) is refused rather than undo it.
            version = drafts.save_draft_unless_changed(draft, answers, target.id, seen)
            if version is None:
                return not_saved("stale", drafts.answers_version(draft))
            mark_shown_at_question(draft, form.section, answers)
            return Response(status=204, headers={
                VERSION_HEADER: version, KEPT_HEADER: kept(result)})
    except drafts.DraftSubmitted:  # sent meanwhile, from another tab
        return not_saved("sent") if not back else redirect(url_for(".sent", draft_id=draft_id),
                                                          303)
    if not back:
        mark_shown_at_question(draft, form.section, answers)
        return Response(status=204, headers={KEPT_HEADER: kept(result)})
    return redirect(url_for(".step", draft_id=draft_id, section_id=target.id), 303)


def switch_language(draft: Any, form: StepForm, result: StepResult, stored: dict[str, Any],
                    language: str) -> BaseResponse:
    """The language switch of a step page, a button of the step's form: keep every answer
    on the page that can be kept (as Back does, without checking the step), store the
    language with the draft, and show the same page again in it."""
    answers = form.savable(result, stored)
    draft_id = draft.id  # read before the commit expires the draft row
    if language in i18n.offered(g.agency):
        draft.language = language  # flushed with the save's own UPDATE, in its transaction
    try:
        drafts.save_draft(draft, answers, form.section.id)
    except drafts.DraftSubmitted:  # sent meanwhile, from another tab
        db.session.rollback()  # nor the language
        return redirect(url_for(".sent", draft_id=draft_id), 303)
    return redirect(url_for(str(request.endpoint), **(request.view_args or {}),
                            **request.args.to_dict()), 303)


@bp.post("/<slug>/d/<draft_id>/language", endpoint="language")
def language(draft_id: str) -> Page:
    """The language switch of a draft's page that has no step form (help now, saved, sent):
    store the language with the draft and show the page it was pressed on again."""
    draft = open_draft(draft_id)
    form = DraftForm(formdata=request.form, meta={"csrf_context": draft.id})
    base = url_for(".step", draft_id=draft.id, section_id="x").removesuffix("x")
    back = request.form.get("back", "")
    # Only a page of this draft: never a redirect anywhere else.
    target = back if back.startswith(base) and "//" not in back and "\\" not in back else None
    if not form.validate():
        return refused(draft, steps.find(draft.step or "about") or steps.sections()[0])
    chosen = request.form.get(LANG, "")
    if chosen in i18n.offered(g.agency):
        drafts.set_language(draft, chosen)
    return redirect(target or url_for(".step", draft_id=draft_id,
                                      section_id=draft.step or "about"), 303)


def mark_shown_at_question(draft: Any, section: Step, answers: dict[str, Any]) -> None:
    """Record the first time the emergency or urgent message was shown, for a save in the
    background that says the message was seen (`help_now_seen`) and was stored with an
    answer whose message the step still shows at its question.

    The page's script shows the message the moment such an answer is chosen, and announces
    it 0.7 s later only if it is still shown; at that moment, and only then, it sends a save
    naming the message. So a "Yes" passed with the arrow keys on the way to "No", which is
    saved but shows its message for an instant and never announces it, marks nothing; nor
    does any save without the field. The stored answers must still give that severity by
    the page's own rule (steps.help_now_at_questions, for the questions the page says the
    patient could see), so a message named after the answer changed back, or named for
    nothing on the page, marks nothing. Values other than "emergency" and "urgent" are
    ignored. Without JavaScript there is neither message at the question nor such a save; a
    refused save (400, or 200 with X-Autosave-Refused) never comes here; Back shows no
    message, so it marks nothing."""
    seen = posted_seen()
    if not seen:
        return
    for severity in steps.help_now_at_questions(section, answers, posted_shown(request.form)):
        if severity in seen:
            drafts.mark_message_shown(draft, severity)


def posted_seen() -> set[str]:
    """Return the messages the page's script says stayed up long enough to be announced:
    "emergency" and "urgent" among the posted `help_now_seen` values (repeated or
    comma-separated); anything else is ignored."""
    known = {severity.value for severity in steps.HELP_NOW}
    return known.intersection(part for value in request.form.getlist(SEEN)
                              for part in value.split(","))


def kept(result: StepResult) -> str:
    """Return "some" when an answer given on the page was refused (a half-typed date, a
    count in words), else "all": a question not answered yet is not a refusal."""
    for field in result.errors:
        item = field.item
        names = ([f"{item.id}-{part}" for part in ("day", "month", "year")]
                 if item.type == "date" else [item.id])
        if any(value.strip() for name in names for value in request.form.getlist(name)):
            return "some"
    return "all"


def not_saved(why: str, version: str | None = None) -> Response:
    """Refuse a save in the background, saying why: the draft was sent ("sent"), the stored
    answers changed since the page last saw them ("stale": another tab or a lost answer;
    the current version comes with it, so the page can save again over it, as its Continue
    would), or the step is not open yet ("closed").

    The answer is 200 with nothing stored, not 409: a refusal is an outcome the page's script
    expects and handles, and browsers log every 4xx answer to a fetch as a console error
    (docs/decisions/0023-short-steps-and-a-caregivers-wording.md)."""
    headers = {REFUSED_HEADER: why}
    if version is not None:
        headers[VERSION_HEADER] = version
    return Response(status=200, headers=headers)


def late_post(draft: Any, section_id: str) -> BaseResponse:
    """A step of a checklist already sent: nothing is added. A page view goes to "sent"; a
    post goes there too, and the sent page says its answers were not added, with the
    emergency or call-today message if an answer on it needs help now."""
    if request.method != "POST":
        return redirect(url_for(".sent", draft_id=draft.id), 303)
    late = "changed"
    section = steps.find(section_id)
    if section is not None:
        stored = drafts.draft_answers(draft)
        form = step_form(section, draft.id, stored, request.form)
        form.validate()
        if not csrf_failed(form):
            answers = form.check(stored, posted_shown(request.form), today()).answers
            found = steps.help_now(section, answers, today())
            late = next((severity for severity in ("emergency", "urgent") if severity in found),
                        late)
    return redirect(url_for(".sent", draft_id=draft.id, late=late), 303)


def finish_step(draft: Any, section: Step, answers: dict[str, Any]) -> BaseResponse:
    """Save a completed step, then show help now if needed, else the next step."""
    target = next_section(section, answers)
    # Read before the commit, which expires the loaded draft and agency rows.
    draft_id, checked_on = draft.id, today()
    drafts.save_draft(draft, answers, target.id)
    back = request.args.get("from") if request.args.get("from") == FROM_CHECK else None
    if steps.help_now(section, answers, checked_on):
        return redirect(url_for(".help_now", draft_id=draft_id, section_id=section.id,
                                **{"from": back} if back else {}), 303)
    return redirect(url_for(".step", draft_id=draft_id, section_id=target.id), 303)


def next_section(section: Step, answers: dict[str, Any]) -> Step:
    """Return the step after this one, or the first one left to do when changing an answer."""
    if request.args.get("from") == FROM_CHECK:
        return steps.first_incomplete(answers, today())
    return steps.following(section, answers) or steps.sections()[-1]


def render_step(draft: Any, form: StepForm, answers: dict[str, Any],
                result: StepResult | None = None) -> Page:
    """Render a step: its questions, and any errors or new questions after a post."""
    section = form.section
    previous = steps.previous(section, answers)
    heading, intro = wording.heading(section, form.voice)
    page = render_template(
        "patient/step.html", form=form, section=section, **progress(section),
        heading=heading, intro=intro,
        visible={item.id for item in section.items if is_asked(item, answers)},
        on_page={item.id for item in section.items},
        errors=result.errors if result else [], appeared=result.appeared if result else [],
        error_count=len(result.errors) if result else 0,
        for_someone_else=form.voice.someone_else,
        help_now_answers=steps.section_help_now_answers(section.id),
        answers_version=drafts.answers_version(draft),
        action_url=url_for(".step", draft_id=draft.id, section_id=section.id,
                           **from_check()),
        back_url=url_for(".step", draft_id=draft.id, section_id=previous.id)
        if previous else None)
    return (page, 400) if result and result.errors else page


def progress(section: Step) -> dict[str, Any]:
    """Return the step number and count for the 'Step 3 of 8' heading."""
    return {"step_number": steps.number(section), "step_total": len(steps.sections())}


def from_check() -> dict[str, str]:
    """Return the query that brings the patient back to the check page, if they came from it."""
    return {"from": FROM_CHECK} if request.args.get("from") == FROM_CHECK else {}


def save_and_leave(draft: Any, form: StepForm, result: StepResult,
                   stored: dict[str, Any]) -> Page:
    """Keep every answer that can be kept, then give a resume code (it needs the birth date)."""
    answers = form.savable(result, stored)
    if "date_of_birth" not in answers:
        birth = form.date_of_birth if hasattr(form, "date_of_birth") else None
        if birth is None:
            return redirect(url_for(".step", draft_id=draft.id, section_id="about"), 303)
        for field in form.answer_fields():
            field.message = None
        birth.message = (birth.process_errors[0] if birth.process_errors
                         else birth.leave_message())
        result.errors = [birth]
        return render_step(draft, form, answers, result)
    drafts.save_draft(draft, answers, form.section.id)
    return saved_page(draft, url_for(".step", draft_id=draft.id, section_id=form.section.id))


def saved_page(draft: Any, continue_url: str) -> str:
    """Give a resume code for the saved draft and show it, with the link to keep; "Continue
    now instead" goes to `continue_url` (the page the patient saved on)."""
    code = drafts.issue_resume_code(draft)
    return render_template(
        "patient/saved.html", code=code, spelled=", ".join(" ".join(part) for part in
                                                           code.split("-")),
        # The link to keep is always the site's own page (agency header, phone and footer),
        # never the framed copy: opened in a tab of its own, that one has neither.
        resume_url=url_for("patient.resume", slug=g.agency_slug, code=code, _external=True),
        continue_url=continue_url,
        expires_on=locales.written_date(last_day(draft.expires_at, g.agency.time_zone)))


def last_day(expires_at: datetime, zone: str | None = None) -> date:
    """Return the last day a draft is kept, in the agency's time zone (UTC without one)."""
    return timezones.local(expires_at - timedelta(microseconds=1), zone).date()


def refused(draft: Any, section: Step) -> tuple[str, int]:
    """Explain that the page could not be sent safely; the saved answers are untouched."""
    return render_template(
        "errors/csrf.html",
        retry_url=url_for(".step", draft_id=draft.id, section_id=section.id)), 400


@bp.route("/<slug>/d/<draft_id>/help-now/<section_id>", methods=["GET", "POST"])
def help_now(draft_id: str, section_id: str) -> Page:
    """Tell the patient to get help now (emergency) or call the care team today (urgent)."""
    draft = open_draft(draft_id)
    section = steps.find(section_id) or abort(404)
    answers = drafts.draft_answers(draft)
    found = steps.help_now(section, answers, today())
    target = steps.following(section, answers) or steps.sections()[-1]
    next_url = url_for(".step", draft_id=draft.id, section_id=target.id)
    if request.args.get("from") == FROM_CHECK:
        next_url = url_for(".step", draft_id=draft.id, section_id=steps.CONFIRM)
    form = DraftForm(formdata=request.form if request.method == "POST" else None,
                     meta={"csrf_context": draft.id})
    if request.method == "POST":
        if not form.validate():
            return refused(draft, section)
        if request.form.get("action") == "save" and draft.submission_id is None:
            # The answers so far were stored with the step before this page: only the code
            # is new. Without a date of birth there is no code; the first step asks for it.
            if "date_of_birth" not in answers:
                return redirect(url_for(".step", draft_id=draft.id, section_id="about"), 303)
            return saved_page(draft, url_for(".help_now", draft_id=draft.id,
                                             section_id=section.id, **from_check()))
        return redirect(next_url, 303)
    if not found or draft.submission_id is not None:
        return redirect(next_url, 303)
    for severity in found:
        drafts.mark_message_shown(draft, severity)
    spoken = wording.voice(section, answers)
    told = {severity: [(spoken.say(flag.item.patient, flag.item.caregiver_patient), flag.unsure)
                       for flag in flags] for severity, flags in found.items()}
    return render_template("patient/help_now.html", form=form, emergency=told.get("emergency"),
                           urgent=told.get("urgent"), for_someone_else=spoken.someone_else,
                           action_url=url_for(".help_now", draft_id=draft.id,
                                              section_id=section.id, **from_check()))
