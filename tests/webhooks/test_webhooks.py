"""Webhooks: stored with the submission, signed, retried for a day, never in a patient's way.

The receiver listens on 127.0.0.1, so these apps allow private hosts explicitly
(WEBHOOK_ALLOW_PRIVATE_HOSTS); test_webhook_hosts.py checks what happens without it.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from ivig_home.agencies import registry as agencies
from ivig_home.checklist import assess
from ivig_home.cli import cli
from ivig_home.db import db, utcnow
from ivig_home.intake import drafts, submissions
from ivig_home.models import Agency, WebhookDelivery
from ivig_home.webhooks import outbox as webhooks
from tests.agency_support import make_agency, submit
from tests.answers import example
from tests.patient.client import Patient, section_form, token_in
from tests.webhooks.receiver import Receiver

KEYS = {"event", "id", "reference", "created", "counts", "highest_severity"}


def hooked(receiver: Receiver, slug: str = "hooked") -> Agency:
    """Return an agency whose webhook goes to the local receiver."""
    return make_agency(slug, webhook_url=receiver.url)


def deliveries() -> list[WebhookDelivery]:
    db.session.expire_all()
    return list(db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def test_the_receiver_verifies_the_signature_of_a_notice_without_patient_data(
        webhook_app: Flask, receiver: Receiver) -> None:
    with webhook_app.app_context():
        agency = hooked(receiver)
        submission = submit(agency, "clinical-risk-factors")
        assert webhooks.deliver_due().delivered == 1
        got = receiver.received[0]
        header = got.headers["X-IVIG-Signature"]
        assert webhooks.verify(agency.webhook_secret, header, got.body)
        assert not webhooks.verify(agency.webhook_secret, header, got.body + b" ")
        assert not webhooks.verify("whsec_wrong", header, got.body)
        stamp = int(header.split(",")[0][2:])
        assert not webhooks.verify(agency.webhook_secret, header, got.body, now=stamp + 301)
        notice = json.loads(got.body)
        assert set(notice) == KEYS
        assert notice["event"] == "submission.created" and notice["id"] == submission.id
        assert notice["reference"] == submission.reference
        assert notice["counts"] == assess(example("clinical-risk-factors")).to_dict()["counts"]
        assert notice["highest_severity"] == "discuss"
        assert got.headers["Content-Type"] == "application/json"
        assert got.headers["X-IVIG-Event"] == "submission.created"
        for value in example("clinical-risk-factors")["answers"].values():
            if isinstance(value, str) and len(value) > 3:
                assert value not in got.body.decode()
        assert deliveries()[0].delivered_at is not None


def test_a_receiver_can_check_the_signature_by_hand(
        webhook_app: Flask, receiver: Receiver) -> None:
    """The README's recipe: HMAC-SHA256 over 'TIMESTAMP.' + the raw body."""
    import hashlib
    import hmac

    with webhook_app.app_context():
        agency = hooked(receiver)
        secret = agency.webhook_secret
        submit(agency)
        webhooks.deliver_due()
    got = receiver.received[0]
    fields = dict(part.split("=", 1) for part in got.headers["X-IVIG-Signature"].split(","))
    expected = hmac.new(secret.encode(), fields["t"].encode() + b"." + got.body,
                        hashlib.sha256).hexdigest()
    assert hmac.compare_digest(expected, fields["v1"])


def test_a_delivery_is_stored_with_the_submission_once_and_only_with_a_webhook(
        webhook_app: Flask, receiver: Receiver) -> None:
    with webhook_app.app_context():
        quiet = make_agency("quiet")
        submit(quiet)
        assert deliveries() == []
        agency = hooked(receiver)
        document = example("emergency")
        draft = drafts.start_draft(agency)
        drafts.save_draft(draft, document["answers"], "confirm")
        first = submissions.submit_draft(draft, assess(document))
        again = submissions.submit_draft(draft, assess(document))  # a double-click
        assert again.id == first.id
        stored = deliveries()
        assert len(stored) == 1 and stored[0].submission_id == first.id
        assert stored[0].payload["highest_severity"] == "emergency"
        assert receiver.received == []  # stored, not sent, during the submit


@pytest.mark.parametrize("attempts,minutes", [
    (1, 1), (2, 2), (3, 4), (4, 8), (5, 16), (6, 32), (7, 60), (20, 60)])
def test_retries_wait_longer_each_time_up_to_an_hour(attempts: int, minutes: int) -> None:
    assert webhooks.pause_after(attempts) == timedelta(minutes=minutes)


def test_a_failing_receiver_is_retried_with_backoff_until_it_answers(
        webhook_db_app: Flask, receiver: Receiver) -> None:
    app = webhook_db_app
    receiver.statuses = [500, 503]
    with app.app_context():
        agency = hooked(receiver)
        submit(agency)
        start = utcnow()
        assert webhooks.deliver_due(start).failed == 1
        delivery = deliveries()[0]
        assert (delivery.attempts, delivery.last_status, delivery.last_error) == (1, 500,
                                                                                  "HTTP 500")
        assert delivery.next_attempt_at == start + timedelta(minutes=1)
        assert webhooks.deliver_due(start + timedelta(seconds=59)).failed == 0  # not yet due
        assert webhooks.deliver_due(start + timedelta(seconds=61)).failed == 1
        assert deliveries()[0].attempts == 2 and deliveries()[0].last_status == 503
        assert webhooks.deliver_due(start + timedelta(minutes=2)).delivered == 0
        assert webhooks.deliver_due(start + timedelta(minutes=4)).delivered == 1
        delivery = deliveries()[0]
        assert delivery.attempts == 3 and delivery.delivered_at is not None
        assert delivery.last_status == 200 and delivery.last_error is None
        assert len(receiver.received) == 3
        assert all(webhooks.verify(agency.webhook_secret, r.headers["X-IVIG-Signature"], r.body)
                   for r in receiver.received)
        assert webhooks.waiting() == 0


def test_retries_stop_after_24_hours(webhook_app: Flask, receiver: Receiver) -> None:
    receiver.statuses = [500] * 100
    with webhook_app.app_context():
        submit(hooked(receiver))
        start = utcnow()
        moment, sent = start, 0
        while moment < start + timedelta(hours=30):
            sent += webhooks.deliver_due(moment).failed
            moment += timedelta(minutes=1)
        # 1+2+4+8+16+32 minutes, then hourly until 24 hours after the submission.
        assert 20 <= sent <= 30 and len(receiver.received) == sent
        assert webhooks.waiting(start) == 1 and webhooks.waiting(moment) == 0
        assert deliveries()[0].delivered_at is None


@pytest.mark.parametrize("status,error", [(302, "HTTP 302"), (404, "HTTP 404"),
                                          (500, "HTTP 500")])
def test_redirects_and_errors_count_as_failures(webhook_app: Flask, receiver: Receiver,
                                                status: int, error: str) -> None:
    receiver.statuses = [status]
    with webhook_app.app_context():
        submit(hooked(receiver))
        assert webhooks.deliver_due().failed == 1
        assert deliveries()[0].last_error == error


def test_a_closed_port_is_a_failure_not_a_crash(webhook_app: Flask) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}/hook"
    with webhook_app.app_context():
        submit(make_agency("closed", webhook_url=url))
        assert webhooks.deliver_due().failed == 1
        assert deliveries()[0].last_error == "ConnectionRefusedError"


def test_each_delivery_is_sent_once_when_two_rounds_run_at_once(
        webhook_db_app: Flask, receiver: Receiver) -> None:
    app = webhook_db_app
    receiver.hang_seconds = 0.2
    with app.app_context():
        agency = hooked(receiver)
        for _ in range(6):
            submit(agency, "nothing-to-flag")

    def round_() -> None:
        with app.app_context():
            webhooks.deliver_due()
            db.session.remove()

    threads = [threading.Thread(target=round_) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    ids = sorted(json.loads(r.body)["id"] for r in receiver.received)
    assert len(ids) == 6 and len(set(ids)) == 6


def test_deliver_webhooks_command_says_what_it_did(webhook_app: Flask, runner: FlaskCliRunner,
                                                   receiver: Receiver) -> None:
    receiver.statuses = [500]
    with webhook_app.app_context():
        agency = hooked(receiver)
        submit(agency)
        submit(agency)
    result = runner.invoke(cli, ["deliver-webhooks"])
    assert result.stdout.strip() == "Delivered 1, failed 1 (to retry later); 1 waiting."


def test_a_hanging_receiver_never_slows_a_patients_submit(receiver: Receiver,
                                                          background_app: Flask) -> None:
    receiver.hang_seconds = 30
    with background_app.app_context():
        hooked(receiver)
    patient = Patient(background_app, background_app.test_client(), slug="hooked")
    patient.start()
    patient.complete_until("before", example("nothing-to-flag")["answers"])
    token = token_in(patient.get("confirm").text)
    data = section_form("confirm", {"ack_not_decision": True, "ack_accurate": True})
    started = time.perf_counter()
    response = patient.post("confirm", data, action="submit", token=token)
    took = time.perf_counter() - started
    assert response.status_code == 303 and response.headers["Location"].endswith("/sent")
    # The thread is now waiting on the receiver, which hangs; the patient did not wait.
    receiver.wait_for(1)
    assert took < 2.0, took  # the webhook timeout is 4 s and the receiver hangs for 30 s
    assert patient.get("sent").status_code == 200
    deadline = time.monotonic() + 10
    with background_app.app_context():
        while time.monotonic() < deadline and not any(d.last_error for d in deliveries()):
            time.sleep(0.05)
        assert [d.last_error for d in deliveries()] == ["TimeoutError"]


def test_a_webhook_url_must_be_http_or_https(webhook_app: Flask) -> None:
    with webhook_app.app_context():
        agency = make_agency("strict")
        for url in ("gopher://x.example/", "https:///nohost", "https://a b.example/"):
            with pytest.raises(agencies.AgencyRefused):
                agencies.update_agency(agency, webhook_url=url)
