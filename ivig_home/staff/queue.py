"""The nurse queue: one agency's submissions, most pressing first, one page decrypted at a time."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import load_only

from ivig_home.checklist import WORDING, Severity
from ivig_home.db import db
from ivig_home.intake.submissions import submission_answers, submission_identity
from ivig_home.models import AuditEntry, Submission
from ivig_home.models.intake import NO_FLAG_RANK, REVIEWED_TIER, STATUSES, tier_of
from ivig_home.patients.since import Badge, badge, badge_columns
from ivig_home.report.language import ENGLISH
from ivig_home.report.language import name as language_name
from ivig_home.staff.contact import CONTACT_KEYS, Contact, contact_of

PAGE_SIZE = 25
NOTHING_FLAGGED = "none"
SEVERITY_FILTERS = (*(s.value for s in Severity), NOTHING_FLAGGED)
STATUS_LABELS = {"new": "New", "in_review": "In review", "reviewed": "Reviewed"}
QUEUE_ORDER = (Submission.queue_tier, Submission.created_at.desc(), Submission.id.desc())
REFERENCE = re.compile(r"([A-Z]{3})([0-9]{4})")
QUEUE_COLUMNS = (Submission.id, Submission.reference, Submission.created_at, Submission.status,
                 Submission.severity_rank, Submission.identity_enc, Submission.language,
                 *(getattr(Submission, f"count_{s.value}") for s in Severity))
# Whether anyone (a nurse on the submission's page, or the agency's API) has opened the
# submission: its "viewed" entries in the audit log, found through their submission index.
OPENED = exists().where(AuditEntry.submission_id == Submission.id, AuditEntry.action == "viewed")


@dataclass(frozen=True)
class QueueFilter:
    """What the nurse asked to see: a status, a most pressing severity, a reference, a page."""

    status: str | None = None
    severity: str | None = None
    reference: str | None = None
    page: int = 1
    typed_reference: str = ""

    @classmethod
    def from_args(cls, args: Any) -> QueueFilter:
        """Return the filter from query arguments, ignoring values that are not offered."""
        status = args.get("status") or None
        severity = args.get("severity") or None
        page = str(args.get("page", "1"))
        typed = str(args.get("reference", "")).strip()[:40]
        return cls(status=status if status in STATUSES else None,
                   severity=severity if severity in SEVERITY_FILTERS else None,
                   reference=normal_reference(typed), typed_reference=typed,
                   page=int(page) if page.isdigit() and 0 < int(page) < 10**6 else 1)

    @property
    def active(self) -> bool:
        """Return whether anything narrows the queue."""
        return bool(self.status or self.severity or self.typed_reference)

    @property
    def unreadable_reference(self) -> bool:
        """Return whether a reference was typed that cannot be one (not like ABC-1234)."""
        return bool(self.typed_reference) and self.reference is None


@dataclass(frozen=True)
class QueueRow:
    """One submission as the queue shows it; the name, date of birth and whom to call are
    decrypted for this page only."""

    id: str
    reference: str
    patient_name: str
    date_of_birth: str
    received: datetime
    status: str
    counts: list[dict[str, Any]]
    contact: Contact
    opened: bool = False
    # What changed since the patient's checklist before (a count stored with the submission).
    changes: Badge | None = None
    # The language the patient completed it in ('en', 'es'): other than English, a tag.
    language: str = "en"

    @property
    def language_name(self) -> str | None:
        """Return the language in English ('Spanish'), or None for English."""
        return None if self.language == ENGLISH else language_name(self.language)

    @property
    def status_label(self) -> str:
        """Return the status in words."""
        return STATUS_LABELS[self.status]

    @property
    def highest(self) -> str | None:
        """Return the most pressing severity with a flag, if any."""
        return self.counts[0]["severity"] if self.counts else None


@dataclass(frozen=True)
class QueuePage:
    """A page of the queue with the totals around it."""

    rows: list[QueueRow]
    total: int
    page: int
    pages: int
    new_count: int
    filters: QueueFilter = field(default_factory=QueueFilter)

    @property
    def first(self) -> int:
        """Return the position of the first row on this page (1-based), 0 when empty."""
        return (self.page - 1) * PAGE_SIZE + 1 if self.rows else 0

    @property
    def last(self) -> int:
        """Return the position of the last row on this page."""
        return self.first + len(self.rows) - 1 if self.rows else 0


def normal_reference(text: str) -> str | None:
    """Return a reference as stored (ABC-1234) from what a nurse typed, or None."""
    found = REFERENCE.fullmatch(re.sub(r"[\s\u2010-\u2015-]", "", text or "").upper())
    return f"{found.group(1)}-{found.group(2)}" if found else None


def _filtered(query: Select[Any], agency_id: int, filters: QueueFilter) -> Select[Any]:
    query = query.where(Submission.agency_id == agency_id)
    if filters.status:
        query = query.where(Submission.status == filters.status)
    if filters.severity:
        rank = (NO_FLAG_RANK if filters.severity == NOTHING_FLAGGED
                else Severity(filters.severity).rank)
        # Naming the tiers keeps the read on the queue's own index: the severity's own tier,
        # and the filed reviews' tier, where any severity can be.
        query = query.where(Submission.queue_tier.in_((tier_of(rank), REVIEWED_TIER)),
                            Submission.severity_rank == rank)
    if filters.reference:
        query = query.where(Submission.reference == filters.reference)
    return query


def new_count(agency_id: int) -> int:
    """Return how many of the agency's submissions have no action recorded yet (status new).

    Opened or not: whether anyone has opened one is said on its row only, where it costs 25
    index probes; counting it over every new submission would probe the audit log once each.
    """
    return int(db.session.scalar(select(func.count()).select_from(Submission).where(
        Submission.agency_id == agency_id, Submission.status == "new")) or 0)


def queue_page(agency_id: int, filters: QueueFilter) -> QueuePage:
    """Return one page of the agency's queue: emergencies, urgent, then the rest, newest first."""
    if filters.unreadable_reference:
        return QueuePage(rows=[], total=0, page=1, pages=1, new_count=new_count(agency_id),
                         filters=filters)
    total = int(db.session.scalar(
        _filtered(select(func.count()).select_from(Submission), agency_id, filters)) or 0)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(filters.page, pages)
    # The page's ids come from the queue index alone (it holds every column the order
    # needs); only those rows are then read, so a deep page skips index entries, not rows.
    page_ids = (_filtered(select(Submission.id), agency_id, filters).order_by(*QUEUE_ORDER)
                .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE).subquery())
    # Whether each row was opened comes in the same query (25 probes of the audit log's
    # submission index), not one query per row.
    # So does each row's "3 changes" badge: a count stored with the submission, nothing
    # decrypted (a count missing or stale is made again, once).
    link, changes = badge_columns()
    query = (select(Submission, OPENED.label("opened"), *changes)
             .join(page_ids, Submission.id == page_ids.c.id)
             .outerjoin(link, link.submission_id == Submission.id)
             .options(load_only(*QUEUE_COLUMNS)).order_by(*QUEUE_ORDER))
    rows, recounted = [], False
    for found in db.session.execute(query).all():
        shown, made = badge(found[0], found)
        recounted |= made
        rows.append(_row(found[0], bool(found.opened), shown))
    if recounted:
        db.session.commit()
    return QueuePage(rows=rows, total=total, page=page, pages=pages,
                     new_count=new_count(agency_id), filters=filters)


def _row(submission: Submission, opened: bool, changes: Badge | None = None) -> QueueRow:
    identity = submission_identity(submission)
    if not all(key in identity for key in CONTACT_KEYS):
        # Stored before the identity record held whom to call: read it from the answers.
        identity = {**submission_answers(submission), **identity}
    return QueueRow(
        id=submission.id, reference=submission.reference,
        patient_name=str(identity.get("patient_name") or ""),
        date_of_birth=str(identity.get("date_of_birth") or ""),
        received=submission.created_at, status=submission.status,
        counts=severity_counts(submission), contact=contact_of(identity), opened=opened,
        changes=changes, language=submission.language or ENGLISH)


def severity_counts(submission: Submission) -> list[dict[str, Any]]:
    """Return the non-zero flag counts, most pressing first, with words and symbols."""
    return [{"severity": s.value, "label": WORDING[s].label, "symbol": WORDING[s].symbol,
             "count": submission.count(s.value)}
            for s in Severity if submission.count(s.value)]
