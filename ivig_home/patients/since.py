"""Changed since last time: a submission compared with its patient's checklist before it.

The full list (the submission page, the PDF, the API, the FHIR export) is made when it is
asked for: it decrypts the one earlier checklist. The queue shows only a count, stored on
the submission's patient link when the submission is stored, so a page of the queue decrypts
no earlier checklist. A count missing (stored before counts existed) or made against another
earlier checklist than the patient's now (after a nurse linked or split, or a purge) is
made again the first time the queue shows the row.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import aliased

from ivig_home.checklist import Assessment, assess
from ivig_home.crypto import sealed_context, unseal
from ivig_home.db import db
from ivig_home.models import PatientSubmission, Submission
from ivig_home.patients.changes import Changes, compare


@dataclass(frozen=True)
class SinceLastTime:
    """A submission's changes and the earlier checklist they are counted from (None: a
    first checklist)."""

    earlier_id: str | None
    earlier_reference: str | None
    earlier_at: datetime | None
    changes: Changes

    @property
    def first(self) -> bool:
        return self.earlier_id is None

    def to_dict(self) -> dict[str, Any]:
        """Return the public JSON shape: `since` is null for a first checklist."""
        since = None if self.earlier_id is None else {
            "id": self.earlier_id, "reference": self.earlier_reference,
            "created": self.earlier_at.isoformat(timespec="seconds")
            if self.earlier_at else None}
        return {"since": since, **self.changes.to_dict()}

    def context(self) -> dict[str, Any]:
        """Return plain data for the PDF and the submission page (report.changes)."""
        since = None if self.earlier_id is None else {
            "reference": self.earlier_reference,
            "created": self.earlier_at.isoformat() if self.earlier_at else None}
        return {"since": since,
                "answers": [asdict(change) for change in self.changes.answers],
                "flags_new": [asdict(flag) for flag in self.changes.flags_new],
                "flags_gone": [asdict(flag) for flag in self.changes.flags_gone]}


def _earlier_id_column(link: Any) -> Any:
    """Return, per patient link, the id of that patient's checklist just before it."""
    other = aliased(PatientSubmission)
    return (select(other.submission_id)
            .where(other.patient_id == link.patient_id,
                   or_(other.created_at < link.created_at,
                       and_(other.created_at == link.created_at,
                            other.submission_id < link.submission_id)))
            .order_by(other.created_at.desc(), other.submission_id.desc())
            .limit(1).correlate(link).scalar_subquery())


def earlier_id(submission_id: str) -> str | None:
    """Return the id of the patient's checklist before this submission, or None."""
    link = aliased(PatientSubmission)
    found: str | None = db.session.scalar(
        select(_earlier_id_column(link)).where(link.submission_id == submission_id))
    return found


def _assessment(submission: Submission) -> Assessment:
    answers = unseal(submission.answers_enc,
                     sealed_context("submissions", "answers_enc", submission.id))
    return assess({"completed_on": submission.completed_on.isoformat(), "answers": answers})


def since_last_time(submission: Submission, assessment: Assessment) -> SinceLastTime | None:
    """Return what changed since the patient's checklist before this one (None: the
    submission has no patient). A stale stored count is corrected in the session; the
    caller's commit (if any) keeps it, as the queue's does."""
    link = db.session.get(PatientSubmission, submission.id)
    if link is None:
        return None
    found = earlier_id(submission.id)
    earlier = db.session.get(Submission, found) if found else None
    if earlier is None:
        result = SinceLastTime(None, None, None, Changes())
    else:
        result = SinceLastTime(earlier.id, earlier.reference, earlier.created_at,
                               compare(_assessment(earlier), assessment))
    if (link.changes_since_id, link.change_count) != (found, result.changes.count):
        link.changes_since_id, link.change_count = found, result.changes.count
    return result


def record_changes(submission: Submission, assessment: Assessment) -> None:
    """Count the changes of a submission being stored (inside its transaction: its patient
    link is in the session already)."""
    db.session.flush()
    link = db.session.get(PatientSubmission, submission.id)
    if link is None:
        return
    found = earlier_id(submission.id)
    earlier = db.session.get(Submission, found) if found else None
    link.changes_since_id = found if earlier is not None else None
    link.change_count = (compare(_assessment(earlier), assessment).count
                         if earlier is not None else 0)


@dataclass(frozen=True)
class Badge:
    """What a queue row says: a first checklist, or how many items changed."""

    first: bool
    count: int

    @property
    def text(self) -> str:
        if self.first:
            return "First checklist"
        if not self.count:
            return "No changes"
        return f"{self.count} change{'s' if self.count != 1 else ''}"


def badge_columns() -> tuple[Any, ...]:
    """Return the columns a queue query outer-joins to read each row's badge: the stored
    count, what it was counted against and the patient's checklist before it now.

    Join `PatientSubmission` aliased as the first element on the submission's id."""
    link = aliased(PatientSubmission)
    return link, (link.submission_id.label("linked"), link.change_count.label("change_count"),
                  link.changes_since_id.label("changes_since_id"),
                  _earlier_id_column(link).label("earlier"))


def badge(submission: Submission, row: Any) -> tuple[Badge | None, bool]:
    """Return a queue row's badge from the columns of `badge_columns`, and whether its count
    was made again (missing or stale: the caller commits)."""
    if row.linked is None:
        return None, False
    if row.change_count is not None and row.changes_since_id == row.earlier:
        return Badge(first=row.changes_since_id is None, count=row.change_count), False
    result = since_last_time(submission, _assessment(submission))
    if result is None:
        return None, False
    return Badge(first=result.first, count=result.changes.count), True


def count_all(batch: int = 200) -> int:
    """Count the changes of every submission whose count is missing; return how many.

    Run by `ivig-home count-changes` after upgrading (the queue also counts a row the first
    time it shows it). Running it again finds none.
    """
    counted = 0
    while ids := list(db.session.scalars(
            select(PatientSubmission.submission_id)
            .where(PatientSubmission.change_count.is_(None)).limit(batch))):
        for submission_id in ids:
            submission = db.session.get(Submission, submission_id)
            if submission is not None:
                since_last_time(submission, _assessment(submission))
        db.session.commit()
        counted += len(ids)
    return counted
