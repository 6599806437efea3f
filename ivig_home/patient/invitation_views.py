"""An invitation's link, /a/<slug>/i/<token>: the date of birth, then the checklist."""

from __future__ import annotations

from flask import abort, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from ivig_home import locales, timezones
from ivig_home.intake import drafts
from ivig_home.limits import limiter
from ivig_home.models import Invitation
from ivig_home.patient.csrf import csrf_failed
from ivig_home.patient.forms import InvitationForm
from ivig_home.patient.views import _resume_limit, bp
from ivig_home.patients import invitations, returning

Page = str | tuple[str, int] | BaseResponse


def _page(found: Invitation, form: InvitationForm, status: int = 200, **extra: object) -> Page:
    return render_template(
        "patient/invitation.html", form=form, infusion=locales.written_date(found.infusion_on),
        lock_minutes=int(invitations.LOCK.total_seconds() // 60), **extra), status


@bp.route("/<slug>/i/<invitation_token>", methods=["GET", "POST"])
@limiter.limit(_resume_limit, methods=["POST"])
def invitation(invitation_token: str) -> Page:
    """Ask for the date of birth; open the invitation's checklist when it is the patient's."""
    found = invitations.find_invitation(g.agency, invitation_token)
    if found is None:
        abort(404)
    posted = request.method == "POST"
    form = InvitationForm(formdata=request.form if posted else None,
                          meta={"csrf_context": f"invitation:{g.agency.slug}"})
    if found.submission_id is not None:
        return _page(found, form, sent=True)
    if not posted:
        return _page(found, form)
    form.validate()
    if csrf_failed(form):
        return _page(found, form, 400, token_refused=True)
    birth = form.date_of_birth
    birth.message = birth.process_errors[0] if birth.process_errors else None
    if birth.data is None and not birth.message:
        birth.message = birth.problem_message()
    if birth.message:
        return _page(found, form, 400)
    try:
        opened = invitations.check_date_of_birth(found, birth.data)
    except invitations.InvitationLocked:
        return _page(found, form, 429, locked=True)
    if not opened:
        return _page(found, form, 200, failed=True)
    draft = drafts.get_draft(found.draft_id) if found.draft_id else None
    if draft is None or draft.submission_id is not None:
        start = returning.starting_point(found, timezones.today(g.agency.time_zone))
        draft = drafts.start_prefilled(
            g.agency, start.answers, carried_from=start.carried_from,
            carried_on=start.carried_on, to_confirm=start.to_confirm,
            last_infusion_offer=start.last_infusion_offer, language=g.language)
        invitations.attach_draft(found, draft.id)
    return redirect(url_for(".step", draft_id=draft.id, section_id=draft.step or "about"), 303)
