"""Agencies: create and change them, checking every value before it reaches a page or header."""

from __future__ import annotations

import base64
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ivig_home import i18n, locales, timezones
from ivig_home.agencies import logo, theme
from ivig_home.db import db, usable_key
from ivig_home.models import Agency
from ivig_home.webhooks import hosts as webhook_hosts

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
PHONE = re.compile(r"^\+?[0-9][0-9 ().-]{2,38}$")
HOSTNAME = re.compile(r"^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*"
                      r"[a-z0-9])?)*$")
LOOPBACK = {"localhost", "127.0.0.1", "[::1]"}
MAX_ORIGINS = 20
EDITABLE = ("name", "phone", "colour", "allowed_origins", "webhook_url", "time_zone",
            "locale", "languages")

DEMO_AGENCY = {"slug": "demo", "name": "Demo Home Health", "phone": "555-0100",
               "colour": "#1d4f91", "time_zone": "America/New_York", "languages": "en,es"}


class AgencyRefused(ValueError):
    """A value for an agency was refused; the message says what to change."""


@dataclass(frozen=True)
class NewAgency:
    """A created agency and its webhook signing secret, shown once."""

    agency: Agency
    webhook_secret: str


def relaxed() -> bool:
    """Return whether plain http is accepted (debug or testing only)."""
    return bool(current_app.debug or current_app.testing)


def check_slug(value: str) -> str:
    """Return the slug, or refuse one that is not lower-case letters, digits and dashes."""
    slug = value.strip()
    if not SLUG.match(slug):
        raise AgencyRefused("The slug must be 1 to 64 lower-case letters, digits or dashes, "
                            "starting and ending with a letter or digit, like 'harbour-home'.")
    return slug


def check_name(value: str) -> str:
    """Return the trimmed agency name, or refuse an empty or overlong one."""
    name = " ".join(value.split())
    if not 1 <= len(name) <= 200:
        raise AgencyRefused("The name must be 1 to 200 characters.")
    return name


def check_phone(value: str) -> str:
    """Return the phone number patients are told to call, or refuse one that cannot be dialled."""
    phone = " ".join(value.split())
    if not PHONE.match(phone):
        raise AgencyRefused("The phone number must be digits, with spaces, dashes, dots or "
                            "brackets if you like, and an optional + in front (3 to 40 "
                            "characters), like '555-0142' or '+1 617 555 0142'.")
    return phone


def check_colour(value: str) -> str:
    """Return the colour as '#rrggbb', or refuse a value that is not a hex colour."""
    colour = theme.parse_colour(value)
    if colour is None:
        raise AgencyRefused("The colour must be a hex colour like '#0b6e4f'.")
    return colour


def colour_warning(colour: str) -> str | None:
    """Return why a colour will not be used for text, or None when it will."""
    ratio = theme.contrast(colour, theme.WHITE)
    if ratio >= theme.MIN_CONTRAST:
        return None
    return (f"{colour} has a contrast of {ratio:.1f}:1 with white; text needs "
            f"{theme.MIN_CONTRAST:.0f}:1, so the form uses a darker shade of it, "
            f"{theme.accent(colour)}. Pick a darker colour to choose the shade yourself.")


def check_time_zone(value: str) -> str:
    """Return an IANA time zone name like 'America/New_York', or refuse an unknown one."""
    try:
        return timezones.check_time_zone(value)
    except timezones.TimeZoneRefused as error:
        raise AgencyRefused(str(error)) from None


def check_locale(value: str) -> str:
    """Return a locale like 'en-US' (dates month first) or 'en-GB' (day first), or refuse it."""
    try:
        return locales.check_locale(value)
    except locales.LocaleRefused as error:
        raise AgencyRefused(str(error)) from None


def check_languages(value: str) -> str:
    """Return the languages offered, like 'en,es' (the default first), or refuse one that
    ivig_home has no translation of."""
    try:
        return i18n.check_languages(value)
    except i18n.LanguageRefused as error:
        raise AgencyRefused(str(error)) from None


def check_origin(value: str) -> str:
    """Return an origin like 'https://agency.example', or refuse anything else."""
    parts = urlsplit(value.strip())
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        port = -1
    if (parts.scheme not in ("http", "https") or not host or parts.username or parts.password
            or parts.query or parts.fragment or parts.path not in ("", "/") or port == -1
            or not (HOSTNAME.match(host) or host == "::1")):
        raise AgencyRefused(f"{value!r} is not an origin: give the scheme, host and port "
                            "only, like 'https://www.agency.example'.")
    shown_host = "[::1]" if host == "::1" else host
    if parts.scheme == "http" and shown_host not in LOOPBACK and not relaxed():
        raise AgencyRefused(f"{value!r}: pages that embed the form must use https.")
    return f"{parts.scheme}://{shown_host}" + (f":{port}" if port else "")


def check_origins(values: Iterable[str]) -> list[str]:
    """Return the origins cleaned and without repeats, or refuse a bad one or too many."""
    origins = list(dict.fromkeys(check_origin(value) for value in values if value.strip()))
    if len(origins) > MAX_ORIGINS:
        raise AgencyRefused(f"At most {MAX_ORIGINS} origins may embed the form.")
    return origins


def check_webhook_url(value: str | None) -> str | None:
    """Return the webhook URL (None to turn webhooks off), or refuse one that may not be used.

    It must be https to a host that is not, and does not resolve to, an address on a
    private, local or reserved network (webhook_hosts); WEBHOOK_ALLOW_PRIVATE_HOSTS lifts
    that for tests and private deployments.
    """
    url = (value or "").strip()
    if not url:
        return None
    try:
        return webhook_hosts.check_url(url)
    except webhook_hosts.HostRefused as refused:
        raise AgencyRefused(f"Webhook URL: {refused}") from None


def new_webhook_secret() -> str:
    """Return a fresh secret for signing webhooks, in the Standard Webhooks format.

    'whsec_' and the standard base64 (with padding) of 32 random bytes: the key itself is
    those bytes, which is what the Standard Webhooks libraries decode it to.
    """
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def create_agency(slug: str, name: str, phone: str, *, colour: str | None = None,
                  allowed_origins: Iterable[str] = (),
                  webhook_url: str | None = None, time_zone: str | None = None,
                  locale: str | None = None, languages: str | None = None) -> NewAgency:
    """Create an agency after checking every value; its webhook secret is returned once.

    Without a time zone the agency gets the app's TIME_ZONE setting; without a locale,
    'en-US' (dates month first); without languages, English alone.
    """
    slug = check_slug(slug)
    if get_agency(slug) is not None:
        raise AgencyRefused(f"An agency with the slug {slug!r} exists already.")
    secret = new_webhook_secret()
    agency = Agency(slug=slug, name=check_name(name), phone=check_phone(phone),
                    colour=check_colour(colour) if colour else theme.DEFAULT_ACCENT,
                    allowed_origins=check_origins(allowed_origins),
                    webhook_url=check_webhook_url(webhook_url),
                    time_zone=check_time_zone(time_zone or timezones.configured()),
                    locale=check_locale(locale or locales.DEFAULT_LOCALE),
                    languages=check_languages(languages or i18n.DEFAULT_LANGUAGE))
    db.session.add(agency)
    try:
        db.session.flush()  # the secret is encrypted bound to the row's id
        agency.webhook_secret = secret
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise AgencyRefused(f"An agency with the slug {slug!r} exists already.") from None
    return NewAgency(agency, secret)


def update_agency(agency: Agency, **changes: Any) -> Agency:
    """Change the editable details of an agency, checking each; unknown keys are refused."""
    checks = {"name": check_name, "phone": check_phone, "colour": check_colour,
              "allowed_origins": check_origins, "webhook_url": check_webhook_url,
              "time_zone": check_time_zone, "locale": check_locale,
              "languages": check_languages}
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise AgencyRefused(f"These cannot be changed here: {', '.join(sorted(unknown))}.")
    cleaned = {key: checks[key](value) for key, value in changes.items()}
    for key, value in cleaned.items():
        setattr(agency, key, value)
    db.session.commit()
    return agency


def set_logo(agency: Agency, data: bytes | None, declared_type: str | None = None) -> None:
    """Store a cleaned copy of the logo (None removes it); refuse a file that is not one."""
    if data is None:
        agency.logo, agency.logo_type = None, None
    else:
        agency.logo, agency.logo_type = logo.clean_logo(data, declared_type)
    db.session.commit()


def rotate_webhook_secret(agency: Agency) -> str:
    """Give the agency a new webhook secret (stored encrypted) and return it, once.

    A note that a migration replaced the secret goes too: this one is being shown.
    """
    secret = new_webhook_secret()
    agency.webhook_secret = secret
    agency.webhook_secret_replaced_at = None
    db.session.commit()
    return secret


def get_agency(slug: str) -> Agency | None:
    """Return the agency with this slug, or None."""
    if not usable_key(slug):
        return None
    found: Agency | None = db.session.scalar(select(Agency).where(Agency.slug == slug))
    return found


def ensure_demo_agency() -> Agency:
    """Return the demo agency, creating it the first time."""
    agency = get_agency(DEMO_AGENCY["slug"])
    if agency is not None:
        return agency
    try:
        agency = Agency(**DEMO_AGENCY, allowed_origins=[])
        db.session.add(agency)
        db.session.commit()
        return agency
    except IntegrityError:
        db.session.rollback()  # another process made it at the same moment
        return get_agency(DEMO_AGENCY["slug"])  # type: ignore[return-value]
