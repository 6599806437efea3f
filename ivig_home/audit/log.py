"""Append to the audit log: who, what, which submission, when, from where."""

from __future__ import annotations

import re

from ivig_home.db import db
from ivig_home.models import AUDIT_ACTIONS, AuditEntry, Submission

# The only details an entry may carry, so none can hold patient data: which PDF was
# downloaded, the summary as issued or the n-th filed reviewed PDF; whose password an
# administrator set (a staff account's id); which patient (their opaque id, never a name).
AUDIT_DETAIL = re.compile(r"(summary|reviewed [1-9][0-9]{0,3}"
                          r"|password of user [1-9][0-9]{0,9}|patient [A-Za-z0-9_-]{22})\Z")
SUMMARY = "summary"  # the PDF as issued with the submission


def audit_entry(action: str, *, submission: Submission | None = None, actor: str = "patient",
                address: str | None = None, agency_id: int | None = None,
                detail: str | None = None) -> AuditEntry:
    """Add an audit entry to the current transaction without committing it.

    The agency comes from the submission; `agency_id` names it for entries without one
    (a sign-in, a change to staff accounts) so the agency's administrators see them too.
    `detail` says what exactly, from a fixed vocabulary (AUDIT_DETAIL).
    """
    if action not in AUDIT_ACTIONS:
        raise ValueError(f"unknown audit action {action!r}; expected one of {AUDIT_ACTIONS}")
    if detail is not None and not AUDIT_DETAIL.match(detail):
        raise ValueError("an audit detail is 'summary', 'reviewed N', 'password of user N' "
                         "or 'patient ID'")
    entry = AuditEntry(
        action=action,
        actor=actor[:254],
        submission_id=submission.id if submission else None,
        reference=submission.reference if submission else None,
        agency_id=submission.agency_id if submission else agency_id,
        address=address[:45] if address else None,
        detail=detail,
    )
    db.session.add(entry)
    return entry


def audit(action: str, *, submission: Submission | None = None, actor: str = "patient",
          address: str | None = None, agency_id: int | None = None,
          detail: str | None = None) -> None:
    """Record one access in the audit log and commit it."""
    audit_entry(action, submission=submission, actor=actor, address=address,
                agency_id=agency_id, detail=detail)
    db.session.commit()


def password_set_detail(user_id: int) -> str:
    """Return the detail of an administrator setting the password of account `user_id`."""
    return f"password of user {user_id}"  # with the action "settings_changed"


def patient_detail(patient_id: str) -> str:
    """Return the detail naming a patient by their opaque id (a patient's page, a link)."""
    return f"patient {patient_id}"


def reviewed_detail(number: int) -> str:
    """Return the detail of a download of the `number`-th filed reviewed PDF."""
    return f"reviewed {number}"
