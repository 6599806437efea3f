"""What a nurse recorded about a submission, kept beside it and never inside it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ivig_home.db import UTCDateTime, db, utcnow
from ivig_home.models._checks import one_of

DISPOSITIONS = ("acknowledged", "contacted_patient", "escalated", "not_applicable")


class FlagReview(db.Model):  # type: ignore[name-defined,misc]
    """One disposition of one flagged item. A save writes a row per disposition chosen, all
    with the same time; the rows of an item's latest time supersede earlier ones."""

    __tablename__ = "flag_reviews"
    __table_args__ = (
        one_of("disposition", DISPOSITIONS, "disposition"),
        Index("ix_flag_reviews_submission", "submission_id", "item_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[str] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"))
    item_id: Mapped[str] = mapped_column(String(64))
    disposition: Mapped[str] = mapped_column(String(20))
    # A nurse's note may repeat what the patient said, so it is encrypted like the answers.
    note_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    reviewer_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReviewedPdf(db.Model):  # type: ignore[name-defined,misc]
    """A PDF of a submission with its review, produced when a nurse finishes reviewing."""

    __tablename__ = "reviewed_pdfs"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[str] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sha256: Mapped[str] = mapped_column(String(64))
    content_enc: Mapped[bytes] = mapped_column(LargeBinary)


class ReviewReopening(db.Model):  # type: ignore[name-defined,misc]
    """A filed review opened again for correction: who, when and why (the reason encrypted).

    The reviewed PDF it re-opened stays stored as it was; filing again adds a new one.
    """

    __tablename__ = "review_reopenings"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[str] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    # The filed review (its reviewed PDF) that was re-opened.
    reviewed_pdf_id: Mapped[int] = mapped_column(
        ForeignKey("reviewed_pdfs.id", ondelete="CASCADE"))
    reopened_by: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The reason may name what the patient said, so it is encrypted like the notes.
    reason_enc: Mapped[bytes] = mapped_column(LargeBinary)
