"""The patient checklist: start, resume and the agency's pages (the steps are in patient_steps).

`create_blueprint` can mount the same views twice: on the site at /a/<slug>/ and, later,
framed without site chrome at /embed/<slug>/. Nothing in the flow needs a cookie: the draft
id in the URL is the draft's capability, and every form's CSRF token works without one.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as BaseResponse

from ivig_home import errors, i18n
from ivig_home.agencies import registry, theme
from ivig_home.checklist import NOT_A_DECISION_PATIENT, load
from ivig_home.i18n import gettext as _
from ivig_home.intake import drafts
from ivig_home.limits import limiter
from ivig_home.patient.csrf import csrf_failed
from ivig_home.patient.forms import ResumeForm, StartForm
from ivig_home.patients import attempts


def _resume_limit() -> str:
    return str(current_app.config.get("RESUME_RATE_LIMIT", "5 per minute;30 per day"))


def _resume_lock() -> tuple[int, timedelta]:
    """Return how many failed resumes from one address lock it, and for how long."""
    config = current_app.config
    return (int(config.get("RESUME_FAILURE_LIMIT", 10)),
            timedelta(minutes=int(config.get("RESUME_LOCK_MINUTES", 15))))


def _start_limit() -> str:
    return str(current_app.config.get("START_RATE_LIMIT", "60 per hour"))


LANG = "lang"  # the query parameter, start form field and switch button naming a language
EMBEDDED = "embed"  # the name of the second mount, framed inside an agency's own site

bp = Blueprint("patient", __name__, url_prefix="/a")


def embedded() -> bool:
    """Return whether this request is for the framed mount at /embed/ (no site header)."""
    return request.blueprint == EMBEDDED


@bp.url_value_preprocessor
def load_agency(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Load the agency named in the URL (and the draft with it, in one round trip)."""
    g.embedded = embedded()
    slug = (values or {}).pop("slug", None)
    draft_id = (values or {}).get("draft_id")
    if slug and draft_id:
        # A draft's page reads its draft with the agency: one round trip, not two. The
        # draft is held here so the view's lookup finds it loaded (the session keeps
        # only what something else still holds).
        g.agency, g.loaded_draft = drafts.get_agency_and_draft(slug, draft_id)
    else:
        g.agency = registry.get_agency(slug) if slug else None
    if slug and g.agency is None:
        abort(404)
    if g.agency is not None:
        # The draft's own language once there is one; before, the `lang` asked for in the
        # URL (or carried by the start form), the browser's, or the agency's default.
        draft = g.get("loaded_draft")
        own = draft if draft is not None and draft.agency_id == g.agency.id else None
        i18n.set_language(i18n.choose_language(g.agency, own, asked_language(own)))
    # Links need only the slug: reading it from the agency after a commit would load
    # the agency again.
    g.agency_slug = slug


def asked_language(draft: Any) -> str | None:
    """Return the `lang` asked for: in the URL, or posted by a form before a draft exists.

    A body the app refuses (too large, say) is left for the view to refuse, with the page
    in the URL's language."""
    asked = request.args.get(LANG)
    if request.method == "POST" and draft is None:
        try:
            asked = request.form.get(LANG) or asked
        except HTTPException:
            pass
    return asked


@bp.url_defaults
def add_slug(endpoint: str, values: dict[str, Any]) -> None:
    """Fill in the agency's slug on links within the checklist."""
    if "slug" not in values and g.get("agency") is not None:
        values["slug"] = g.agency_slug


@bp.context_processor
def page_context() -> dict[str, Any]:
    """Give every patient page its agency, language and the not-a-decision statement."""
    locale = get_locale()
    agency = g.get("agency")
    offered = i18n.offered(agency) if agency is not None else []
    return {"agency": agency, "embedded": embedded(),
            "lang": locale.language if locale else "en",
            "patient_languages": [(code, i18n.language_name(code)) for code in offered],
            "language_url": language_url, "language_post": language_post(),
            "not_a_decision": _(NOT_A_DECISION_PATIENT)}


def language_url(code: str) -> str:
    """Return this page's URL asking for another language (pages before a draft exists)."""
    args = request.args.to_dict()
    args[LANG] = code
    return url_for(str(request.endpoint), **(request.view_args or {}), **args)


def language_post() -> dict[str, str] | None:
    """Return where a draft's page posts the language switch, and its form token, when the
    page belongs to a draft (a step page posts its own form instead)."""
    from ivig_home.patient.csrf import draft_token

    draft = g.get("loaded_draft")
    if draft is None or g.get("agency") is None or draft.agency_id != g.agency.id:
        return None
    return {"url": url_for(".language", draft_id=draft.id), "token": draft_token(draft.id),
            "back": request.script_root + request.full_path.rstrip("?")}


# Errors inside the checklist always get the patient pages, whatever else the app adds.
bp.register_error_handler(HTTPException, errors.error_response)


@bp.route("/<slug>/", methods=["GET", "POST"])
@limiter.limit(_start_limit, methods=["POST"])
def start() -> str | tuple[str, int] | BaseResponse:
    """Show the agency's start page; starting makes a new draft and opens the first step."""
    form = StartForm(formdata=request.form if request.method == "POST" else None,
                     meta={"csrf_context": f"start:{g.agency.slug}"})
    if request.method == "POST":
        if not form.validate():
            return render_template("errors/csrf.html", retry_url=url_for(".start")), 400
        draft = drafts.start_draft(g.agency, language=g.language)
        return redirect(url_for(".step", draft_id=draft.id, section_id="about"), 303)
    return render_template("patient/start.html", form=form, part_count=len(load().sections))


@bp.route("/<slug>/resume", methods=["GET", "POST"])
@limiter.limit(_resume_limit, methods=["POST"])
def resume() -> tuple[str, int] | str | BaseResponse:
    """Ask for the resume code and date of birth; continue the draft they open."""
    posted = request.method == "POST"
    form = ResumeForm(formdata=request.form if posted else None,
                      meta={"csrf_context": f"resume:{g.agency.slug}"})
    if not posted:
        form.code.data = request.args.get("code", "")[:32]
        return render_template("patient/resume.html", form=form, failed=False)
    form.validate()
    if csrf_failed(form):
        return render_template("patient/resume.html", form=form, failed=False,
                               token_refused=True), 400
    # Failed tries from this address, counted in the database: every worker sees them.
    address_key = attempts.attempt_key("resume", request.remote_addr or "")
    limit, lock = _resume_lock()
    if attempts.locked(address_key):
        return render_template("patient/resume.html", form=form, failed=False,
                               locked_minutes=int(lock.total_seconds() // 60)), 429
    birth = form.date_of_birth
    code = str(form.code.data or "").strip()
    birth.message = birth.process_errors[0] if birth.process_errors else None
    if birth.data is None and not birth.message:
        birth.message = birth.problem_message()
    code_message = None if code else _("Enter the code you were given when you saved")
    draft = None
    if code and birth.data:
        draft = drafts.resume_draft(code, birth.data)
    if draft is None:
        failed = bool(code and birth.data)
        if failed and attempts.record_failure(address_key, limit=limit, lock=lock):
            return render_template("patient/resume.html", form=form, failed=False,
                                   locked_minutes=int(lock.total_seconds() // 60)), 429
        return render_template("patient/resume.html", form=form, code_message=code_message,
                               failed=failed), 200
    # A draft opened through another agency's page continues under its own agency.
    return redirect(url_for(".step", slug=draft.agency.slug, draft_id=draft.id,
                            section_id=draft.step or "about"), 303)


@bp.get("/<slug>/theme.css", endpoint="theme")
def agency_theme() -> Response:
    """Return the agency's accent colour as a tiny stylesheet."""
    return Response(theme.stylesheet(g.agency.colour), mimetype="text/css")
