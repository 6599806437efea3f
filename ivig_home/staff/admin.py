"""Administrator pages: the agency's staff accounts, its settings and its audit log."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from ivig_home.audit.log import audit, audit_entry, password_set_detail
from ivig_home.audit.trail import AuditPage, audit_page, what
from ivig_home.db import db, utcnow
from ivig_home.models import StaffUser
from ivig_home.staff import accounts, admin_required, bp, client_address, current_staff
from ivig_home.staff.forms import AddNurseForm, SetPasswordForm, SettingsForm
from ivig_home.staff.notices import mail_settings
from ivig_home.staff.queue import normal_reference

Page = str | tuple[str, int]


def _record(action: str, detail: str | None = None) -> None:
    """Add an administrator's change to the audit log (committed with the change)."""
    admin = current_staff()
    audit_entry(action, actor=admin.email, address=client_address(), agency_id=admin.agency_id,
                detail=detail)


def _own_user(user_id: int) -> StaffUser:
    """Return an account of the administrator's agency; any other answers 404."""
    user = db.session.get(StaffUser, user_id)
    if user is None or user.agency_id != current_staff().agency_id:
        abort(404)
    return user


@bp.route("/users", methods=["GET", "POST"])
@admin_required
def users() -> Page | Response:
    """List the agency's accounts and add a nurse."""
    admin = current_staff()
    form = AddNurseForm()
    error = None
    if form.validate_on_submit():
        try:
            added = accounts.create_user(admin.agency, form.email.data or "", "nurse",
                                         form.password.data or "", form.name.data)
        except accounts.AccountError as problem:
            error = str(problem)
        else:
            audit("user_added", actor=admin.email, address=client_address(),
                  agency_id=admin.agency_id)
            flash(f"{added.email} can now sign in as a nurse. Give them the first password "
                  "in person and ask them to change it.", "success")
            return redirect(url_for("staff.users"), 303)
    status = 400 if request.method == "POST" else 200
    return render_template("staff/users.html", form=form, error=error,
                           users=accounts.agency_users(admin.agency_id), now=utcnow()), status


@bp.post("/users/<int:user_id>/active")
@admin_required
def user_active(user_id: int) -> Response:
    """Turn a nurse's account off (ending their sessions) or on again."""
    user = _own_user(user_id)
    if user.is_admin:
        flash("Administrator accounts are changed with the ivig-home command.", "info")
        return redirect(url_for("staff.users"), 303)
    turn_on = not user.active
    _record("user_enabled" if turn_on else "user_disabled")
    accounts.set_active(user, turn_on)
    flash(f"{user.email} is turned {'on' if turn_on else 'off'}.", "success")
    return redirect(url_for("staff.users"), 303)


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
@admin_required
def user_password(user_id: int) -> Page | Response:
    """Set a new password for a nurse who forgot theirs (there is no email reset)."""
    user = _own_user(user_id)
    if user.is_admin:
        flash("Administrator accounts are changed with the ivig-home command.", "info")
        return redirect(url_for("staff.users"), 303)
    form = SetPasswordForm()
    error = None
    if form.validate_on_submit():
        try:
            accounts.set_password(user, form.new.data or "")
        except accounts.AccountError as problem:
            error = str(problem)
        else:
            _record("settings_changed", password_set_detail(user.id))
            db.session.commit()
            flash(f"{user.email} has a new password and can sign in with it now. Give it to "
                  "them in person and ask them to change it under Password.", "success")
            return redirect(url_for("staff.users"), 303)
    status = 400 if request.method == "POST" else 200
    return render_template("staff/user_password.html", form=form, error=error,
                           user=user), status


@bp.route("/settings", methods=["GET", "POST"])
@admin_required
def settings() -> Page | Response:
    """Set where new-submission notices go."""
    agency = current_staff().agency
    form = SettingsForm(data={"notify_email": agency.notify_email})
    if form.validate_on_submit():
        agency.notify_email = form.notify_email.data or None
        _record("settings_changed")
        db.session.commit()
        flash("The settings are saved.", "success")
        return redirect(url_for("staff.settings"), 303)
    status = 400 if request.method == "POST" else 200
    return render_template("staff/settings.html", form=form, agency=agency,
                           mail_ready=mail_settings(current_app) is not None), status


@bp.get("/audit")
@admin_required
def audit_log() -> str:
    """Show the agency's audit log, filtered by user and by submission reference."""
    admin = current_staff()
    people = accounts.agency_users(admin.agency_id)
    actor = request.args.get("user") or None
    if actor not in {user.email for user in people}:
        actor = None
    typed = request.args.get("reference", "").strip()[:40]
    reference = normal_reference(typed)
    page_number = request.args.get("page", "1")
    number = int(page_number) if page_number.isdigit() and int(page_number) < 10**6 else 1
    unreadable = bool(typed) and reference is None
    found = (AuditPage(entries=[], total=0, page=1, pages=1) if unreadable
             else audit_page(admin.agency_id, actor=actor, reference=reference, page=number))
    arguments = {"user": actor, "reference": typed or None}
    return render_template(
        "staff/audit.html", found=found, people=people, actor=actor, typed=typed,
        unreadable=unreadable, what=what,
        page_url=lambda n: url_for("staff.audit_log",
                                   **{k: v for k, v in arguments.items() if v}, page=n))
