"""The patients of an agency, which submission is whose, and counted attempts."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ivig_home.db import UTCDateTime, db, utcnow


class Patient(db.Model):  # type: ignore[name-defined,misc]
    """A person the agency cares for: who they are (encrypted) and a keyed hash to match.

    `id` is opaque and random: the API and webhooks name a patient by it, never by name.
    """

    __tablename__ = "patients"
    __table_args__ = (Index("ix_patients_match", "agency_id", "match_hash"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # HMAC-SHA256, under a key of this agency's own, of the normalised name and date of birth.
    match_hash: Mapped[str] = mapped_column(String(64))
    # Name, date of birth, phone and email address, as one sealed JSON object.
    identity_enc: Mapped[bytes] = mapped_column(LargeBinary)

    def __repr__(self) -> str:
        return "<Patient>"


class PatientSubmission(db.Model):  # type: ignore[name-defined,misc]
    """Whose a submission is: one patient per submission, many submissions per patient."""

    __tablename__ = "patient_submissions"
    __table_args__ = (Index("ix_patient_submissions_patient", "patient_id", "created_at"),)

    submission_id: Mapped[str] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    # The submission's own time, so a patient's submissions are listed in order from here.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The infusion the checklist was for, as the patient gave it: the Patients page sorts on it.
    planned_infusion_on: Mapped[date | None] = mapped_column(Date)
    # What changed since the patient's checklist before this one, counted when it is stored
    # (the queue's badge): that one's id (None for a first checklist) and how many items'
    # answers differ. A null count is not counted yet (stored before, or since relinked).
    changes_since_id: Mapped[str | None] = mapped_column(String(64))
    change_count: Mapped[int | None] = mapped_column()


class Attempt(db.Model):  # type: ignore[name-defined,misc]
    """Failed tries at a check that guards patient data, counted for every worker at once.

    `key` is a keyed hash of what is being guessed at (an address, an invitation): the
    table never holds patient data, an address or a token.
    """

    __tablename__ = "attempts"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


class Invitation(db.Model):  # type: ignore[name-defined,misc]
    """An invitation to fill in the checklist before one planned infusion.

    `id` is opaque and random (the API names an invitation by it). Nothing a link could be
    rebuilt from is stored here: each link sent has a token of its own, kept only as a keyed
    hash in `invitation_links`. The invitation opens after the patient's date of birth and is
    good until the end of the day after the infusion.
    """

    __tablename__ = "invitations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"),
                                           index=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"),
                                            index=True)
    infusion_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # Who made it: a staff user's email address, an API token's prefix or "command line".
    created_by: Mapped[str] = mapped_column(String(254))
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The draft its link started, and the submission that draft became (the patient's).
    draft_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    submission_id: Mapped[str | None] = mapped_column(
        ForeignKey("submissions.id", ondelete="SET NULL"))
    # When the invitation was emailed, and the fewest days before the infusion a reminder
    # was emailed at (3, then 1): each is sent once.
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_days: Mapped[int | None] = mapped_column()
    # The language to write to the patient in when they have no checklist yet ('es'); None:
    # the agency's default (staff/invitation_mail.py).
    language: Mapped[str | None] = mapped_column(String(8))


class InvitationLink(db.Model):  # type: ignore[name-defined,misc]
    """One link sent for an invitation (shown when it was made, or in an email): the keyed
    hash of its token, never the token. Every link of an invitation opens the invitation."""

    __tablename__ = "invitation_links"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    invitation_id: Mapped[str] = mapped_column(
        ForeignKey("invitations.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
