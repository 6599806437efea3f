"""A nurse's review of a submission: dispositions per flag, then a re-issued PDF.

The submission and the PDF first issued never change: dispositions, notes and the reviewed
PDF are stored beside them, and only the submission's status moves on
(new -> in_review with the first disposition -> reviewed).

A filed review can be re-opened with a reason (reviewed -> in_review): the reviewed PDFs
already issued are kept as they are, the dispositions stay for the nurse to correct, and
filing again issues a new reviewed PDF that says which review it replaces.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from ivig_home.audit.log import audit_entry
from ivig_home.checklist import Assessment
from ivig_home.checklist.summary import flag_groups
from ivig_home.crypto import keyring, sealed_context
from ivig_home.db import db, utcnow
from ivig_home.intake.pdf import issued_pdf, pdf_filenames, summary_context
from ivig_home.models import (
    DISPOSITIONS,
    FlagReview,
    ReviewedPdf,
    ReviewReopening,
    StaffUser,
    Submission,
)
from ivig_home.models.intake import REVIEWED_TIER, tier_of
from ivig_home.report import render_pdf_low_priority
from ivig_home.report.context import DISPOSITIONS as DISPOSITION_WORDS

DISPOSITION_LABELS = dict(DISPOSITION_WORDS)
NOTE_LIMIT = 2000
REASON_LIMIT = 500


class ReviewClosed(ValueError):
    """The submission was already marked reviewed; its review is filed."""


class ReviewNotFiled(ValueError):
    """The submission has no filed review to re-open (it is not marked reviewed)."""


class ReviewIncomplete(ValueError):
    """Some flags have no disposition yet; `items` names them."""

    def __init__(self, items: list[str]) -> None:
        super().__init__(f"{len(items)} flagged item(s) have no disposition yet")
        self.items = items


@dataclass(frozen=True)
class Disposition:
    """What was last recorded for one flagged item: every disposition chosen in its latest
    save (one row each, all with that save's time), and the note."""

    item: str
    dispositions: tuple[str, ...]
    note: str
    reviewer: str
    recorded_at: datetime

    @property
    def labels(self) -> list[str]:
        """Return the dispositions in words, in the order the page offers them."""
        return [DISPOSITION_LABELS[key] for key in DISPOSITIONS if key in self.dispositions]

    @property
    def label(self) -> str:
        """Return the dispositions in words: 'Contacted patient and Escalated'."""
        words = self.labels
        return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


@dataclass(frozen=True)
class Choice:
    """What a nurse chose for one flagged item in one save: dispositions and a note."""

    dispositions: tuple[str, ...]
    note: str = ""


def flag_numbers(assessment: Assessment) -> dict[str, int]:
    """Return each flagged item's number, as the page and the PDF number them (from 1)."""
    ordered = [flag["item"] for group in flag_groups(assessment) for flag in group["flags"]]
    return {item: number for number, item in enumerate(ordered, start=1)}


def _note_context(submission_id: str) -> str:
    return sealed_context("flag_reviews", "note_enc", submission_id)


def _pdf_context(submission_id: str) -> str:
    return sealed_context("reviewed_pdfs", "content_enc", submission_id)


def _reason_context(submission_id: str) -> str:
    return sealed_context("review_reopenings", "reason_enc", submission_id)


def dispositions(submission: Submission) -> dict[str, Disposition]:
    """Return what was last recorded for each reviewed item, notes decrypted.

    A save writes one row per disposition chosen, all with the same time: an item's current
    dispositions are the rows of its latest time (one row, for a save before several could
    be chosen).
    """
    rows = db.session.execute(
        select(FlagReview, StaffUser).outerjoin(StaffUser, FlagReview.reviewer_id == StaffUser.id)
        .where(FlagReview.submission_id == submission.id)
        .order_by(FlagReview.created_at, FlagReview.id)).all()
    latest: dict[str, Disposition] = {}
    ring = keyring()
    for review, reviewer in rows:
        note = (ring.open(review.note_enc, _note_context(submission.id)).decode("utf-8")
                if review.note_enc else "")
        earlier = latest.get(review.item_id)
        same_save = earlier is not None and earlier.recorded_at == review.created_at
        chosen = (*earlier.dispositions, review.disposition) if same_save and earlier else (
            review.disposition,)
        latest[review.item_id] = Disposition(
            item=review.item_id, dispositions=chosen, note=note,
            reviewer=reviewer.display_name if reviewer else "A former staff member",
            recorded_at=review.created_at)
    return latest


def record_dispositions(submission: Submission, assessment: Assessment,
                        choices: dict[str, Choice], reviewer: StaffUser,
                        address: str | None) -> None:
    """Record, in one save, what was done about each item of `choices`.

    Each item gets one row per disposition chosen, all with this save's time, and one audit
    entry; the first save puts the submission in review.
    """
    if submission.status == "reviewed":
        raise ReviewClosed("this submission was already marked reviewed")
    flagged = {flag.item.id for flag in assessment.flags}
    for item_id, choice in choices.items():
        if item_id not in flagged:
            raise LookupError("no such flagged item")
        if not choice.dispositions or set(choice.dispositions) - set(DISPOSITIONS):
            raise ValueError("unknown disposition")
    if not choices:
        return
    now = utcnow()
    ring = keyring()
    for item_id, choice in choices.items():
        note = choice.note.strip()[:NOTE_LIMIT]
        for disposition in (key for key in DISPOSITIONS if key in choice.dispositions):
            db.session.add(FlagReview(
                submission_id=submission.id, item_id=item_id, disposition=disposition,
                note_enc=ring.seal(note.encode("utf-8"), _note_context(submission.id))
                if note else None,
                reviewer_id=reviewer.id, created_at=now))
        audit_entry("flag_reviewed", submission=submission, actor=reviewer.email,
                    address=address)
    db.session.execute(update(Submission).where(Submission.id == submission.id,
                                                Submission.status == "new")
                       .values(status="in_review", status_changed_at=now))
    db.session.commit()


def record_disposition(submission: Submission, assessment: Assessment, item_id: str,
                       disposition: str, note: str, reviewer: StaffUser,
                       address: str | None) -> None:
    """Record one disposition (and a note) for one flagged item, as a save of its own."""
    record_dispositions(submission, assessment, {item_id: Choice((disposition,), note)},
                        reviewer, address)


def mark_reviewed(submission: Submission, assessment: Assessment, reviewer: StaffUser,
                  address: str | None) -> ReviewedPdf:
    """File the review: issue the reviewed PDF and mark the submission reviewed, once."""
    if submission.status == "reviewed":
        raise ReviewClosed("this submission was already marked reviewed")
    recorded = dispositions(submission)
    missing = [flag.item.id for flag in assessment.flags if flag.item.id not in recorded]
    if missing:
        raise ReviewIncomplete(missing)
    original = issued_pdf(submission)
    now = utcnow()
    review: dict[str, Any] = {
        "reviewer": reviewer.display_name, "reviewed_at": now.isoformat(),
        "items": {item: {"dispositions": list(done.dispositions), "note": done.note}
                  for item, done in recorded.items()}}
    earlier = latest_reviewed(submission)
    if earlier is not None:  # a re-opened review, filed again: say which one it replaces
        reopening = db.session.scalar(
            select(ReviewReopening).where(ReviewReopening.reviewed_pdf_id == earlier.id)
            .order_by(ReviewReopening.id.desc()).limit(1))
        review["replaces"] = {
            "reviewed_at": earlier.created_at.isoformat(), "reviewer": reviewer_name(earlier),
            "sha256": earlier.sha256,
            "reason": _reason(reopening) if reopening is not None else ""}
    pdf = render_pdf_low_priority(summary_context(
        submission, assessment, review=review,
        original_sha256=hashlib.sha256(original).hexdigest()))
    # Only one review is filed, even when two nurses press the button at the same moment.
    changed = db.session.execute(
        update(Submission).where(Submission.id == submission.id,
                                 Submission.status != "reviewed")
        .values(status="reviewed", status_changed_at=now, queue_tier=REVIEWED_TIER))
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()
        raise ReviewClosed("this submission was already marked reviewed")
    stored = ReviewedPdf(submission_id=submission.id, reviewer_id=reviewer.id, created_at=now,
                         sha256=hashlib.sha256(pdf).hexdigest(),
                         content_enc=keyring().seal(pdf, _pdf_context(submission.id)))
    db.session.add(stored)
    audit_entry("reviewed", submission=submission, actor=reviewer.email, address=address)
    db.session.commit()
    return stored


def reopen_review(submission: Submission, reason: str, reviewer: StaffUser,
                  address: str | None) -> ReviewReopening:
    """Re-open a filed review for correction, keeping every reviewed PDF already issued.

    The submission goes back to "in review" with its dispositions as they were; the reason
    is stored encrypted and the re-opening is audit-logged (without the reason).
    """
    reason = reason.strip()[:REASON_LIMIT]
    if not reason:
        raise ValueError("a reason is needed to re-open a review")
    filed = latest_reviewed(submission)
    if submission.status != "reviewed" or filed is None:
        raise ReviewNotFiled("this submission has no filed review to re-open")
    now = utcnow()
    # Re-opened once, even when two people press the button at the same moment.
    changed = db.session.execute(
        update(Submission).where(Submission.id == submission.id,
                                 Submission.status == "reviewed")
        .values(status="in_review", status_changed_at=now,
                queue_tier=tier_of(submission.severity_rank)))
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()
        raise ReviewNotFiled("this submission has no filed review to re-open")
    stored = ReviewReopening(
        submission_id=submission.id, reviewed_pdf_id=filed.id, reopened_by=reviewer.id,
        created_at=now,
        reason_enc=keyring().seal(reason.encode("utf-8"), _reason_context(submission.id)))
    db.session.add(stored)
    audit_entry("reopened", submission=submission, actor=reviewer.email, address=address)
    db.session.commit()
    return stored


def _reason(reopening: ReviewReopening) -> str:
    return keyring().open(reopening.reason_enc,
                          _reason_context(reopening.submission_id)).decode("utf-8")


def _staff_name(user_id: int | None) -> str:
    user = db.session.get(StaffUser, user_id) if user_id else None
    return user.display_name if user else "A former staff member"


@dataclass(frozen=True)
class FiledReview:
    """One filed review (its reviewed PDF), and its re-opening if it was re-opened."""

    number: int
    pdf: ReviewedPdf
    reviewer: str
    reopened_by: str | None = None
    reopened_at: datetime | None = None
    reason: str = ""


def review_history(submission: Submission) -> list[FiledReview]:
    """Return every filed review of a submission, first filed first, reasons decrypted."""
    pdfs = db.session.scalars(
        select(ReviewedPdf).where(ReviewedPdf.submission_id == submission.id)
        .order_by(ReviewedPdf.created_at, ReviewedPdf.id)).all()
    reopenings = {row.reviewed_pdf_id: row for row in db.session.scalars(
        select(ReviewReopening).where(ReviewReopening.submission_id == submission.id)
        .order_by(ReviewReopening.id))}
    history = []
    for number, pdf in enumerate(pdfs, start=1):
        reopening = reopenings.get(pdf.id)
        history.append(FiledReview(
            number=number, pdf=pdf, reviewer=_staff_name(pdf.reviewer_id),
            reopened_by=_staff_name(reopening.reopened_by) if reopening else None,
            reopened_at=reopening.created_at if reopening else None,
            reason=_reason(reopening) if reopening else ""))
    return history


def reviewed_number(submission: Submission, number: int) -> ReviewedPdf | None:
    """Return the reviewed PDF filed `number`-th (from 1), or None when there is none."""
    if number < 1:
        return None
    found: ReviewedPdf | None = db.session.scalar(
        select(ReviewedPdf).where(ReviewedPdf.submission_id == submission.id)
        .order_by(ReviewedPdf.created_at, ReviewedPdf.id).offset(number - 1).limit(1))
    return found


def latest_reviewed(submission: Submission) -> ReviewedPdf | None:
    """Return the reviewed PDF's record, or None before the review is filed."""
    found: ReviewedPdf | None = db.session.scalar(
        select(ReviewedPdf).where(ReviewedPdf.submission_id == submission.id)
        .order_by(ReviewedPdf.created_at.desc(), ReviewedPdf.id.desc()).limit(1))
    return found


def latest_reviewed_numbered(submission: Submission) -> tuple[int, ReviewedPdf] | None:
    """Return the newest reviewed PDF with its place in order (from 1), or None if none."""
    ids = db.session.scalars(
        select(ReviewedPdf.id).where(ReviewedPdf.submission_id == submission.id)
        .order_by(ReviewedPdf.created_at, ReviewedPdf.id)).all()
    if not ids:
        return None
    stored = db.session.get(ReviewedPdf, ids[-1])
    return (len(ids), stored) if stored is not None else None


def reviewer_name(stored: ReviewedPdf | None) -> str | None:
    """Return who filed a review, or None when there is none yet."""
    if stored is None:
        return None
    return _staff_name(stored.reviewer_id)


def reviewed_pdf(stored: ReviewedPdf) -> bytes:
    """Return the bytes of a reviewed PDF."""
    return keyring().open(stored.content_enc, _pdf_context(stored.submission_id))


def numbered_filename(submission: Submission, number: int) -> str:
    """Return the download name of the reviewed PDF filed `number`-th (reference and date)."""
    return pdf_filenames(submission)["reviewed"].removesuffix(".pdf") + f"-{number}.pdf"
