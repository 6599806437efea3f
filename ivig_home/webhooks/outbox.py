"""Webhooks: a signed notice to the agency for each submission, stored first, sent later.

The delivery row is written in the submit transaction. Sending happens after the patient's
request, from `ivig-home deliver-webhooks` (a timer) or a background thread, and failures
are retried with growing pauses for 24 hours. Notices follow Standard Webhooks 1.0: the
`webhook-id` (the same on every try of a delivery), `webhook-timestamp` (the time of the
try) and `webhook-signature` headers, and a `{"type", "timestamp", "data"}` body whose data
holds ids, the reference and counts only: never a name, an answer or what a flag says.
"""

from __future__ import annotations

import base64
import binascii
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
from ivig_home.patients.matching import patient_ids_of
from ivig_home.webhooks import sender as webhook_sender

EVENT = "submission.created"
SECRET_PREFIX = "whsec_"  # noqa: S105 (the format's prefix, not a secret)
RETRY_FOR = timedelta(hours=24)
FIRST_PAUSE_SECONDS = 60
LONGEST_PAUSE_SECONDS = 3600
log = logging.getLogger("ivig_home")


@dataclass
class Round:
    """What one pass over the due deliveries did."""

    delivered: int = 0
    failed: int = 0


def notice(submission: Submission) -> dict[str, Any]:
    """Return the webhook payload for a new submission: its type, when, and ids and counts.

    The envelope is Standard Webhooks' (type, timestamp, data); data is the submission's id
    (for the API), its reference, its patient's opaque id, when it was made and its flag
    counts, nothing else.
    """
    created = submission.created_at.isoformat(timespec="seconds")
    return {
        "type": EVENT,
        "timestamp": created,
        "data": {
            "id": submission.id,
            "reference": submission.reference,
            "patient_id": patient_ids_of([submission.id]).get(submission.id),
            "created": created,
            "counts": {severity: submission.count(severity)
                       for severity in ("emergency", "urgent", "discuss", "prepare", "note")},
            "highest_severity": submission.highest_severity,
        },
    }


def body_of(payload: dict[str, Any]) -> bytes:
    """Return the exact bytes sent (and signed) for a payload."""
    return json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()


def signing_key(secret: str) -> bytes:
    """Return the key a 'whsec_' secret stands for: the bytes its base64 part encodes.

    Anything else (an older secret, whose characters are not standard base64) is refused
    with a ValueError rather than turned into some other key.
    """
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError("a webhook secret starts with 'whsec_'")
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX):], validate=True)
    except binascii.Error:
        raise ValueError("a webhook secret is 'whsec_' and standard base64") from None
    if not key:
        raise ValueError("a webhook secret is not empty")
    return key


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """Return the webhook-signature value: 'v1,' and the base64 HMAC-SHA256 of 'ID.TS.BODY'."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(signing_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signing_time() -> int:
    """Return the time a try is signed at, in whole seconds since the epoch."""
    return int(time.time())


def headers_for(secret: str, delivery: WebhookDelivery, body: bytes) -> dict[str, str]:
    """Return the Standard Webhooks headers for one try of a delivery, signed now."""
    timestamp = signing_time()
    return {"webhook-id": delivery.message_id, "webhook-timestamp": str(timestamp),
            "webhook-signature": signature(secret, delivery.message_id, timestamp, body)}


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
    """Return the agency's signing secret, decrypted; None if it has none, or none that works."""
    try:
        secret = agency.webhook_secret
        if secret:
            signing_key(secret)
        return secret
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
            status, error = webhook_sender.post(agency.webhook_url, body,
                                                headers_for(secret, delivery, body))
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
