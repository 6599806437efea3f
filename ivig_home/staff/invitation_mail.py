"""Emailing invitations and their reminders, when SMTP is set up and the patient has an
address: the agency's name, the infusion date and the link, nothing else. Each email
carries a link of its own (a fresh token; only its keyed hash is kept)."""

from __future__ import annotations

from datetime import date
from email.message import EmailMessage

from babel.dates import format_date
from flask import Flask, has_request_context, request
from flask_babel import force_locale
from sqlalchemy import select

from ivig_home import i18n, timezones
from ivig_home.checklist import long_date
from ivig_home.db import db, utcnow
from ivig_home.models import Agency, Invitation, Patient, PatientSubmission, Submission
from ivig_home.patients import invitations
from ivig_home.patients.matching import patient_identity
from ivig_home.staff.notices import deliver, mail_settings

REMINDER_DAYS = (3, 1)


def _base(app: Flask) -> str | None:
    base = app.config.get("PUBLIC_URL") or (request.host_url if has_request_context() else None)
    return str(base).rstrip("/") if base else None


def patient_language(invitation: Invitation, agency: Agency) -> str:
    """Return the language to write to the patient in: the one of their latest checklist,
    else the one the invitation asked for, else the agency's default; each only while the
    agency offers it."""
    offered = i18n.offered(agency)
    latest = db.session.scalar(
        select(Submission.language)
        .join(PatientSubmission, PatientSubmission.submission_id == Submission.id)
        .where(PatientSubmission.patient_id == invitation.patient_id)
        .order_by(PatientSubmission.created_at.desc()).limit(1))
    for choice in (latest, invitation.language):
        if choice in offered:
            return str(choice)
    return offered[0]


def written(day: date, language: str) -> str:
    """Return the infusion date in the email's language: '11 December 2026', or its long
    form in another ('11 de diciembre de 2026')."""
    return long_date(day) if language == "en" else str(format_date(day, "long", locale=language))


def email_invitation(app: Flask, invitation: Invitation, reminder: int | None = None) -> bool:
    """Email the invitation (or the reminder `reminder` days before); return whether it went.

    Nothing is sent without a mail server, a patient's address or the app's address
    (PUBLIC_URL, or the request's own outside a command).
    """
    settings, base = mail_settings(app), _base(app)
    patient = db.session.get(Patient, invitation.patient_id)
    address = patient_identity(patient).get("email") if patient else None
    agency = db.session.get(Agency, invitation.agency_id)
    if settings is None or base is None or not address or agency is None:
        return False
    path, link = invitations.new_link(invitation)
    db.session.commit()  # the link works once it is read, even if this process stops
    language = patient_language(invitation, agency)
    if language != i18n.offered(agency)[0]:
        path += f"?lang={language}"  # the invitation's page, and its checklist, in it too
    with force_locale(language):
        subject, body = invitations.email_text(
            agency.name, written(invitation.infusion_on, language), base + path,
            reminder=reminder is not None)
    message = EmailMessage()
    message["Subject"], message["From"], message["To"] = subject, settings["MAIL_FROM"], address
    message.set_content(body)
    if not deliver(settings, message):
        db.session.delete(link)  # never sent: its hash would only sit there
        db.session.commit()
        return False
    if reminder is None:
        invitation.emailed_at = utcnow()
    else:
        invitation.reminded_days = reminder
    db.session.commit()
    return True


def reminder_days(app: Flask) -> tuple[int, ...]:
    """Return the days before an infusion a reminder goes out (REMINDER_DAYS)."""
    configured = app.config.get("REMINDER_DAYS", REMINDER_DAYS)
    return tuple(int(day) for day in configured)


def send_reminders(app: Flask) -> int:
    """Email every reminder due now, once each; return how many went."""
    days, sent = reminder_days(app), 0
    live = db.session.scalars(select(Invitation).where(
        Invitation.expires_at > utcnow(), Invitation.submission_id.is_(None))
        .order_by(Invitation.created_at, Invitation.id)).all()
    zones: dict[int, str | None] = {}
    for invitation in live:
        if invitation.agency_id not in zones:
            agency = db.session.get(Agency, invitation.agency_id)
            zones[invitation.agency_id] = agency.time_zone if agency else None
        today = timezones.today(zones[invitation.agency_id])
        due = invitations.reminders_due(invitation, today, days)
        if due is not None and email_invitation(app, invitation, reminder=due):
            sent += 1
    return sent
