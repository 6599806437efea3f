"""The administrator's page for the agency: name, phone, time zone, colour, logo, embedding
and webhook."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_wtf.file import FileField
from werkzeug.wrappers import Response
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import ValidationError

from ivig_home import timezones
from ivig_home.agencies import registry as agencies
from ivig_home.agencies import theme
from ivig_home.agencies.logo import MAX_BYTES, LogoRefused, clean_logo
from ivig_home.audit.log import audit_entry
from ivig_home.db import db
from ivig_home.models import Agency
from ivig_home.report.language import name as language_name
from ivig_home.staff import admin_required, bp, client_address, current_staff
from ivig_home.staff.forms import StaffForm

Page = str | tuple[str, int]


def _checked(check: Any) -> Any:
    """Return a validator that runs one of the agency checks and shows its message."""
    def validate(_form: StaffForm, field: Any) -> None:
        try:
            field.data = check(field.data or "")
        except agencies.AgencyRefused as error:
            raise ValidationError(str(error)) from None
    return validate


def _time_zone(_form: StaffForm, field: StringField) -> None:
    # A form sent without the field at all (not the page's own form) keeps the zone as it is.
    if not field.raw_data:
        field.data = None
        return
    _checked(agencies.check_time_zone)(_form, field)


def _origins(form: AgencyForm, field: TextAreaField) -> None:
    try:
        form.origin_list = agencies.check_origins((field.data or "").split())
    except agencies.AgencyRefused as error:
        raise ValidationError(str(error)) from None


def _logo(form: AgencyForm, field: FileField) -> None:
    upload = field.data
    if not upload or not getattr(upload, "filename", ""):
        return
    try:
        form.cleaned_logo = clean_logo(upload.read(MAX_BYTES + 1), upload.mimetype)
    except LogoRefused as error:
        raise ValidationError(str(error)) from None


class AgencyForm(StaffForm):
    """How the agency appears on the form, who may embed it, and where notices go."""

    name = StringField("Agency name", [_checked(agencies.check_name)])
    phone = StringField("Phone number patients should call", [_checked(agencies.check_phone)])
    time_zone = StringField("Time zone", [_time_zone])
    colour = StringField("Colour", [_checked(agencies.check_colour)])
    logo = FileField("Logo (PNG or SVG, at most 256 KB)", [_logo])
    remove_logo = BooleanField("Remove the logo")
    allowed_origins = TextAreaField("Websites that may show the form", [_origins])
    webhook_url = StringField("Webhook URL (optional)", [_checked(agencies.check_webhook_url)])
    origin_list: list[str] = []
    cleaned_logo: tuple[bytes, str] | None = None


def _current(agency: Agency) -> dict[str, Any]:
    return {"name": agency.name, "phone": agency.phone, "time_zone": agency.time_zone,
            "colour": agency.colour,
            "allowed_origins": "\n".join(agency.allowed_origins or []),
            "webhook_url": agency.webhook_url or ""}


def _record() -> None:
    admin = current_staff()
    audit_entry("settings_changed", actor=admin.email, address=client_address(),
                agency_id=admin.agency_id)


def _page(form: AgencyForm, agency: Agency, secret: str | None = None,
          status: int = 200) -> tuple[str, int]:
    return render_template(
        "staff/agency.html", form=form, agency=agency, secret=secret,
        colour_warning=agencies.colour_warning(agency.colour),
        shown_colour=theme.accent(agency.colour),
        snippet_url=url_for("embed_assets.script", _external=True),
        frame_url=url_for("embed.start", slug=agency.slug, _external=True),
        site_url=url_for("patient.start", slug=agency.slug, _external=True),
        zone_names=timezones.zone_names(),
        language_names=[language_name(code) for code in agency.language_list]), status


@bp.route("/agency", methods=["GET", "POST"])
@admin_required
def agency_page() -> Page | Response:
    """Show and change the agency's name, phone, time zone, colour, logo, embedding, webhook."""
    agency = current_staff().agency
    if request.method == "GET":
        return _page(AgencyForm(data=_current(agency)), agency)
    form = AgencyForm()
    if not form.validate():
        return _page(form, agency, status=400)
    _record()
    zone = {"time_zone": form.time_zone.data} if form.time_zone.data else {}
    agencies.update_agency(agency, name=form.name.data, phone=form.phone.data,
                           colour=form.colour.data, allowed_origins=form.origin_list,
                           webhook_url=form.webhook_url.data, **zone)
    if form.remove_logo.data:
        agency.logo, agency.logo_type = None, None
    elif form.cleaned_logo is not None:
        agency.logo, agency.logo_type = form.cleaned_logo
    db.session.commit()
    flash("The agency's details are saved.", "success")
    return redirect(url_for("staff.agency_page"), 303)


@bp.post("/agency/webhook-secret")
@admin_required
def new_webhook_secret() -> Page:
    """Make a new webhook signing secret and show it, this once."""
    agency = current_staff().agency
    _record()
    secret = agencies.rotate_webhook_secret(agency)
    return _page(AgencyForm(data=_current(agency)), agency, secret=secret)
