"""Submissions: a draft sent once, in one transaction, with its assessment and PDF."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ivig_home.audit.log import audit_entry
from ivig_home.checklist import Assessment, Severity, steps
from ivig_home.crypto import keyring, seal, sealed_context, unseal
from ivig_home.db import db, usable_key, utcnow
from ivig_home.intake.drafts import AFTER_SUBMISSION, save_draft, start_draft
from ivig_home.intake.signals import announce_submission, storing_submission
from ivig_home.models import Agency, Draft, IssuedPdf, Submission
from ivig_home.models.intake import NO_FLAG_RANK
from ivig_home.patients.matching import link_new_submission
from ivig_home.patients.since import record_changes

REFERENCE_LETTERS = "ACDEFGHJKMNPQRTUVWXY"
REFERENCE_DIGITS = "0123456789"
ATTEMPTS = 5
# What a queue row shows, sealed apart from the answers so a page of the queue opens only
# this: the name and date of birth, and whom to call (the phone, who filled it in, the
# planned infusion date).
IDENTITY_KEYS = ("patient_name", "date_of_birth", "completed_by", "contact_phone",
                 "planned_infusion_date")


def new_id() -> str:
    """Return a new submission id: 256 random bits, URL-safe and also a valid FHIR id (letters,
    digits and '-' only: FHIR ids have no '_', so base64's '_' is written '-')."""
    return secrets.token_urlsafe(32).replace("_", "-")


def new_reference() -> str:
    """Return a short reference a nurse can read out, like HKT-4829; no patient data."""
    letters = "".join(secrets.choice(REFERENCE_LETTERS) for _ in range(3))
    digits = "".join(secrets.choice(REFERENCE_DIGITS) for _ in range(4))
    return f"{letters}-{digits}"


def _submission_of(draft_id: str) -> Submission | None:
    return db.session.scalar(select(Submission).where(Submission.draft_id == draft_id))


def _context(submission_id: str, column: str) -> str:
    return sealed_context("submissions", column, submission_id)


def _pdf_context(submission_id: str) -> str:
    return sealed_context("issued_pdfs", "content_enc", submission_id)


def _build(draft: Draft, assessment: Assessment, pdf: bytes | None, actor: str,
           address: str | None) -> Submission:
    """Add the submission, its PDF, the draft's link and the audit entry to the session."""
    sid = new_id()
    answers = dict(assessment.answers)
    identity = {key: answers.get(key) for key in IDENTITY_KEYS}
    highest = assessment.highest_severity
    submission = Submission(
        id=sid, reference=new_reference(), agency_id=draft.agency_id, draft_id=draft.id,
        created_at=utcnow(), completed_on=assessment.completed_on,
        checklist_id=assessment.checklist_id, checklist_version=assessment.checklist_version,
        status="new", highest_severity=highest.value if highest else None,
        severity_rank=highest.rank if highest else NO_FLAG_RANK,
        emergency_shown_at=draft.emergency_shown_at, urgent_shown_at=draft.urgent_shown_at,
        language=draft.language or "en",
        pdf_sha256=hashlib.sha256(pdf).hexdigest() if pdf is not None else None,
        identity_enc=seal(identity, _context(sid, "identity_enc")),
        answers_enc=seal(answers, _context(sid, "answers_enc")),
        assessment_enc=seal(assessment.to_dict(), _context(sid, "assessment_enc")),
        **{f"count_{s.value}": assessment.counts.get(s, 0) for s in Severity},
    )
    db.session.add(submission)
    # The insert goes first: a concurrent second submit of this draft fails right here.
    db.session.flush()
    if pdf is not None:
        db.session.add(IssuedPdf(submission_id=sid, sha256=submission.pdf_sha256,
                                 content_enc=keyring().seal(pdf, _pdf_context(sid))))
    draft.submission_id = sid
    draft.resume_code_hash = None
    draft.dob_check = None
    draft.expires_at = min(draft.expires_at, utcnow() + AFTER_SUBMISSION)
    audit_entry("submitted", submission=submission, actor=actor, address=address)
    # Before the signal: what its receivers send (a webhook) names the patient by id.
    link_new_submission(submission, answers)
    record_changes(submission, assessment)
    storing_submission.send(current_app._get_current_object(), submission=submission)
    return submission


def submit_draft(draft: Draft, assessment: Assessment, pdf: bytes | None = None, *,
                 actor: str = "patient", address: str | None = None) -> Submission:
    """Turn a draft into its one submission; a retry returns the same submission.

    `actor` is who sent it, for the audit log: the patient, or the API token of a system
    that sent a whole set of answers (submit_answers), with its address.
    """
    draft_id = draft.id
    for _ in range(ATTEMPTS):
        existing = _submission_of(draft_id)
        if existing is not None:
            return existing
        current = db.session.get(Draft, draft_id)
        if current is None:
            raise LookupError("the draft no longer exists")
        try:
            submission = _build(current, assessment, pdf, actor, address)
            db.session.commit()
        except IntegrityError:
            # Either this draft was submitted meanwhile (found on the next pass) or the
            # reference was taken (a new one is drawn on the next pass).
            db.session.rollback()
            continue
        announce_submission(submission)
        return submission
    raise RuntimeError("could not store the submission; try again")


def submit_answers(agency: Agency, assessment: Assessment, *, actor: str,
                   address: str | None = None, language: str = "en") -> Submission:
    """Store a whole set of answers sent at once (a FHIR QuestionnaireResponse) the way the
    form's Send stores them: a draft holding the answers (in the language they were given
    in), then submit_draft, so the flags, queue, webhooks and audit entry are the form's."""
    draft = start_draft(agency, language)
    save_draft(draft, dict(assessment.answers), steps.CONFIRM)
    return submit_draft(draft, assessment, actor=actor, address=address)


def get_submission(submission_id: str) -> Submission | None:
    """Return the submission with this id, or None."""
    return db.session.get(Submission, submission_id) if usable_key(submission_id) else None


def submission_answers(submission: Submission) -> dict[str, Any]:
    """Return the decrypted answers of a submission."""
    answers: dict[str, Any] = unseal(submission.answers_enc,
                                     _context(submission.id, "answers_enc"))
    return answers


def submission_assessment(submission: Submission) -> dict[str, Any]:
    """Return the decrypted assessment of a submission, in its public JSON shape."""
    assessment: dict[str, Any] = unseal(submission.assessment_enc,
                                        _context(submission.id, "assessment_enc"))
    return assessment


def submission_identity(submission: Submission) -> dict[str, Any]:
    """Return only what a queue row shows (IDENTITY_KEYS; older submissions hold the name
    and date of birth alone)."""
    identity: dict[str, Any] = unseal(submission.identity_enc,
                                      _context(submission.id, "identity_enc"))
    return identity


def submission_pdf(submission: Submission) -> bytes | None:
    """Return the PDF issued with a submission, or None if none was stored."""
    stored = db.session.get(IssuedPdf, submission.id)
    if stored is None:
        return None
    return keyring().open(stored.content_enc, _pdf_context(submission.id))


def set_submission_pdf(submission: Submission, pdf: bytes) -> None:
    """Store the issued PDF when none is stored yet; an issued PDF is never replaced."""
    sid = submission.id
    if db.session.get(IssuedPdf, sid) is not None:
        return
    digest = hashlib.sha256(pdf).hexdigest()
    try:
        db.session.add(IssuedPdf(submission_id=sid, sha256=digest,
                                 content_enc=keyring().seal(pdf, _pdf_context(sid))))
        db.session.execute(update(Submission).where(Submission.id == sid,
                                                    Submission.pdf_sha256.is_(None))
                           .values(pdf_sha256=digest))
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # another request stored it first; theirs stands
    db.session.refresh(submission)

