"""The `ivig-home` commands for agencies: create and edit them, API tokens, webhook sending."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext

from ivig_home import locales, timezones
from ivig_home.agencies import api_tokens as tokens
from ivig_home.agencies import registry as agencies
from ivig_home.agencies.logo import LogoRefused
from ivig_home.agencies.registry import get_agency
from ivig_home.models import Agency
from ivig_home.webhooks import outbox as webhooks


def _agency(slug: str) -> Agency:
    agency = get_agency(slug)
    if agency is None:
        _fail(f"no agency with the slug {slug!r}.")
    return agency  # type: ignore[return-value]


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


def _order(locale: str) -> str:
    return "month first" if locales.month_first(locale) else "day first"


LANGUAGES_HELP = ("The languages the checklist is offered in, comma-separated, the agency's "
                  "default first: 'en' (the default), 'en,es'. Each needs the translation "
                  "that ships with ivig_home.")
LOCALE_HELP = ("How patients write dates: 'en-US' month first (the default), 'en-GB' day "
               f"first. One of: {', '.join(locales.LOCALES)}.")


def _describe(agency: Agency) -> None:
    click.echo(f"  name:            {agency.name}")
    click.echo(f"  phone:           {agency.phone}")
    click.echo(f"  colour:          {agency.colour}")
    click.echo(f"  time zone:       {agency.time_zone}")
    click.echo(f"  locale:          {agency.locale} (dates {_order(agency.locale)})")
    click.echo(f"  languages:       {', '.join(agency.language_list)} "
               f"(default {agency.language_list[0]})")
    click.echo(f"  logo:            {agency.logo_type or 'none'}")
    click.echo(f"  allowed origins: {' '.join(agency.allowed_origins) or 'none (no framing)'}")
    click.echo(f"  webhook URL:     {agency.webhook_url or 'none'}")
    warning = agencies.colour_warning(agency.colour)
    if warning:
        click.echo(f"note: {warning}")


TIME_ZONE_NEEDED = ("give the agency's time zone with --time-zone, an IANA name like "
                    "'America/New_York', 'America/Chicago' or 'Asia/Kolkata'; its times "
                    "are shown in it.")


def _interactive() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


def _checked_zone(value: str) -> str:
    try:
        return timezones.check_time_zone(value)
    except timezones.TimeZoneRefused as error:
        raise click.BadParameter(str(error)) from None


def _ask_time_zone() -> str:
    """Ask for the time zone at a terminal; without one, fail naming the option."""
    if not _interactive():
        _fail(TIME_ZONE_NEEDED)
    zone: str = click.prompt("Time zone (an IANA name like 'America/New_York')",
                             value_proc=_checked_zone)
    return zone


@click.command("create-agency")
@click.argument("slug")
@click.option("--name", required=True, help="The agency's name, shown on the form and PDF.")
@click.option("--phone", required=True, help="The number patients are told to call.")
@click.option("--colour", help="Accent colour, like '#0b6e4f'.")
@click.option("--allowed-origin", "origins", multiple=True,
              help="An origin that may embed the form, like 'https://www.agency.example'. "
                   "Repeat for several.")
@click.option("--webhook-url", help="An https URL that receives a notice for each submission.")
@click.option("--time-zone", help="The zone times are shown in, an IANA name like "
                                  "'America/New_York'. Required: asked for when run at a "
                                  "terminal without it.")
@click.option("--locale", help=LOCALE_HELP)
@click.option("--languages", help=LANGUAGES_HELP)
@with_appcontext
def create_agency_command(slug: str, name: str, phone: str, colour: str | None,
                          origins: tuple[str, ...], webhook_url: str | None,
                          time_zone: str | None, locale: str | None,
                          languages: str | None) -> None:
    """Create an agency; its form is at /a/SLUG/ and, framed, /embed/SLUG/."""
    if time_zone is None:
        time_zone = _ask_time_zone()
    try:
        made = agencies.create_agency(slug, name, phone, colour=colour,
                                      allowed_origins=origins, webhook_url=webhook_url,
                                      time_zone=time_zone, locale=locale,
                                      languages=languages)
    except agencies.AgencyRefused as error:
        _fail(str(error))
    click.echo(f"Created agency {made.agency.slug}:")
    _describe(made.agency)
    click.echo(f"Webhook signing secret (shown once, keep it safe): {made.webhook_secret}")


@click.command("edit-agency")
@click.argument("slug")
@click.option("--name")
@click.option("--phone")
@click.option("--colour")
@click.option("--allowed-origin", "origins", multiple=True,
              help="Replace the allowed origins with these (repeat for several).")
@click.option("--no-origins", is_flag=True, help="Let no site embed the form.")
@click.option("--webhook-url", help="A new webhook URL; '' turns webhooks off.")
@click.option("--time-zone", help="The zone times are shown in, like 'America/New_York'.")
@click.option("--locale", help=LOCALE_HELP)
@click.option("--languages", help=LANGUAGES_HELP)
@click.option("--logo", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="A PNG or SVG logo (at most 256 KB); an SVG is cleaned first.")
@click.option("--remove-logo", is_flag=True)
@click.option("--new-webhook-secret", is_flag=True, help="Make a new signing secret.")
@with_appcontext
def edit_agency_command(slug: str, origins: tuple[str, ...], no_origins: bool,
                        logo: Path | None, remove_logo: bool, new_webhook_secret: bool,
                        **details: Any) -> None:
    """Change an agency's details, time zone, locale, languages, logo, allowed origins or
    webhook."""
    agency = _agency(slug)
    changes = {key: value for key, value in details.items() if value is not None}
    if origins or no_origins:
        changes["allowed_origins"] = [] if no_origins else list(origins)
    try:
        agencies.update_agency(agency, **changes)
        if logo is not None or remove_logo:
            agencies.set_logo(agency, None if remove_logo else logo.read_bytes())  # type: ignore[union-attr]
    except (agencies.AgencyRefused, LogoRefused) as error:
        _fail(str(error))
    click.echo(f"Agency {agency.slug}:")
    _describe(agency)
    if new_webhook_secret:
        secret = agencies.rotate_webhook_secret(agency)
        click.echo(f"New webhook signing secret (shown once, keep it safe): {secret}")


@click.command("create-token")
@click.argument("slug")
@click.option("--label", default="", help="What the token is for, to tell tokens apart.")
@with_appcontext
def create_token_command(slug: str, label: str) -> None:
    """Make an API token for an agency's systems and print it, once."""
    row, token = tokens.create_token(_agency(slug), label)
    click.echo(f"API token for {slug} ({row.label}); shown once, only its hash is kept:")
    click.echo(token)


@click.command("revoke-token")
@click.argument("slug")
@click.argument("prefix")
@with_appcontext
def revoke_token_command(slug: str, prefix: str) -> None:
    """Revoke an agency's API token, named by its first 12 characters."""
    count = tokens.revoke_token(_agency(slug), prefix)
    if not count:
        _fail(f"no live token of {slug} starts with {prefix!r} (give its first 12 characters).")
    click.echo(f"Revoked {count} token.")


@click.command("show-agency")
@click.argument("slug")
@with_appcontext
def show_agency_command(slug: str) -> None:
    """Print an agency's details and its API tokens (their prefixes, never the tokens)."""
    agency = _agency(slug)
    click.echo(f"Agency {agency.slug}:")
    _describe(agency)
    if agency.webhook_secret_replaced_at is not None:
        when = agency.webhook_secret_replaced_at.isoformat(timespec="minutes")
        click.echo(f"note: the webhook secret was replaced by the database migration to "
                   f"Standard Webhooks ({when} UTC), and nobody has seen the new one. Make a "
                   f"new secret to see it (shown once) and give it to the agency's systems: "
                   f"ivig-home edit-agency {agency.slug} --new-webhook-secret")
    for row in tokens.agency_tokens(agency):
        used = row.last_used_at.isoformat(timespec="minutes") if row.last_used_at else "never"
        state = "revoked" if row.revoked_at else "live"
        click.echo(f"  token {row.prefix}...  {state}, {row.label!r}, last used {used}")


@click.command("deliver-webhooks")
@with_appcontext
def deliver_webhooks_command() -> None:
    """Send the webhook notices that are due now (run it every minute from a timer)."""
    outcome = webhooks.deliver_due()
    click.echo(f"Delivered {outcome.delivered}, failed {outcome.failed} (to retry later); "
               f"{webhooks.waiting()} waiting.")


AGENCY_COMMANDS = [create_agency_command, edit_agency_command, show_agency_command,
                   create_token_command, revoke_token_command, deliver_webhooks_command]
