"""Webhook deliveries waiting to be sent, one row per event and receiver."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from ivig_home.db import UTCDateTime, db, utcnow


def new_message_id() -> str:
    """Return a delivery's message id, sent as `webhook-id` on every try of it."""
    return f"msg_{uuid.uuid4().hex}"


class WebhookDelivery(db.Model):  # type: ignore[name-defined,misc]
    """One event to POST to an agency's webhook, retried until it is delivered."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_due", "delivered_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Unique across databases too, so a receiver that drops repeats never drops a new one.
    message_id: Mapped[str] = mapped_column(String(40), unique=True, default=new_message_id)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"),
                                           index=True)
    submission_id: Mapped[str | None] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(String(40))
    # Ids, references, counts and links only: a webhook never carries patient data.
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_status: Mapped[int | None] = mapped_column(SmallInteger)
    last_error: Mapped[str | None] = mapped_column(String(200))
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
