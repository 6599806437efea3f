"""The audit log of every access: append-only, with no patient data."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, event
from sqlalchemy.orm import Mapped, mapped_column

from ivig_home.db import UTCDateTime, db, utcnow
from ivig_home.models._checks import one_of

AUDIT_ACTIONS = ("viewed", "downloaded", "reviewed", "exported", "logged_in", "failed_login",
                 "purged", "submitted", "flag_reviewed", "viewed_queue", "logged_out",
                 "locked_out", "user_added", "user_disabled", "user_enabled", "settings_changed",
                 "reopened", "viewed_patients", "viewed_patient", "linked_patient",
                 "split_patient", "invited_patient")


class AuditEntry(db.Model):  # type: ignore[name-defined,misc]
    """Who did what to which submission, when and from where; never answers or names."""

    __tablename__ = "audit_log"
    __table_args__ = (
        one_of("action", AUDIT_ACTIONS, "action"),
        Index("ix_audit_log_agency_at", "agency_id", "at"),
        Index("ix_audit_log_agency_actor", "agency_id", "actor", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    action: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(254))
    # Plain ids, not foreign keys: the log outlives the submissions that retention purges.
    submission_id: Mapped[str | None] = mapped_column(String(64), index=True)
    reference: Mapped[str | None] = mapped_column(String(16))
    agency_id: Mapped[int | None] = mapped_column()
    address: Mapped[str | None] = mapped_column(String(45))
    # What exactly, from a fixed vocabulary (ivig_home.audit.log.AUDIT_DETAIL): which PDF was
    # downloaded ("summary", "reviewed 2"). Never patient data.
    detail: Mapped[str | None] = mapped_column(String(40))


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _refuse_change(_mapper: Any, _connection: Any, entry: AuditEntry) -> None:
    """Keep the audit log append-only from the app's side."""
    raise PermissionError("the audit log is append-only")
