"""The `ivig-home` commands about patients: invite, send-reminders."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from ivig_home.agencies.registry import get_agency
from ivig_home.audit.log import audit, patient_detail
from ivig_home.patients import invitations
from ivig_home.staff import invitation_mail


@click.command("invite")
@click.argument("slug")
@click.option("--name", required=True, help="The patient's name, as they write it.")
@click.option("--date-of-birth", "date_of_birth", required=True, metavar="YYYY-MM-DD")
@click.option("--infusion-date", "infusion_date", required=True, metavar="YYYY-MM-DD",
              help="The planned infusion the checklist is for.")
@click.option("--email", default=None, help="Where to email the invitation and reminders.")
@click.option("--phone", default=None, help="The patient's phone number.")
@click.option("--language", default=None,
              help="The language to email and open the checklist in ('es'), one the agency "
                   "offers, while the patient has sent no checklist yet; without it, the "
                   "agency's default.")
@with_appcontext
def invite_command(slug: str, name: str, date_of_birth: str, infusion_date: str,
                   email: str | None, phone: str | None, language: str | None) -> None:
    """Invite a patient to fill in the checklist before an infusion; print the link last.

    The patient is found by name and date of birth among the agency's patients, or made.
    """
    agency = get_agency(slug)
    if agency is None:
        click.echo(f"error: no agency with the slug {slug!r}.", err=True)
        sys.exit(2)
    try:
        made = invitations.invite(agency, name, date_of_birth, infusion_date,
                                  actor="command line", email=email, phone=phone,
                                  language=language)
    except invitations.InvitationRefused as refused:
        for _, message in refused.problems:  # every problem, each naming its option
            click.echo(f"error: {message}", err=True)
        sys.exit(2)
    base = str(current_app.config.get("PUBLIC_URL") or "").rstrip("/")
    invitation = made.invitation
    audit("invited_patient", actor="command line", agency_id=invitation.agency_id,
          detail=patient_detail(invitation.patient_id))
    if invitation_mail.email_invitation(current_app, invitation):
        click.echo("The invitation was emailed to the patient.")
    click.echo(f"Invitation for the infusion on {invitation.infusion_on.isoformat()}, "
               f"patient {invitation.patient_id}; the link works until "
               f"{invitation.expires_at:%Y-%m-%d %H:%M} UTC and is shown only now.")
    click.echo(f"{base}{made.path}")


@click.command("send-reminders")
@with_appcontext
def send_reminders_command() -> None:
    """Email the reminders due now (by default 3 days and 1 day before), each once.

    Run it from a timer, like deliver-webhooks; without a mail server it sends nothing.
    """
    count = invitation_mail.send_reminders(current_app)
    click.echo(f"{count} reminders sent.")


PATIENT_COMMANDS = [invite_command, send_reminders_command]
