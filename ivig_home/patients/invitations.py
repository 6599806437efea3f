"""Invitations: a link for a patient to fill in the checklist before one planned infusion.

The link is /a/<slug>/i/<token>. Each link sent (the one shown when the invitation is made,
each email) has a token of its own, 192 random bits, and only the token's keyed hash is
stored (`invitation_links`): nothing stored rebuilds a link. Every link of an invitation
opens it until the end of the day after the infusion, in the agency's time zone, and only
after the patient's date of birth; five wrong dates, through any of its links, lock the
invitation for 15 minutes, counted in the database for every worker at once.
"""

from __future__ import annotations

import hmac
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast

from flask_babel import gettext
from sqlalchemy import delete, select

from ivig_home import i18n, timezones
from ivig_home.checklist import parse_date
from ivig_home.crypto import lookup_hash
from ivig_home.db import db, usable_key, utcnow
from ivig_home.models import Agency, Invitation, InvitationLink, Patient
from ivig_home.patients import attempts
from ivig_home.patients.matching import (
    find_patient,
    new_patient,
    normal_name,
    patient_identity,
    set_identity,
)

TOKEN_BYTES = 24  # 192 bits
MAX_NAME = 200
MAX_PHONE = 40
DOB_FAILURES = 5
LOCK = timedelta(minutes=15)


class InvitationRefused(ValueError):
    """What was given cannot make an invitation; each problem names its field.

    `field` and the message are the first problem's; `problems` holds every one found.
    """

    def __init__(self, field: str, message: str,
                 problems: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.problems = problems or [(field, message)]


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
    """Return the keyed hash a link's token is stored and found by."""
    return lookup_hash("invitation-token", token)


def new_link(invitation: Invitation) -> tuple[str, InvitationLink]:
    """Add a fresh link of the invitation to the session; return its path (shown or sent
    once, never stored) and its row. The caller commits."""
    agency = db.session.get(Agency, invitation.agency_id)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = InvitationLink(token_hash=token_hash(token), invitation_id=invitation.id,
                          created_at=utcnow())
    db.session.add(link)
    return f"/a/{agency.slug if agency else ''}/i/{token}", link


def purge_links(now: datetime) -> int:
    """Delete the links of expired invitations (they open nothing); return how many."""
    expired = select(Invitation.id).where(Invitation.expires_at <= now)
    result = db.session.execute(delete(InvitationLink).where(
        InvitationLink.invitation_id.in_(expired)))
    db.session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def expiry(infusion_on: date, zone: str | None) -> datetime:
    """Return the end of the day after the infusion, in the agency's time zone, as UTC."""
    midnight = datetime.combine(infusion_on + timedelta(days=2), time(), timezones.zone(zone))
    return midnight.astimezone(UTC)


def _date_problems(agency: Agency, date_of_birth: Any, infusion_date: Any,
                   problems: list[tuple[str, str]]) -> tuple[date | None, date | None]:
    today = timezones.today(agency.time_zone)
    birth, infusion = parse_date(date_of_birth), parse_date(infusion_date)
    if birth is None:
        problems.append(("date_of_birth", "date of birth: give it as YYYY-MM-DD"))
    elif birth > today:
        problems.append(("date_of_birth", "date of birth: it cannot be in the future"))
    if infusion is None:
        problems.append(("infusion_date", "infusion date: give it as YYYY-MM-DD"))
    elif infusion < today:
        problems.append(("infusion_date",
                         f"infusion date: it is before today ({today.isoformat()})"))
    return birth, infusion


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _control(text: str) -> bool:
    return any(unicodedata.category(char) == "Cc" for char in text)


def _email_problem(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None  # none given
    text = _text(value)
    if text is None or (len(text) > 254 or "@" not in text.strip("@")
                        or any(c.isspace() for c in text) or _control(text)):
        return "email: give an address like name@example.org"
    return None


def _refuse(problems: list[tuple[str, str]]) -> None:
    if problems:
        raise InvitationRefused(*problems[0], problems=problems)


def _checked_dates(agency: Agency, date_of_birth: Any, infusion_date: Any) -> tuple[date, date]:
    problems: list[tuple[str, str]] = []
    birth, infusion = _date_problems(agency, date_of_birth, infusion_date, problems)
    _refuse(problems)
    return cast(date, birth), cast(date, infusion)


def _email(value: Any) -> str | None:
    problem = _email_problem(value)
    if problem:
        raise InvitationRefused("email", problem)
    return _text(value)


def check_request(agency: Agency, name: Any, date_of_birth: Any, infusion_date: Any,
                  email: Any = None, phone: Any = None,
                  language: Any = None) -> list[tuple[str, str]]:
    """Return every problem of what was given to invite a patient: (field, message) each."""
    problems: list[tuple[str, str]] = []
    if not isinstance(name, str) or not normal_name(name):
        problems.append(("name", "name: give the patient's name"))
    elif len(name.strip()) > MAX_NAME:
        problems.append(("name", f"name: at most {MAX_NAME} characters"))
    elif _control(name):
        problems.append(("name", "name: letters, spaces and marks only (no control "
                                 "characters)"))
    _date_problems(agency, date_of_birth, infusion_date, problems)
    if (problem := _email_problem(email)) is not None:
        problems.append(("email", problem))
    if phone not in (None, "") and (not isinstance(phone, str) or len(phone) > MAX_PHONE
                                    or _control(phone)):
        problems.append(("phone", f"phone: give a phone number of up to {MAX_PHONE} "
                                  "characters"))
    if (problem := language_problem(agency, language)) is not None:
        problems.append(("language", problem))
    return problems


def language_problem(agency: Agency, language: Any) -> str | None:
    """Return why an invitation cannot ask for this language (None: it can, or none given)."""
    offered = i18n.offered(agency)
    if language in (None, "") or language in offered:
        return None
    return f"language: one of the languages the agency offers: {', '.join(offered)}"


def invite(agency: Agency, name: Any, date_of_birth: Any, infusion_date: Any, *,
           actor: str, email: Any = None, phone: Any = None,
           language: Any = None) -> NewInvitation:
    """Find the patient by name and date of birth (or make them) and invite them; commit.

    Raises InvitationRefused naming every problem of what was given; nothing is stored then.
    """
    _refuse(check_request(agency, name, date_of_birth, infusion_date, email, phone, language))
    birth, _ = _checked_dates(agency, date_of_birth, infusion_date)
    address, phone = _email(email), _text(phone)
    name = str(name).strip()
    patient = find_patient(agency.id, name, birth.isoformat())
    if patient is None:
        patient = new_patient(agency.id, {"name": name, "date_of_birth":
                                          birth.isoformat(), "phone": phone, "email": address})
        db.session.flush()
    elif address or phone:
        known = patient_identity(patient)
        set_identity(patient, {**known, "email": address or known.get("email"),
                               "phone": phone or known.get("phone")})
    return invite_patient(patient, infusion_date, actor=actor, language=language or None)


def invite_patient(patient: Patient, infusion_date: str, *, actor: str,
                   email: str | None = None, language: str | None = None) -> NewInvitation:
    """Invite a known patient before an infusion; commit and return the token once.

    `language` is the one to write to a patient without a checklist yet in (checked by the
    caller against the agency's languages); None: the agency's default."""
    agency = db.session.get(Agency, patient.agency_id)
    if agency is None:
        raise LookupError("the patient's agency no longer exists")
    known = patient_identity(patient)
    _, infusion = _checked_dates(agency, str(known.get("date_of_birth") or ""), infusion_date)
    address = _email(email)
    if address:
        set_identity(patient, {**known, "email": address})
    invitation = Invitation(id=secrets.token_urlsafe(16), agency_id=agency.id,
                            patient_id=patient.id, infusion_on=infusion, created_at=utcnow(),
                            expires_at=expiry(infusion, agency.time_zone),
                            created_by=actor[:254], language=language)
    db.session.add(invitation)
    db.session.flush()
    path, _ = new_link(invitation)
    db.session.commit()
    return NewInvitation(invitation, path.rsplit("/", 1)[1], agency.slug)


def find_invitation(agency: Agency, token: str) -> Invitation | None:
    """Return the agency's live invitation one of whose links has this token, or None."""
    if not usable_key(token) or len(token) < 20:
        return None
    found: Invitation | None = db.session.scalar(select(Invitation).join(
        InvitationLink, InvitationLink.invitation_id == Invitation.id).where(
        InvitationLink.token_hash == token_hash(token)))
    if found is None or found.agency_id != agency.id or found.expires_at <= utcnow():
        return None
    return found


def _key(invitation: Invitation) -> str:
    # One count per invitation, whichever of its links the dates are tried through.
    return attempts.attempt_key("invitation", invitation.id)


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
                                                      Invitation.created_at.desc())))


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
            .order_by(Invitation.infusion_on, Invitation.created_at.desc())):
        found.setdefault(invitation.patient_id, invitation)
    return found


def email_text(agency_name: str, infusion: str, link: str, *,
               reminder: bool) -> tuple[str, str]:
    """Return the subject and body of an invitation or reminder email: the agency's name,
    the infusion date and the link; never a name, an answer or health information.

    Translated when called, into the language in force then (Flask-Babel's own lookup, so
    `flask_babel.force_locale` chooses it); English outside an application.
    """
    words = {"agency": agency_name, "day": infusion}
    subject = (gettext("Reminder: your checklist before your infusion on %(day)s", **words)
               if reminder else gettext("Your checklist before your infusion on %(day)s",
                                        **words))
    paragraphs = [
        gettext("%(agency)s asks you to fill in the checklist before your infusion on "
                "%(day)s.", **words),
        gettext("Open this link and enter the date of birth of the person having IVIG:"),
        link,
        gettext("The link works until the end of the day after the infusion. If you have "
                "already sent the checklist, there is nothing more to do."),
        gettext("Questions? Call %(agency)s.", **words),
    ]
    return subject, "\n\n".join(paragraphs) + "\n"


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
