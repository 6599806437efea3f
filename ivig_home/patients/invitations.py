"""Invitations: a link for a patient to fill in the checklist before one planned infusion.

The link is /a/<slug>/i/<token>: the token is the keyed hash (under the app's hashing key)
of 192 random bits stored with the invitation, and is found by its own keyed hash; the
database alone gives no working link, and a reminder can give the same link again. It is
good until the end of the day after the infusion, in the agency's time zone,
and opens only after the patient's date of birth; five wrong dates lock it for 15 minutes,
counted in the database for every worker at once.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from ivig_home import timezones
from ivig_home.checklist import parse_date
from ivig_home.crypto import lookup_hash
from ivig_home.db import db, usable_key, utcnow
from ivig_home.models import Agency, Invitation, Patient
from ivig_home.patients import attempts
from ivig_home.patients.matching import (
    find_patient,
    new_patient,
    normal_name,
    patient_identity,
    set_identity,
)

TOKEN_BYTES = 24  # 192 bits
DOB_FAILURES = 5
LOCK = timedelta(minutes=15)


class InvitationRefused(ValueError):
    """What was given cannot make an invitation; the message names the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class InvitationLocked(PermissionError):
    """Too many wrong dates of birth: the invitation is locked for a while."""


@dataclass(frozen=True)
class NewInvitation:
    """An invitation just made, with its token (shown once, never stored)."""

    invitation: Invitation
    token: str
    slug: str

    @property
    def path(self) -> str:
        """Return the link's path, /a/<slug>/i/<token>."""
        return f"/a/{self.slug}/i/{self.token}"


def token_hash(token: str) -> str:
    """Return the keyed hash an invitation's token is found by."""
    return lookup_hash("invitation-token", token)


def link_token(nonce: str) -> str:
    """Return the link's token made from an invitation's nonce (256 bits, hex)."""
    return lookup_hash("invitation-link", nonce)


def link_path(invitation: Invitation) -> str:
    """Return the path of an invitation's link, /a/<slug>/i/<token>."""
    agency = db.session.get(Agency, invitation.agency_id)
    return f"/a/{agency.slug if agency else ''}/i/{link_token(invitation.nonce)}"


def expiry(infusion_on: date, zone: str | None) -> datetime:
    """Return the end of the day after the infusion, in the agency's time zone, as UTC."""
    midnight = datetime.combine(infusion_on + timedelta(days=2), time(), timezones.zone(zone))
    return midnight.astimezone(UTC)


def _checked_dates(agency: Agency, date_of_birth: str, infusion_date: str) -> tuple[date, date]:
    today = timezones.today(agency.time_zone)
    birth, infusion = parse_date(date_of_birth), parse_date(infusion_date)
    if birth is None:
        raise InvitationRefused("date_of_birth", "date of birth: give it as YYYY-MM-DD")
    if birth > today:
        raise InvitationRefused("date_of_birth", "date of birth: it cannot be in the future")
    if infusion is None:
        raise InvitationRefused("infusion_date", "infusion date: give it as YYYY-MM-DD")
    if infusion < today:
        raise InvitationRefused("infusion_date",
                                f"infusion date: it is before today ({today.isoformat()})")
    return birth, infusion


def _email(value: str | None) -> str | None:
    text = (value or "").strip()
    if not text:
        return None
    if len(text) > 254 or "@" not in text.strip("@") or any(c.isspace() for c in text):
        raise InvitationRefused("email", "email: give an address like name@example.org")
    return text


def invite(agency: Agency, name: str, date_of_birth: str, infusion_date: str, *,
           actor: str, email: str | None = None, phone: str | None = None) -> NewInvitation:
    """Find the patient by name and date of birth (or make them) and invite them; commit."""
    if not normal_name(name or ""):
        raise InvitationRefused("name", "name: give the patient's name")
    birth, _ = _checked_dates(agency, date_of_birth, infusion_date)
    address = _email(email)
    patient = find_patient(agency.id, name, birth.isoformat())
    if patient is None:
        patient = new_patient(agency.id, {"name": name.strip(), "date_of_birth":
                                          birth.isoformat(), "phone": phone, "email": address})
        db.session.flush()
    elif address or phone:
        known = patient_identity(patient)
        set_identity(patient, {**known, "email": address or known.get("email"),
                               "phone": phone or known.get("phone")})
    return invite_patient(patient, infusion_date, actor=actor)


def invite_patient(patient: Patient, infusion_date: str, *, actor: str,
                   email: str | None = None) -> NewInvitation:
    """Invite a known patient before an infusion; commit and return the token once."""
    agency = db.session.get(Agency, patient.agency_id)
    if agency is None:
        raise LookupError("the patient's agency no longer exists")
    known = patient_identity(patient)
    _, infusion = _checked_dates(agency, str(known.get("date_of_birth") or ""), infusion_date)
    address = _email(email)
    if address:
        set_identity(patient, {**known, "email": address})
    nonce = secrets.token_urlsafe(TOKEN_BYTES)
    token = link_token(nonce)
    invitation = Invitation(agency_id=agency.id, patient_id=patient.id,
                            token_hash=token_hash(token), nonce=nonce, infusion_on=infusion,
                            created_at=utcnow(), expires_at=expiry(infusion, agency.time_zone),
                            created_by=actor[:254])
    db.session.add(invitation)
    db.session.commit()
    return NewInvitation(invitation, token, agency.slug)


def find_invitation(agency: Agency, token: str) -> Invitation | None:
    """Return the agency's live invitation with this token, or None."""
    if not usable_key(token) or len(token) < 20:
        return None
    found: Invitation | None = db.session.scalar(select(Invitation).where(
        Invitation.token_hash == token_hash(token)))
    if found is None or found.agency_id != agency.id or found.expires_at <= utcnow():
        return None
    return found


def _key(invitation: Invitation) -> str:
    return attempts.attempt_key("invitation", invitation.token_hash)


def is_locked(invitation: Invitation) -> bool:
    """Return whether wrong dates of birth have locked the invitation for now."""
    return attempts.locked(_key(invitation))


def check_date_of_birth(invitation: Invitation, given: str) -> bool:
    """Return whether the date of birth is the patient's; count a wrong one.

    Raises InvitationLocked when locked, or when this wrong date locks it.
    """
    key = _key(invitation)
    if attempts.locked(key):
        raise InvitationLocked("locked")
    patient = db.session.get(Patient, invitation.patient_id)
    known = str(patient_identity(patient).get("date_of_birth") or "") if patient else ""
    birth = parse_date(given)
    if known and birth is not None and hmac.compare_digest(known, birth.isoformat()):
        if invitation.opened_at is None:
            invitation.opened_at = utcnow()
            db.session.commit()
        return True
    if attempts.record_failure(key, limit=DOB_FAILURES, lock=LOCK):
        raise InvitationLocked("locked")
    return False


def attach_draft(invitation: Invitation, draft_id: str) -> None:
    """Remember the draft the invitation's link started, so its submission is the patient's."""
    invitation.draft_id = draft_id
    db.session.commit()


def invitation_of_draft(draft_id: str) -> Invitation | None:
    """Return the invitation whose link started this draft, or None."""
    found: Invitation | None = db.session.scalar(
        select(Invitation).where(Invitation.draft_id == draft_id))
    return found


def patient_invitations(patient_id: str) -> list[Invitation]:
    """Return a patient's invitations, the soonest infusion last."""
    return list(db.session.scalars(select(Invitation).where(
        Invitation.patient_id == patient_id).order_by(Invitation.infusion_on.desc(),
                                                      Invitation.id.desc())))


def invitation_state(invitation: Invitation) -> str:
    """Return "sent", "opened" or "invited"."""
    if invitation.submission_id is not None:
        return "sent"
    return "opened" if invitation.opened_at is not None else "invited"


def upcoming(agency_id: int, today: date) -> dict[str, Invitation]:
    """Return each patient's invitation for their soonest infusion from today on."""
    found: dict[str, Invitation] = {}
    for invitation in db.session.scalars(select(Invitation).where(
            Invitation.agency_id == agency_id, Invitation.infusion_on >= today)
            .order_by(Invitation.infusion_on, Invitation.id.desc())):
        found.setdefault(invitation.patient_id, invitation)
    return found


def email_text(agency_name: str, infusion: str, link: str, *,
               reminder: bool) -> tuple[str, str]:
    """Return the subject and body of an invitation or reminder email: the agency's name,
    the infusion date and the link; never a name, an answer or health information."""
    subject = (f"Reminder: your checklist before your infusion on {infusion}" if reminder
               else f"Your checklist before your infusion on {infusion}")
    body = (f"{agency_name} asks you to fill in the checklist before your infusion on "
            f"{infusion}.\n\nOpen this link and enter the date of birth of the person "
            f"having IVIG:\n\n{link}\n\nThe link works until the end of the day after the "
            f"infusion. If you have already sent the checklist, there is nothing more to do."
            f"\n\nQuestions? Call {agency_name}.\n")
    return subject, body


def reminders_due(invitation: Invitation, today: date, days: tuple[int, ...]) -> int | None:
    """Return the reminder (days before the infusion) to send now, or None.

    Each reminder is sent once; after a missed run only the nearest one is sent.
    """
    if invitation.submission_id is not None:
        return None
    left = (invitation.infusion_on - today).days
    due = [day for day in days if 0 <= left <= day
           and (invitation.reminded_days is None or day < invitation.reminded_days)]
    return min(due) if due else None


def details(invitation: Invitation) -> dict[str, Any]:
    """Return an invitation as plain data for pages and the API: no token, no name."""
    return {"id": invitation.id, "patient_id": invitation.patient_id,
            "infusion_date": invitation.infusion_on.isoformat(),
            "expires": invitation.expires_at.astimezone(UTC).isoformat(timespec="seconds"),
            "state": invitation_state(invitation)}
