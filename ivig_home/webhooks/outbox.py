"""Webhooks: a signed notice to the agency for each submission, stored first, sent later.

The delivery row is written in the submit transaction. Sending happens after the patient's
request, from `ivig-home deliver-webhooks` (a timer) or a background thread, and failures
are retried with growing pauses for 24 hours. The notice holds ids, the reference and
counts only: never a name, an answer or what a flag says.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.exceptions import InvalidTag
from flask import Flask, g, has_request_context
from sqlalchemy import func, select, update

from ivig_home.crypto import UnknownKey
from ivig_home.db import db, utcnow
from ivig_home.intake.signals import storing_submission
from ivig_home.models import Agency, Submission, WebhookDelivery
from ivig_home.webhooks import sender as webhook_sender

EVENT = "submission.created"
SIGNATURE_HEADER = "X-IVIG-Signature"
RETRY_FOR = timedelta(hours=24)
FIRST_PAUSE_SECONDS = 60
LONGEST_PAUSE_SECONDS = 3600
TOLERANCE_SECONDS = 300
log = logging.getLogger("ivig_home")


@dataclass
class Round:
    """What one pass over the due deliveries did."""

    delivered: int = 0
    failed: int = 0


def notice(submission: Submission) -> dict[str, Any]:
    """Return the webhook body for a new submission: ids, reference and counts only."""
    return {
        "event": EVENT,
        "id": submission.id,
        "reference": submission.reference,
        "created": submission.created_at.isoformat(timespec="seconds"),
        "counts": {severity: submission.count(severity)
                   for severity in ("emergency", "urgent", "discuss", "prepare", "note")},
        "highest_severity": submission.highest_severity,
    }


def body_of(payload: dict[str, Any]) -> bytes:
    """Return the exact bytes sent (and signed) for a payload."""
    return json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """Return the X-IVIG-Signature value: HMAC-SHA256 over 'TIMESTAMP.BODY'."""
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, header: str, body: bytes, now: float | None = None,
           tolerance: int = TOLERANCE_SECONDS) -> bool:
    """Return whether a received signature header matches the body and is recent."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(fields.get("t", ""))
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, fields.get("v1", ""))


def enqueue(sender: Flask, submission: Submission) -> None:
    """Add a delivery for a new submission to the submit transaction, if the agency wants one."""
    try:
        agency = db.session.get(Agency, submission.agency_id)
        if agency is None or not agency.webhook_url:
            return
        db.session.add(WebhookDelivery(agency_id=agency.id, submission_id=submission.id,
                                       event=EVENT, payload=notice(submission),
                                       next_attempt_at=utcnow(), created_at=utcnow()))
        if has_request_context():
            g.webhooks_waiting = True
    except Exception as error:  # a notice is never worth losing the patient's submission
        log.error("webhook not queued: %s", type(error).__name__)


def pause_after(attempts: int) -> timedelta:
    """Return the wait before the next try: 1, 2, 4 ... minutes, then hourly."""
    seconds = FIRST_PAUSE_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, LONGEST_PAUSE_SECONDS))


def due_ids(now: datetime, limit: int) -> list[int]:
    """Return the deliveries to try now: not delivered, due, and younger than 24 hours."""
    query = (select(WebhookDelivery.id)
             .where(WebhookDelivery.delivered_at.is_(None),
                    WebhookDelivery.next_attempt_at <= now,
                    WebhookDelivery.created_at > now - RETRY_FOR)
             .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(limit))
    return list(db.session.scalars(query))


def claim(delivery_id: int, now: datetime) -> WebhookDelivery | None:
    """Take a delivery for this process by pushing its next try on; None if another took it."""
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.delivered_at is not None or delivery.next_attempt_at > now:
        return None
    lease = timedelta(seconds=webhook_sender.timeout() + 60)
    taken = db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id,
               WebhookDelivery.next_attempt_at == delivery.next_attempt_at,
               WebhookDelivery.delivered_at.is_(None))
        .values(next_attempt_at=now + lease))
    db.session.commit()
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        return None
    db.session.refresh(delivery)
    return delivery


def _secret(agency: Agency) -> str | None:
    """Return the agency's signing secret, decrypted; None if it has none or it will not open."""
    try:
        return agency.webhook_secret
    except (UnknownKey, InvalidTag, ValueError):  # a missing key must not stop the round
        return None


def deliver(delivery: WebhookDelivery, now: datetime) -> bool:
    """POST one delivery to its agency's webhook and record the outcome."""
    agency = db.session.get(Agency, delivery.agency_id)
    status: int | None = None
    error: str | None = "no webhook URL"
    if agency is not None and agency.webhook_url:
        secret = _secret(agency)
        if not secret:
            error = "no readable webhook secret"
        else:
            body = body_of(delivery.payload)
            headers = {SIGNATURE_HEADER: signature(secret, int(time.time()), body),
                       "X-IVIG-Event": delivery.event, "X-IVIG-Delivery": str(delivery.id)}
            status, error = webhook_sender.post(agency.webhook_url, body, headers)
    delivery.attempts += 1
    delivery.last_status = status
    delivery.last_error = error
    if error is None:
        delivery.delivered_at = utcnow()
    else:
        delivery.next_attempt_at = now + pause_after(delivery.attempts)
        log.warning("webhook delivery failed", extra={"fields": {
            "delivery": delivery.id, "attempt": delivery.attempts, "status": status,
            "error": error}})
    db.session.commit()
    return error is None


def deliver_due(now: datetime | None = None, limit: int = 200) -> Round:
    """Send every delivery that is due now, once each; return how many went and failed."""
    moment = now or utcnow()
    outcome = Round()
    for delivery_id in due_ids(moment, limit):
        delivery = claim(delivery_id, moment)
        if delivery is None:
            continue
        if deliver(delivery, moment):
            outcome.delivered += 1
        else:
            outcome.failed += 1
    return outcome


def init_app(app: Flask) -> None:
    """Queue a delivery for each new submission; send in the background when configured."""
    storing_submission.connect(enqueue, app, weak=False)
    if app.config.get("WEBHOOKS_SEND_IN_BACKGROUND"):
        webhook_sender.start_background(app, lambda: deliver_due())


def waiting(now: datetime | None = None) -> int:
    """Return how many deliveries are not delivered yet and still within their 24 hours."""
    cutoff = (now or utcnow()) - RETRY_FOR
    query = select(func.count()).select_from(WebhookDelivery).where(
        WebhookDelivery.delivered_at.is_(None), WebhookDelivery.created_at > cutoff)
    return int(db.session.scalar(query) or 0)
