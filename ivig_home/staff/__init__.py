"""The care team's area at /staff/: sign-in, the queue, reviews, staff accounts, audit log.

Every page needs a signed-in nurse or administrator and shows their own agency only:
anything of another agency answers 404, as if it did not exist. Administrator pages answer
403 to a nurse. Every form carries a CSRF token, checked before any view runs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, Flask, abort, render_template, request
from flask_login import LoginManager, current_user, login_required
from flask_wtf.csrf import CSRFError, ValidationError, generate_csrf, validate_csrf

from ivig_home import errors, timezones
from ivig_home.checklist import NOT_A_DECISION, long_date, parse_date
from ivig_home.intake.submissions import get_submission
from ivig_home.models import StaffUser, Submission
from ivig_home.staff import accounts, notices

bp = Blueprint("staff", __name__, url_prefix="/staff")
login_manager = LoginManager()
View = TypeVar("View", bound=Callable[..., Any])
ERRORS = {
    400: ("This form could not be used",
          "The page was open too long or the form was sent twice. Go back, reload the page "
          "and try again."),
    403: ("Only for administrators",
          "This page is for your agency's administrators. Ask one of them if you need it."),
    404: ("Page not found", "There is nothing here. Check the address, or go to the queue."),
    405: ("This page cannot do that",
          "Use the buttons and links on the page. Go back and try again."),
    413: ("That was too much to send",
          "The form sent more than 1 MB. Make the note shorter and try again."),
    429: ("Too many tries",
          "There were too many sign-in attempts from this network. Wait a minute, then try "
          "again."),
    500: ("Something went wrong",
          "The problem is on our side. Try again in a few minutes; if it keeps happening, "
          "tell your administrator."),
}


def current_staff() -> StaffUser:
    """Return the signed-in staff user (views run only when there is one)."""
    user: StaffUser = current_user._get_current_object()
    return user


def client_address() -> str | None:
    """Return the address the request came from, for the audit log."""
    return request.remote_addr


def own_submission(submission_id: str) -> Submission:
    """Return a submission of the signed-in user's agency, or answer 404."""
    submission = get_submission(submission_id)
    if submission is None or submission.agency_id != current_staff().agency_id:
        abort(404)
    return submission


def admin_required(view: View) -> View:
    """Let only a signed-in administrator through; a nurse gets 403."""
    @wraps(view)
    @login_required
    def checked(*args: Any, **kwargs: Any) -> Any:
        if not current_staff().is_admin:
            abort(403)
        return view(*args, **kwargs)
    return checked  # type: ignore[return-value]


@bp.before_request
def check_csrf() -> None:
    """Refuse any staff form sent without this session's CSRF token."""
    if request.method == "POST":
        try:
            validate_csrf(request.form.get("csrf_token"))
        except ValidationError as error:
            raise CSRFError(str(error)) from None


@bp.context_processor
def staff_context() -> dict[str, Any]:
    """Give the staff templates the CSRF token and the statement every page carries."""
    return {"not_a_decision": NOT_A_DECISION, "form_errors": form_errors}


def form_errors(fields: list[Any]) -> list[tuple[str, str]]:
    """Return (field id, first error) for each field with an error, for the error summary."""
    return [(field.id, field.errors[0]) for field in fields if field.errors]


def agency_zone() -> str:
    """Return the signed-in user's agency time zone (the app's TIME_ZONE before sign-in)."""
    if current_user and current_user.is_authenticated:
        return str(current_staff().agency.time_zone)
    return timezones.configured()


@bp.app_template_filter("staff_when")
def staff_when(moment: datetime | None, seconds: bool = False, zone: str | None = None) -> str:
    """Return a moment in the agency's time zone: '21 Nov 2026, 04:14 EST' (or 04:14:05)."""
    if moment is None:
        return ""
    moment = timezones.local(moment, zone or agency_zone())
    clock = f"{moment:%H:%M:%S}" if seconds else f"{moment:%H:%M}"
    return f"{moment.day} {moment:%b %Y}, {clock} {timezones.abbreviation(moment)}"


@bp.app_template_filter("staff_date")
def staff_date(day: str | date | None) -> str:
    """Return an ISO date (or a date) as '2 April 1958'."""
    parsed = parse_date(day) if isinstance(day, str) else day
    return long_date(parsed) if parsed else "Not given"


def error_page(error: Any) -> tuple[str, int]:
    """Render a staff error page in plain words."""
    code = getattr(error, "code", 500) or 500
    title, message = ERRORS.get(code) or ERRORS[500 if code >= 500 else 400]
    return render_template("staff/error.html", title=title, message=message), code


for _code in (400, 403, 404, 429):
    bp.register_error_handler(_code, error_page)


def init_app(app: Flask) -> None:
    """Register the staff area, its sign-in and the new-submission notices."""
    login_manager.init_app(app)
    login_manager.login_view = "staff.login"
    login_manager.login_message = "Sign in to see this page."
    login_manager.login_message_category = "info"
    login_manager.user_loader(accounts.load_session_user)
    notices.init_app(app)
    # A global, as Flask-WTF's CSRFProtect would make it, so imported macros can use it.
    app.jinja_env.globals.setdefault("csrf_token", generate_csrf)
    app.register_blueprint(bp)
    # Errors the blueprint never sees (a wrong method, a server error after the rollback)
    # still get the staff area's own page.
    errors.AREA_PAGES[f"{bp.url_prefix}/"] = error_page


from ivig_home.staff import admin, agency_views, auth, patient_views, queue_views, review_views  # noqa: E402,F401  (routes on bp)
