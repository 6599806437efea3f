"""Drafts being filled in, and the submissions they become."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, LargeBinary, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ivig_home.checklist import Severity
from ivig_home.db import UTCDateTime, db, utcnow
from ivig_home.models._checks import one_of
from ivig_home.models.agency import Agency

STATUSES = ("new", "in_review", "reviewed")
SEVERITIES = tuple(severity.value for severity in Severity)
NO_FLAG_RANK = len(SEVERITIES)
# The queue shows emergencies, then urgent ones, then everything else by time alone, and
# last the submissions whose review is filed (whatever their severity).
REST_TIER = Severity.URGENT.rank + 1
REVIEWED_TIER = REST_TIER + 1


def tier_of(rank: int) -> int:
    """Return the queue tier of a severity rank: 0 emergency, 1 urgent, 2 the rest."""
    return min(rank, REST_TIER)


def _default_tier(context: Any) -> int:
    return tier_of(int(context.get_current_parameters()["severity_rank"]))


class Draft(db.Model):  # type: ignore[name-defined,misc]
    """The answers so far of one patient filling in the form, until it expires."""

    __tablename__ = "drafts"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"),
                                           index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    step: Mapped[str | None] = mapped_column(String(64))
    answers_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    resume_code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    dob_check: Mapped[str | None] = mapped_column(String(64))
    resume_failures: Mapped[int] = mapped_column(default=0)
    emergency_shown_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    urgent_shown_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The language the patient is filling it in ('en', 'es'): chosen on its pages, kept here
    # (never in a cookie), so it follows the draft's URL into a frame and across a resume.
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    # Purging a submission takes its draft with it, so the draft never reopens.
    submission_id: Mapped[str | None] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), unique=True)

    # A returning patient's draft (ivig_home.patients.returning): the earlier checklist whose
    # lasting answers it started with, that checklist's date, the sections whose carried
    # answers are still to confirm (comma-separated), and the previous invitation's infusion
    # date, offered for the last infusion. All None for a first checklist.
    carried_from: Mapped[str | None] = mapped_column(String(64))
    carried_on: Mapped[date | None] = mapped_column(Date)
    to_confirm: Mapped[str | None] = mapped_column(String(400))
    last_infusion_offer: Mapped[date | None] = mapped_column(Date)

    agency: Mapped[Agency] = relationship()

    def __repr__(self) -> str:
        return f"<Draft step={self.step}>"


class Submission(db.Model):  # type: ignore[name-defined,misc]
    """A sent checklist: never changed afterwards except its status."""

    __tablename__ = "submissions"
    __table_args__ = (
        one_of("status", STATUSES, "status"),
        one_of("highest_severity", SEVERITIES, "highest_severity"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"))
    # The idempotency key: one draft can only ever become one submission.
    draft_id: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    completed_on: Mapped[date]
    checklist_id: Mapped[str] = mapped_column(String(64))
    checklist_version: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(10), default="new")
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    count_emergency: Mapped[int] = mapped_column(SmallInteger, default=0)
    count_urgent: Mapped[int] = mapped_column(SmallInteger, default=0)
    count_discuss: Mapped[int] = mapped_column(SmallInteger, default=0)
    count_prepare: Mapped[int] = mapped_column(SmallInteger, default=0)
    count_note: Mapped[int] = mapped_column(SmallInteger, default=0)
    highest_severity: Mapped[str | None] = mapped_column(String(10))
    # 0 for emergency ... 4 for note, 5 when nothing was flagged: sorts without decrypting.
    severity_rank: Mapped[int] = mapped_column(SmallInteger, default=NO_FLAG_RANK)
    # Set from severity_rank on insert: 0 emergency, 1 urgent, 2 the rest (see tier_of);
    # 3 (REVIEWED_TIER) once the review is filed, back to its severity's tier if re-opened.
    # The server default only filled the rows that existed before the column did.
    queue_tier: Mapped[int] = mapped_column(SmallInteger, default=_default_tier,
                                            server_default="2")
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    emergency_shown_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    urgent_shown_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The language it was completed in ('en', 'es'), copied from the draft at send.
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    # Name and date of birth alone, so a queue page decrypts little per row.
    identity_enc: Mapped[bytes] = mapped_column(LargeBinary)
    answers_enc: Mapped[bytes] = mapped_column(LargeBinary)
    assessment_enc: Mapped[bytes] = mapped_column(LargeBinary)

    agency: Mapped[Agency] = relationship()

    def count(self, severity: str) -> int:
        """Return the number of flags of one severity."""
        return int(getattr(self, f"count_{Severity(severity).value}"))

    def __repr__(self) -> str:
        return f"<Submission {self.reference} {self.status}>"


# The nurse queue: one agency, most pressing first, newest first within a severity,
# optionally one status; both orders are read straight from these indexes.
Index("ix_submissions_queue", Submission.agency_id, Submission.severity_rank,
      Submission.created_at.desc())
Index("ix_submissions_queue_status", Submission.agency_id, Submission.status,
      Submission.severity_rank, Submission.created_at.desc())
# The staff queue's own order: emergencies, then urgent, then the rest, newest first in
# each; the id makes the order total so pages never repeat or skip a row.
Index("ix_submissions_tier", Submission.agency_id, Submission.queue_tier,
      Submission.created_at.desc(), Submission.id.desc())
Index("ix_submissions_tier_status", Submission.agency_id, Submission.status,
      Submission.queue_tier, Submission.created_at.desc(), Submission.id.desc())


class IssuedPdf(db.Model):  # type: ignore[name-defined,misc]
    """The PDF given to the patient at submission; stored once, never replaced."""

    __tablename__ = "issued_pdfs"

    submission_id: Mapped[str] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sha256: Mapped[str] = mapped_column(String(64))
    content_enc: Mapped[bytes] = mapped_column(LargeBinary)

