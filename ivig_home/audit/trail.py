"""Reading an agency's audit log, newest first, by user and by submission."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select

from ivig_home.db import db
from ivig_home.models import AuditEntry, StaffUser, Submission

PAGE_SIZE = 50
ACTION_WORDS = {
    "viewed": "Opened the submission",
    "downloaded": "Downloaded a PDF",
    "reviewed": "Marked reviewed (reviewed PDF issued)",
    "flag_reviewed": "Recorded what was done about an item",
    "reopened": "Re-opened a filed review",
    "exported": "Exported",
    "submitted": "Submitted the checklist",
    "purged": "Deleted after the retention period",
    "viewed_queue": "Looked at the queue",
    "logged_in": "Signed in",
    "logged_out": "Signed out",
    "failed_login": "Failed sign-in",
    "locked_out": "Sign-in locked after failures",
    "user_added": "Added a staff account",
    "user_disabled": "Turned off a staff account",
    "user_enabled": "Turned on a staff account",
    "settings_changed": "Changed the agency's settings",
    "viewed_patients": "Looked at the patients",
    "viewed_patient": "Opened a patient's page",
    "linked_patient": "Linked the submission to another patient",
    "split_patient": "Split the submission off to a new patient",
    "invited_patient": "Invited a patient before an infusion",
}


def what(entry: AuditEntry) -> str:
    """Return what an entry records, in words: the action, then its detail if it has one."""
    words = ACTION_WORDS.get(entry.action, entry.action)
    detail = entry.detail
    if not detail:
        return words
    if detail == "summary":
        return f"{words}: the summary as issued"
    if entry.action == "settings_changed" and detail.startswith("password of user "):
        number = detail.removeprefix("password of user ")
        user = db.session.get(StaffUser, int(number)) if number.isdigit() else None
        whose = user.email if user is not None else f"staff account {number}"
        return f"Set a new password for {whose}"
    if detail.startswith("reviewed "):
        return f"{words}: reviewed summary {detail.removeprefix('reviewed ')}"
    return f"{words}: {detail}"


@dataclass(frozen=True)
class AuditPage:
    """A page of audit entries and where it sits among them."""

    entries: list[AuditEntry]
    total: int
    page: int
    pages: int


def _filtered(query: Select[Any], agency_id: int, actor: str | None,
              reference: str | None) -> Select[Any]:
    query = query.where(AuditEntry.agency_id == agency_id)
    if actor:
        query = query.where(AuditEntry.actor == actor)
    if reference:
        # The submission's id is indexed; the reference alone finds purged submissions too.
        submission_id = db.session.scalar(select(Submission.id).where(
            Submission.reference == reference, Submission.agency_id == agency_id))
        query = query.where(AuditEntry.submission_id == submission_id if submission_id
                            else AuditEntry.reference == reference)
    return query


def audit_page(agency_id: int, *, actor: str | None = None, reference: str | None = None,
               page: int = 1) -> AuditPage:
    """Return one page of the agency's audit log, newest first."""
    total = int(db.session.scalar(_filtered(
        select(func.count()).select_from(AuditEntry), agency_id, actor, reference)) or 0)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    entries = list(db.session.scalars(
        _filtered(select(AuditEntry), agency_id, actor, reference)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)))
    return AuditPage(entries=entries, total=total, page=page, pages=pages)
