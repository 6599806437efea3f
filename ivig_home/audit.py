"""Append to the audit log: who, what, which submission, when, from where."""

from __future__ import annotations

from .db import db
from .models import AUDIT_ACTIONS, AuditEntry, Submission


def audit_entry(action: str, *, submission: Submission | None = None, actor: str = "patient",
                address: str | None = None, agency_id: int | None = None) -> AuditEntry:
    """Add an audit entry to the current transaction without committing it.

    The agency comes from the submission; `agency_id` names it for entries without one
    (a sign-in, a change to staff accounts) so the agency's administrators see them too.
    """
    if action not in AUDIT_ACTIONS:
        raise ValueError(f"unknown audit action {action!r}; expected one of {AUDIT_ACTIONS}")
    entry = AuditEntry(
        action=action,
        actor=actor[:254],
        submission_id=submission.id if submission else None,
        reference=submission.reference if submission else None,
        agency_id=submission.agency_id if submission else agency_id,
        address=address[:45] if address else None,
    )
    db.session.add(entry)
    return entry


def audit(action: str, *, submission: Submission | None = None, actor: str = "patient",
          address: str | None = None, agency_id: int | None = None) -> None:
    """Record one access in the audit log and commit it."""
    audit_entry(action, submission=submission, actor=actor, address=address,
                agency_id=agency_id)
    db.session.commit()
