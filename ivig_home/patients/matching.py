"""Which patient a submission is about: found by a keyed hash, never by decrypting.

A submission is matched on the patient's name and date of birth, normalised (see
`normal_name`) and hashed with HMAC-SHA256 under a key of the agency's own, derived from
the app's hashing key: the same person at two agencies has two unrelated hashes, and the
hash says nothing without the key.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
from typing import Any

from sqlalchemy import delete, exists, func, select

from ivig_home.audit.log import audit_entry, patient_detail
from ivig_home.checklist import parse_date
from ivig_home.crypto import lookup_hash, seal, sealed_context, unseal
from ivig_home.db import db, usable_key, utcnow
from ivig_home.models import Invitation, Patient, PatientSubmission, Submission

# Hyphens and dots between parts of a name separate them, as spaces do; apostrophes and
# every other mark are dropped (O'Brien, OBrien); letters lose their accents (José, Jose).
SEPARATORS = re.compile(r"[\s\-\u2010-\u2015.,_/]+")
DROPPED = re.compile(r"[^\w ]")
IDENTITY_KEYS = ("name", "date_of_birth", "phone", "email")


def normal_name(name: str) -> str:
    """Return a name as it is matched: no accents, lower case, single spaces, no marks."""
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    spaced = SEPARATORS.sub(" ", bare.casefold())
    return " ".join(DROPPED.sub("", spaced).split())


def match_hash(agency_id: int, name: str, date_of_birth: str) -> str | None:
    """Return the keyed hash a patient is found by, or None without a name and a valid date."""
    name_part, birth = normal_name(name or ""), parse_date(date_of_birth)
    if not name_part or birth is None:
        return None
    agency_key = lookup_hash("patient-match-key", str(agency_id)).encode()
    message = f"{name_part}\x00{birth.isoformat()}".encode()
    return hmac.new(agency_key, message, hashlib.sha256).hexdigest()


def _context(patient_id: str) -> str:
    return sealed_context("patients", "identity_enc", patient_id)


def patient_identity(patient: Patient) -> dict[str, Any]:
    """Return a patient's name, date of birth, phone and email address, decrypted."""
    identity: dict[str, Any] = unseal(patient.identity_enc, _context(patient.id))
    return identity


def set_identity(patient: Patient, identity: dict[str, Any]) -> None:
    patient.identity_enc = seal({key: identity.get(key) for key in IDENTITY_KEYS},
                                _context(patient.id))


def _identity_of(answers: dict[str, Any]) -> dict[str, Any]:
    return {"name": str(answers.get("patient_name") or "").strip(),
            "date_of_birth": answers.get("date_of_birth"),
            "phone": answers.get("contact_phone"), "email": None}


def new_patient(agency_id: int, identity: dict[str, Any]) -> Patient:
    """Add a patient to the session; one without a name or date of birth matches nobody."""
    patient = Patient(id=secrets.token_urlsafe(16), agency_id=agency_id, created_at=utcnow(),
                      match_hash=match_hash(agency_id, identity.get("name") or "",
                                            identity.get("date_of_birth") or "")
                      or f"unmatched:{secrets.token_hex(16)}")
    set_identity(patient, identity)
    db.session.add(patient)
    return patient


def find_patient(agency_id: int, name: str, date_of_birth: str) -> Patient | None:
    """Return the agency's patient with this name and date of birth, or None.

    When a nurse has split two people of the same name and date of birth apart, the one
    with the newest checklist is found; the nurse can link a submission to the other.
    """
    digest = match_hash(agency_id, name, date_of_birth)
    if digest is None:
        return None
    newest = (select(func.max(PatientSubmission.created_at))
              .where(PatientSubmission.patient_id == Patient.id).scalar_subquery())
    found: Patient | None = db.session.scalars(
        select(Patient).where(Patient.agency_id == agency_id, Patient.match_hash == digest)
        .order_by(newest.desc(), Patient.created_at.desc()).limit(1)).first()
    return found


def _planned(answers: dict[str, Any]) -> Any:
    return parse_date(answers.get("planned_infusion_date"))


def link_new_submission(submission: Submission, answers: dict[str, Any]) -> Patient:
    """Link a submission being stored to its patient, found or new, in the same transaction.

    The patient's name and phone become the ones this newest checklist gives.
    """
    identity = _identity_of(answers)
    invited = db.session.scalar(select(Invitation).where(
        Invitation.draft_id == submission.draft_id))
    if invited is not None:
        # Opened with the patient's date of birth: the invited patient, whatever name is typed.
        invited.submission_id = submission.id
        patient = db.session.get(Patient, invited.patient_id)
    else:
        patient = find_patient(submission.agency_id, identity["name"],
                               identity["date_of_birth"] or "")
    if patient is None:
        patient = new_patient(submission.agency_id, identity)
    else:
        known = patient_identity(patient)
        set_identity(patient, {**known, "name": identity["name"] or known.get("name"),
                                "phone": identity["phone"] or known.get("phone")})
    db.session.add(PatientSubmission(submission_id=submission.id, patient_id=patient.id,
                                     created_at=submission.created_at,
                                     planned_infusion_on=_planned(answers)))
    return patient


def stored_answers(submission: Submission) -> dict[str, Any]:
    answers: dict[str, Any] = unseal(
        submission.answers_enc, sealed_context("submissions", "answers_enc", submission.id))
    return answers


def link_unlinked(batch: int = 200) -> int:
    """Give every submission without a patient its patient, oldest first; return how many.

    Run by `ivig-home link-patients` and by `init-db` after upgrading, for submissions
    stored before patients existed. Running it again finds none and changes nothing.
    """
    linked = 0
    unlinked = ~exists().where(PatientSubmission.submission_id == Submission.id)
    while rows := db.session.scalars(select(Submission).where(unlinked)
                                     .order_by(Submission.created_at, Submission.id)
                                     .limit(batch)).all():
        for submission in rows:
            link_new_submission(submission, stored_answers(submission))
            db.session.flush()  # the next one of the batch finds this one's patient
        db.session.commit()
        linked += len(rows)
    return linked


def link_of(submission_id: str) -> PatientSubmission | None:
    """Return the row saying whose a submission is, or None."""
    return db.session.get(PatientSubmission, submission_id)


def patient_ids_of(submission_ids: list[str]) -> dict[str, str]:
    """Return each submission's patient's opaque id, in one query."""
    if not submission_ids:
        return {}
    rows = db.session.execute(select(PatientSubmission.submission_id,
                                     PatientSubmission.patient_id)
                              .where(PatientSubmission.submission_id.in_(submission_ids)))
    return {submission_id: patient_id for submission_id, patient_id in rows}


def get_patient(agency_id: int, patient_id: str) -> Patient | None:
    """Return the agency's patient with this id, or None (another agency's too)."""
    found = db.session.get(Patient, patient_id) if usable_key(patient_id, 32) else None
    return found if found is not None and found.agency_id == agency_id else None


def submissions_of(patient: Patient) -> list[Submission]:
    """Return a patient's submissions, the oldest first."""
    return list(db.session.scalars(
        select(Submission).join(PatientSubmission,
                                PatientSubmission.submission_id == Submission.id)
        .where(PatientSubmission.patient_id == patient.id)
        .order_by(Submission.created_at, Submission.id)))


def _drop_if_empty(patient_id: str) -> bool:
    """Delete a patient left with no submission and no invitation; return whether it was."""
    left = db.session.scalar(select(func.count()).select_from(PatientSubmission)
                             .where(PatientSubmission.patient_id == patient_id))
    invited = db.session.scalar(select(func.count()).select_from(Invitation)
                                .where(Invitation.patient_id == patient_id))
    if left or invited:
        return False
    db.session.execute(delete(Patient).where(Patient.id == patient_id))
    return True


def relink(submission: Submission, target: Patient, actor: str,
           address: str | None) -> str | None:
    """Make `target` the submission's patient (audited); return the previous patient's id.

    A patient left with no submission is deleted. Nothing happens (None) when the target is
    already the submission's patient or belongs to another agency.
    """
    link = link_of(submission.id)
    if link is None or target.agency_id != submission.agency_id:
        return None
    previous = link.patient_id
    if previous == target.id:
        return None
    link.patient_id = target.id
    db.session.flush()
    _drop_if_empty(previous)
    audit_entry("linked_patient", submission=submission, actor=actor, address=address,
                detail=patient_detail(target.id))
    db.session.commit()
    return previous


def split_off(submission: Submission, actor: str, address: str | None) -> Patient | None:
    """Move a submission to a new patient made from its own answers (audited).

    Returns the new patient, or None when the submission is its patient's only one (it is
    on its own already).
    """
    link = link_of(submission.id)
    if link is None:
        return None
    others = db.session.scalar(select(func.count()).select_from(PatientSubmission).where(
        PatientSubmission.patient_id == link.patient_id,
        PatientSubmission.submission_id != submission.id))
    if not others:
        return None
    patient = new_patient(submission.agency_id, _identity_of(stored_answers(submission)))
    db.session.flush()
    link.patient_id = patient.id
    audit_entry("split_patient", submission=submission, actor=actor, address=address,
                detail=patient_detail(patient.id))
    db.session.commit()
    return patient


def purge_patients() -> int:
    """Delete every patient left with no submission and no invitation; return how many."""
    orphan = (~exists().where(PatientSubmission.patient_id == Patient.id)
              & ~exists().where(Invitation.patient_id == Patient.id))
    result = db.session.execute(delete(Patient).where(orphan))
    db.session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
