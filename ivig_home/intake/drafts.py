"""Drafts: the answers so far, save and resume with a short code and the date of birth."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, select, update

from ivig_home.checklist import Severity, parse_date
from ivig_home.crypto import lookup_hash, seal, sealed_context, unseal
from ivig_home.db import db, usable_key, utcnow
from ivig_home.models import Agency, Draft
from ivig_home.timezones import zone as time_zone

LIFETIME = timedelta(days=30)
# A draft being filled in always keeps at least a day, even when the planned date is past.
SHORTEST_LIFETIME = timedelta(days=1)
AFTER_SUBMISSION = timedelta(days=1)
# Easy to read aloud and to type: no 0/O, 1/I/L, 5/S, 2/Z or 8/B.
CODE_ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"
CODE_LENGTH = 8
MAX_DOB_FAILURES = 10
SHOWN_COLUMNS = {Severity.EMERGENCY: "emergency_shown_at", Severity.URGENT: "urgent_shown_at"}


class DraftSubmitted(ValueError):
    """The draft was already sent; its answers are in the submission now."""


def _context(draft_id: str) -> str:
    return sealed_context("drafts", "answers_enc", draft_id)


def expiry(answers: dict[str, Any], now: datetime, zone: str | None = None) -> datetime:
    """Return 30 days from now, or the end of the day after the planned infusion if sooner.

    The day ends at midnight in the agency's time zone (UTC when none is given). A planned
    date before today can only be a slip (the form refuses it): it is ignored, so no typo
    makes a draft be deleted sooner than 30 days after a save.
    """
    expires = now + LIFETIME
    planned = parse_date(answers.get("planned_infusion_date"))
    today = now.astimezone(time_zone(zone)).date()
    if planned is not None and planned >= today:
        midnight = datetime.combine(planned + timedelta(days=2), time(), time_zone(zone))
        end_of_next_day = midnight.astimezone(UTC)
        expires = min(expires, max(end_of_next_day, now + SHORTEST_LIFETIME))
    return expires


def start_draft(agency: Agency, language: str = "en") -> Draft:
    """Open a new, empty draft for an agency's form, in a language the agency offers."""
    now = utcnow()
    draft = Draft(id=secrets.token_urlsafe(32), agency_id=agency.id, created_at=now,
                  updated_at=now, expires_at=now + LIFETIME, language=language)
    db.session.add(draft)
    db.session.commit()
    return draft


def start_prefilled(agency: Agency, answers: dict[str, Any], *, carried_from: str | None,
                    carried_on: date | None, to_confirm: tuple[str, ...],
                    last_infusion_offer: date | None, language: str = "en") -> Draft:
    """Open a draft that starts with some answers (a checklist opened from an invitation);
    a returning patient's also says where its carried answers came from, which sections
    hold them (to confirm or change) and the last infusion date to offer."""
    draft = start_draft(agency, language)
    draft.carried_from, draft.carried_on = carried_from, carried_on
    draft.to_confirm = ",".join(to_confirm) or None
    draft.last_infusion_offer = last_infusion_offer
    db.session.flush()
    save_draft(draft, answers, "about")
    return draft


def sections_to_confirm(draft: Draft) -> set[str]:
    """Return the sections whose carried answers the patient has not confirmed or opened."""
    return set(draft.to_confirm.split(",")) if draft.to_confirm else set()


def confirm_section(draft: Draft, section_id: str) -> None:
    """Mark a section's carried answers as confirmed (or opened to change); commit."""
    left = sections_to_confirm(draft) - {section_id}
    draft.to_confirm = ",".join(sorted(left)) or None
    db.session.commit()


def get_draft(draft_id: str) -> Draft | None:
    """Return the draft, or None when it is unknown or expired."""
    draft = db.session.get(Draft, draft_id) if usable_key(draft_id) else None
    if draft is None or draft.expires_at <= utcnow():
        return None
    return draft


def draft_answers(draft: Draft) -> dict[str, Any]:
    """Return the decrypted answers so far."""
    if draft.answers_enc is None:
        return {}
    answers: dict[str, Any] = unseal(draft.answers_enc, _context(draft.id))
    return answers


def save_draft(draft: Draft, answers: dict[str, Any], step: str) -> None:
    """Encrypt and store the answers and the step reached, and push the expiry on."""
    if draft.submission_id is not None:
        raise DraftSubmitted("this draft was already submitted")
    now = utcnow()
    db.session.execute(SAVE_DRAFT, {
        "draft_id": draft.id, "sealed": seal(answers, _context(draft.id)), "reached": step,
        "now": now, "expires": expiry(answers, now, draft.agency.time_zone)})
    # The commit expires the loaded draft, so what is read from it next is what was stored.
    db.session.commit()


# One UPDATE built once, rather than the session working out what changed on the draft
# (a step page saves on every Continue). Any other change made to the draft through the
# session is flushed before it, as before.
SAVE_DRAFT = (
    update(Draft).where(Draft.id == bindparam("draft_id"))
    .values(answers_enc=bindparam("sealed"), step=bindparam("reached"),
            updated_at=bindparam("now"), expires_at=bindparam("expires"))
    .execution_options(synchronize_session=False))


def set_language(draft: Draft, language: str) -> None:
    """Store the language the patient chose; the answers are kept as they are (a draft
    already sent may change it too: it is the language of its sent page and the patient's
    copy of the PDF)."""
    db.session.execute(update(Draft).where(Draft.id == draft.id).values(language=language)
                       .execution_options(synchronize_session=False))
    db.session.commit()


def answers_version(draft: Draft) -> str:
    """Return a short name for the answers as stored now; it changes with every save."""
    return hashlib.sha256(draft.answers_enc or b"").hexdigest()[:16]


def save_draft_unless_changed(draft: Draft, answers: dict[str, Any], step: str,
                              version: str) -> str | None:
    """Store the answers as save_draft does, but only if the stored answers are still the
    ones named by `version` and the draft was not sent; return the new version, else None.

    A save sent in the background before a Continue can reach the server after it: the check
    is part of the UPDATE itself, so such a late save never undoes what the Continue stored.
    """
    if draft.submission_id is not None:
        raise DraftSubmitted("this draft was already submitted")
    if not hmac.compare_digest(answers_version(draft).encode(), version.encode()):
        return None
    now = utcnow()
    sealed = seal(answers, _context(draft.id))
    same = (Draft.answers_enc.is_(None) if draft.answers_enc is None
            else Draft.answers_enc == draft.answers_enc)
    done = db.session.execute(
        update(Draft)
        .where(Draft.id == draft.id, Draft.submission_id.is_(None), same)
        .values(answers_enc=sealed, step=step, updated_at=now,
                expires_at=expiry(answers, now, draft.agency.time_zone))
        .execution_options(synchronize_session=False))
    db.session.commit()
    if done.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return hashlib.sha256(sealed).hexdigest()[:16]


def mark_message_shown(draft: Draft, severity: str) -> None:
    """Record the first time the emergency or urgent message was shown."""
    column = SHOWN_COLUMNS[Severity(severity)]
    if getattr(draft, column) is None:
        setattr(draft, column, utcnow())
        db.session.commit()


def normalise_code(code: str) -> str:
    """Return a resume code in capitals without spaces or dashes."""
    return re.sub(r"[\s\-\u2010-\u2015]", "", code).upper()


def _code_hash(code: str) -> str:
    return lookup_hash("resume-code", code)


def _dob_check(draft_id: str, date_of_birth: str) -> str:
    return lookup_hash("date-of-birth", f"{draft_id}\x00{date_of_birth}")


def issue_resume_code(draft: Draft) -> str:
    """Make a new resume code for the draft, store its hash, and return it once in plain."""
    birth = parse_date(draft_answers(draft).get("date_of_birth"))
    if birth is None:
        raise ValueError("a resume code needs the date of birth answer first")
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    draft.resume_code_hash = _code_hash(code)
    draft.dob_check = _dob_check(draft.id, birth.isoformat())
    draft.resume_failures = 0
    db.session.commit()
    return f"{code[:4]}-{code[4:]}"


def resume_draft(code: str, date_of_birth: str) -> Draft | None:
    """Return the draft for a resume code and matching date of birth, else None."""
    normal = normalise_code(code)
    if len(normal) != CODE_LENGTH or set(normal) - set(CODE_ALPHABET):
        return None
    digest = _code_hash(normal)
    draft: Draft | None = db.session.scalar(
        select(Draft).where(Draft.resume_code_hash == digest))
    if draft is None or draft.resume_code_hash is None or draft.dob_check is None:
        return None
    if not hmac.compare_digest(draft.resume_code_hash, digest):
        return None
    if draft.submission_id is not None or draft.expires_at <= utcnow():
        return None
    if draft.resume_failures >= MAX_DOB_FAILURES:
        return None
    birth = parse_date(date_of_birth.strip())
    given = _dob_check(draft.id, birth.isoformat() if birth else date_of_birth)
    if not hmac.compare_digest(draft.dob_check, given):
        # Someone holding the code but guessing the date of birth gets a few tries only.
        draft.resume_failures += 1
        db.session.commit()
        return None
    if draft.resume_failures:
        draft.resume_failures = 0
        db.session.commit()
    return draft


def get_agency_and_draft(slug: str, draft_id: str) -> tuple[Agency | None, Draft | None]:
    """Return the agency with this slug and its draft of this id, in one round trip to the
    database: (None, None) without such an agency, (agency, None) without such a draft of
    that agency. Expiry is not checked here (`get_draft` does, and finds the draft loaded
    while the caller holds it)."""
    if not usable_key(slug):
        return None, None
    if not usable_key(draft_id):
        return db.session.scalar(select(Agency).where(Agency.slug == slug)), None
    row = db.session.execute(AGENCY_AND_DRAFT, {"slug": slug, "draft_id": draft_id}).first()
    return (None, None) if row is None else (row[0], row[1])


# Built once: every step page runs it, and building the expression cost more than its
# parameters (SQLAlchemy caches the compiled SQL either way).
AGENCY_AND_DRAFT = (
    select(Agency, Draft)
    .outerjoin(Draft, and_(Draft.agency_id == Agency.id, Draft.id == bindparam("draft_id")))
    .where(Agency.slug == bindparam("slug")))
