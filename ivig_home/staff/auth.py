"""Signing in and out, the idle timeout, and changing one's own password."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from ivig_home.audit.log import audit
from ivig_home.db import utcnow
from ivig_home.limits import limiter
from ivig_home.staff import accounts, bp, client_address, current_staff
from ivig_home.staff.forms import LoginForm, PasswordForm

SEEN = "staff_seen"
SIGN_IN_MESSAGES = {
    "wrong": "The email address or password is not right.",
    "locked": (f"Sign-in to this account is paused for {accounts.LOCK_TIME.seconds // 60} "
               f"minutes after {accounts.MAX_FAILURES} wrong passwords. Try again later, or "
               "ask your agency's administrator."),
    "disabled": "This account is turned off. Ask your agency's administrator.",
}


def _idle_limit() -> timedelta:
    return timedelta(minutes=float(current_app.config["STAFF_IDLE_MINUTES"]))


def _login_limit() -> str:
    return str(current_app.config["STAFF_LOGIN_RATE_LIMIT"])


@bp.before_request
def end_idle_session() -> Response | None:
    """Sign out a session that has been idle too long; otherwise note this activity."""
    if not current_user.is_authenticated:
        return None
    now = utcnow().timestamp()
    seen = session.get(SEEN)
    if not isinstance(seen, float | int) or now - seen > _idle_limit().total_seconds():
        logout_user()
        session.clear()
        minutes = round(_idle_limit().total_seconds() / 60)
        flash(f"You were signed out after {minutes} minutes without activity. "
              "Sign in again to go on.", "info")
        session["next"] = request.full_path if request.method == "GET" else None
        return redirect(url_for("staff.login"))
    session[SEEN] = now
    return None


def _next_page() -> str:
    """Return the staff page to go to after signing in (never another site)."""
    wanted = session.pop("next", None)
    if isinstance(wanted, str) and wanted.startswith("/staff/") and "//" not in wanted:
        return wanted.rstrip("?")
    return url_for("staff.queue")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login() -> Response | str | tuple[str, int]:
    """Show the sign-in form and sign a staff user in."""
    if current_user.is_authenticated:
        return redirect(url_for("staff.queue"))
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("staff/login.html", form=form, message=None)
    result = accounts.sign_in(form.email.data or "", form.password.data or "", client_address())
    if result.outcome != "ok" or result.user is None:
        return render_template("staff/login.html", form=form,
                               message=SIGN_IN_MESSAGES[result.outcome]), 200
    target = _next_page()
    session.clear()  # nothing from before signing in carries over
    login_user(result.user)
    session[SEEN] = utcnow().timestamp()
    return redirect(target, 303)


@bp.post("/logout")
@login_required
def logout() -> Response:
    """Sign out, ending this account's sessions everywhere."""
    user = current_staff()
    audit("logged_out", actor=user.email, address=client_address(), agency_id=user.agency_id)
    accounts.end_sessions(user)
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("staff.login"), 303)


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password() -> Response | str | tuple[str, int]:
    """Let a signed-in user choose a new password."""
    form = PasswordForm()
    error = None
    if form.validate_on_submit():
        try:
            accounts.change_password(current_staff(), form.current.data or "",
                                     form.new.data or "")
        except accounts.AccountError as problem:
            error = str(problem)
        else:
            flash("Your password is changed.", "success")
            return redirect(url_for("staff.queue"), 303)
    status = 400 if request.method == "POST" else 200
    return render_template("staff/password.html", form=form, error=error), status
