"""Email an agency that a checklist arrived: its reference, its counts and a link; no patient data.

Sending happens on a thread of its own after the submission is stored, so a slow or broken
mail server never slows or fails the patient's submit. Nothing is sent unless both the
app's MAIL_SERVER and the agency's notice address are set.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
from collections.abc import Mapping
from email.message import EmailMessage
from typing import Any

from flask import Flask, has_request_context, request

from ivig_home.checklist import WORDING, Severity
from ivig_home.config import DEFAULTS
from ivig_home.db import db
from ivig_home.intake.signals import submission_created
from ivig_home.models import Agency, Submission

log = logging.getLogger("ivig_home")
_sending: list[threading.Thread] = []
_sending_lock = threading.Lock()


def counts_phrase(counts: Mapping[str, int]) -> str:
    """Return '1 urgent item, 2 discuss items' for the non-zero counts, or 'no flagged items'."""
    parts = []
    for severity in Severity:
        count = counts.get(severity.value, 0)
        if count:
            parts.append(f"{count} {WORDING[severity].label.lower()} item"
                         + ("" if count == 1 else "s"))
    return ", ".join(parts) or "no flagged items"


def notice(reference: str, counts: Mapping[str, int], link: str | None,
           product: str = DEFAULTS["PRODUCT_NAME"]) -> tuple[str, str]:
    """Return the subject and body of a new-submission notice (`product`: PRODUCT_NAME)."""
    subject = f"New checklist submitted: reference {reference}"
    where = (f"Open it in the staff area (you will be asked to sign in):\n{link}\n" if link
             else f"Open the {product} staff area to see it.\n")
    body = (f"A new checklist was submitted: reference {reference}, {counts_phrase(counts)}.\n\n"
            f"{where}\n"
            "This notice never contains the patient's name or answers.\n")
    return subject, body


def _link(app: Flask, submission_id: str) -> str | None:
    """Return the staff page of the submission as a full URL, when the app's address is known."""
    base = app.config.get("PUBLIC_URL") or (request.host_url if has_request_context() else None)
    if not base:
        return None
    path = app.url_map.bind("localhost").build("staff.submission",
                                               {"submission_id": submission_id})
    return str(base).rstrip("/") + path


def mail_settings(app: Flask) -> dict[str, Any] | None:
    """Return the SMTP settings, or None when no mail server is configured."""
    config = app.config
    if not config.get("MAIL_SERVER"):
        return None
    return {key: config.get(key) for key in (
        "MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS", "MAIL_USE_SSL", "MAIL_USERNAME",
        "MAIL_PASSWORD", "MAIL_FROM", "MAIL_TIMEOUT")}


def on_submission(app: Flask, submission: Submission, **_: Any) -> None:
    """Start sending the agency's notice about a new submission, if it wants one."""
    settings = mail_settings(app)
    if settings is None:
        return
    recipient = db.session.scalar(
        db.select(Agency.notify_email).where(Agency.id == submission.agency_id))
    if not recipient:
        return
    counts = {s.value: submission.count(s.value) for s in Severity}
    subject, body = notice(submission.reference, counts, _link(app, submission.id),
                           app.config["PRODUCT_NAME"])
    message = EmailMessage()
    message["Subject"], message["From"], message["To"] = subject, settings["MAIL_FROM"], recipient
    message.set_content(body)
    thread = threading.Thread(target=deliver, args=(settings, message), name="ivig-notice")
    with _sending_lock:
        _sending[:] = [t for t in _sending if t.is_alive()] + [thread]
    thread.start()


def deliver(settings: Mapping[str, Any], message: EmailMessage) -> bool:
    """Send one message through the configured server; log a failure without its content."""
    host, port = settings["MAIL_SERVER"], int(settings.get("MAIL_PORT") or 25)
    timeout = float(settings.get("MAIL_TIMEOUT") or 10)
    try:
        if settings.get("MAIL_USE_SSL"):
            server: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout,
                                                    context=ssl.create_default_context())
        else:
            server = smtplib.SMTP(host, port, timeout=timeout)
        with server:
            if settings.get("MAIL_USE_TLS"):
                server.starttls(context=ssl.create_default_context())
            if settings.get("MAIL_USERNAME"):
                server.login(settings["MAIL_USERNAME"], settings.get("MAIL_PASSWORD") or "")
            server.send_message(message)
        return True
    except Exception as error:  # a notice is a courtesy: the submission is stored regardless
        # Only the kind of error: its text could name the address or echo the message.
        log.warning("new-submission notice not sent: %s", type(error).__name__)
        return False


def wait_for_notices(timeout: float = 30) -> None:
    """Wait for the notices being sent to finish (tests, and before a process exits)."""
    with _sending_lock:
        threads = list(_sending)
    for thread in threads:
        thread.join(timeout)


def init_app(app: Flask) -> None:
    """Send a notice for every new submission of this app."""
    submission_created.connect(on_submission, sender=app, weak=False)
