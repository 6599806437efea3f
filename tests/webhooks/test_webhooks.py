"""Webhooks: stored with the submission, signed, retried for a day, never in a patient's way.

Deliveries are checked as a receiver checks them, with the `standardwebhooks` library.

The receiver listens on 127.0.0.1, so these apps allow private hosts explicitly
(WEBHOOK_ALLOW_PRIVATE_HOSTS); test_webhook_hosts.py checks what happens without it.
"""

from __future__ import annotations

import base64
import json
import re
import socket
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from ivig_home.agencies import registry as agencies
from ivig_home.checklist import assess
from ivig_home.cli import cli
from ivig_home.db import db, utcnow
from ivig_home.intake import drafts, submissions
from ivig_home.models import Agency, WebhookDelivery
from ivig_home.patients.matching import patient_ids_of
from ivig_home.webhooks import outbox as webhooks
from tests.agency_support import make_agency, submit
from tests.answers import answers_today, example
from tests.patient.client import Patient, section_form, token_in
from tests.webhooks.receiver import Received, Receiver

KEYS = {"type", "timestamp", "data"}
DATA_KEYS = {"id", "reference", "patient_id", "created", "counts", "highest_severity"}


def hooked(receiver: Receiver, slug: str = "hooked") -> Agency:
    """Return an agency whose webhook goes to the local receiver."""
    return make_agency(slug, webhook_url=receiver.url)


def deliveries() -> list[WebhookDelivery]:
    db.session.expire_all()
    return list(db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def headers(got: Received) -> dict[str, str]:
    """Return a request's headers as the plain dict a receiver hands the library."""
    return dict(got.headers.items())


def test_the_library_verifies_a_real_notice_without_patient_data(
        webhook_app: Flask, receiver: Receiver) -> None:
    with webhook_app.app_context():
        agency = hooked(receiver)
        submission = submit(agency, "clinical-risk-factors")
        assert webhooks.deliver_due().delivered == 1
        got = receiver.received[0]
        notice = Webhook(agency.webhook_secret).verify(got.body, headers(got))
        assert notice == json.loads(got.body)
        assert set(notice) == KEYS and set(notice["data"]) == DATA_KEYS
        assert notice["type"] == "submission.created"
        assert notice["timestamp"] == submission.created_at.isoformat(timespec="seconds")
        assert datetime.fromisoformat(notice["timestamp"]).utcoffset() == timedelta(0)
        data = notice["data"]
        assert data["id"] == submission.id and data["reference"] == submission.reference
        assert data["counts"] == assess(example("clinical-risk-factors")).to_dict()["counts"]
        assert data["highest_severity"] == "discuss"
        # The patient by their opaque id alone, the same one the API gives.
        assert data["patient_id"] == patient_ids_of([submission.id])[submission.id]
        assert got.headers["Content-Type"] == "application/json"
        assert got.headers["webhook-id"] == deliveries()[0].message_id
        assert re.fullmatch(r"msg_[0-9a-f]{32}", got.headers["webhook-id"])
        assert abs(int(got.headers["webhook-timestamp"]) - time.time()) < 60
        assert re.fullmatch(r"v1,[A-Za-z0-9+/]{43}=", got.headers["webhook-signature"])
        assert not [name for name in got.headers if name.lower().startswith("x-ivig")]
        for value in example("clinical-risk-factors")["answers"].values():
            if isinstance(value, str) and len(value) > 3:
                assert value not in got.body.decode()
        assert deliveries()[0].delivered_at is not None


def test_the_library_refuses_a_changed_body_a_wrong_secret_and_an_old_timestamp(
        webhook_app: Flask, receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    with webhook_app.app_context():
        agency = hooked(receiver)
        secret = agency.webhook_secret
        submit(agency)
        webhooks.deliver_due()
        got = receiver.received[0]
        Webhook(secret).verify(got.body, headers(got))
        with pytest.raises(WebhookVerificationError, match="No matching signature"):
            Webhook(secret).verify(got.body.replace(b'"discuss":', b'"discuss": '), headers(got))
        with pytest.raises(WebhookVerificationError, match="No matching signature"):
            Webhook(agencies.new_webhook_secret()).verify(got.body, headers(got))
        changed_id = {**headers(got), "webhook-id": "msg_another"}
        with pytest.raises(WebhookVerificationError, match="No matching signature"):
            Webhook(secret).verify(got.body, changed_id)
        # A try signed ten minutes ago (a replay, or a clock far off) is too old.
        monkeypatch.setattr(webhooks, "signing_time", lambda: int(time.time()) - 600)
        submit(agency)
        webhooks.deliver_due()
        late = receiver.received[1]
        with pytest.raises(WebhookVerificationError, match="too old"):
            Webhook(secret).verify(late.body, headers(late))


def test_our_signature_is_the_librarys() -> None:
    """The sender signs as the reference library does, for the same id, time and body."""
    secret = agencies.new_webhook_secret()
    body = b'{"data":{"id":"abc"},"timestamp":"2026-11-21T09:14:00+00:00","type":"x"}'
    stamp = 1795251240
    expected = Webhook(secret).sign("msg_1", datetime.fromtimestamp(stamp, UTC), body)
    assert webhooks.signature(secret, "msg_1", stamp, body) == expected


def test_a_secret_is_whsec_and_base64_of_32_random_bytes() -> None:
    made = {agencies.new_webhook_secret() for _ in range(50)}
    assert len(made) == 50
    for secret in made:
        assert secret.startswith("whsec_") and len(secret) == len("whsec_") + 44
        encoded = secret.removeprefix("whsec_")
        key = base64.b64decode(encoded, validate=True)  # standard alphabet, with padding
        assert len(key) == 32 and base64.b64encode(key).decode() == encoded
        assert webhooks.signing_key(secret) == key


@pytest.mark.parametrize("secret", [
    "whsec_" + "Ab-_" * 10 + "xyz",  # the old URL-safe format: never read as another key
    "Zm9vYmFy", "whsec_", "whsec_not base64!"])
def test_a_secret_in_another_format_signs_nothing(secret: str) -> None:
    with pytest.raises(ValueError):
        webhooks.signing_key(secret)


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
        assert stored[0].payload["data"]["highest_severity"] == "emergency"
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
        for got in receiver.received:  # each try signed afresh, each verifies
            Webhook(agency.webhook_secret).verify(got.body, headers(got))
        # One delivery: the same webhook-id and body on every try.
        assert {got.headers["webhook-id"] for got in receiver.received} == {delivery.message_id}
        assert len({got.body for got in receiver.received}) == 1
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
    ids = sorted(json.loads(r.body)["data"]["id"] for r in receiver.received)
    assert len(ids) == 6 and len(set(ids)) == 6
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 6


def test_deliver_webhooks_command_says_what_it_did(webhook_app: Flask, runner: FlaskCliRunner,
                                                   receiver: Receiver) -> None:
    receiver.statuses = [500]
    with webhook_app.app_context():
        agency = hooked(receiver)
        submit(agency)
        submit(agency)
    result = runner.invoke(cli, ["deliver-webhooks"])
    assert result.stdout.strip() == "Delivered 1, failed 1 (to retry later); 1 waiting."


@pytest.mark.serial  # times the submit
def test_a_hanging_receiver_never_slows_a_patients_submit(receiver: Receiver,
                                                          background_app: Flask) -> None:
    receiver.hang_seconds = 30
    with background_app.app_context():
        hooked(receiver)
    patient = Patient(background_app, background_app.test_client(), slug="hooked")
    patient.start()
    patient.complete_until("before", answers_today("nothing-to-flag"))
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
