"""New-submission notices: reference, counts and a link by email; never the patient's data."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask

from ivig_home.agencies import registry
from ivig_home.db import db
from ivig_home.intake import drafts, submissions
from ivig_home.models import Agency
from ivig_home.staff import notices
from tests.answers import answers_today, example
from tests.mail_support import Sink
from tests.staff.support import submit_for


@pytest.fixture
def inbox() -> Iterator[tuple[Sink, int]]:
    """Yield a running local SMTP server and its port."""
    handler = Sink()
    with socket.socket() as probe:  # a free port (aiosmtpd checks the port it was given)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


def _set_notice_address(app: Flask, address: str | None) -> Agency:
    with app.app_context():
        demo = registry.ensure_demo_agency()
        demo.notify_email = address
        db.session.commit()
        return demo


def _submit(app: Flask, name: str) -> Any:
    with app.test_request_context(base_url="https://ivig.example.org/"):
        submission = submit_for(registry.ensure_demo_agency(), name)
        return submission.reference, submission.id


def test_a_notice_names_the_reference_and_counts_only(
        make_staff_app: Callable[..., Flask], inbox: tuple[Sink, int]) -> None:
    received, port = inbox
    app = make_staff_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port,
                         MAIL_FROM="ivig@agency.example")
    _set_notice_address(app, "intake@agency.example")
    reference, submission_id = _submit(app, "emergency")
    notices.wait_for_notices()
    assert len(received.messages) == 1
    message = received.messages[0]
    body = message.get_payload(decode=True).decode()
    assert message["To"] == "intake@agency.example" and message["From"] == "ivig@agency.example"
    assert message["Subject"] == f"New checklist submitted: reference {reference}"
    assert body.startswith(f"A new checklist was submitted: reference {reference}, "
                           "1 emergency item, 2 urgent items, 1 discuss item, 1 note item.")
    assert f"https://ivig.example.org/staff/submissions/{submission_id}" in body
    everything = str(message)
    answers = example("emergency")["answers"]
    for value in (answers["patient_name"], answers["date_of_birth"], "1988",
                  answers["contact_phone"], answers["notes_for_team"]):
        assert str(value) not in everything


@pytest.mark.parametrize("counts,phrase", [
    ({"urgent": 1}, "1 urgent item"),
    ({"emergency": 2, "prepare": 1}, "2 emergency items, 1 prepare item"),
    ({}, "no flagged items"),
])
def test_the_counts_read_as_a_sentence(counts: dict[str, int], phrase: str) -> None:
    assert notices.counts_phrase(counts) == phrase
    subject, body = notices.notice("ABC-1234", counts, None)
    assert body.startswith(f"A new checklist was submitted: reference ABC-1234, {phrase}.")
    assert "Open the IVIG home checklist staff area to see it." in body


@pytest.mark.parametrize("server,address", [(False, "intake@agency.example"), (True, None)])
def test_nothing_is_sent_unless_both_server_and_address_are_set(
        make_staff_app: Callable[..., Flask], inbox: tuple[Sink, int], server: bool,
        address: str | None) -> None:
    received, port = inbox
    app = make_staff_app(MAIL_SERVER="127.0.0.1" if server else None, MAIL_PORT=port)
    _set_notice_address(app, address)
    _submit(app, "emergency")
    notices.wait_for_notices()
    time.sleep(0.2)
    assert received.messages == []


@pytest.mark.serial  # times the submit
def test_a_broken_mail_server_never_fails_or_slows_the_submit(
        make_staff_app: Callable[..., Flask], caplog: pytest.LogCaptureFixture) -> None:
    # A server that accepts the connection and then never answers: the SMTP greeting waits.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(5)
    app = make_staff_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=silent.getsockname()[1],
                         MAIL_TIMEOUT=1.5)
    _set_notice_address(app, "intake@agency.example")
    caplog.set_level(logging.WARNING, logger="ivig_home")
    started = time.perf_counter()
    reference, _ = _submit(app, "emergency")
    took = time.perf_counter() - started
    assert took < 1.0  # the SMTP wait (1.5 s) happens after the submit returned
    notices.wait_for_notices()
    assert time.perf_counter() - started >= 1.5
    silent.close()
    # smtplib reports the timed-out greeting as a closed connection.
    assert "new-submission notice not sent: SMTPServerDisconnected" in caplog.text
    logged = caplog.text + "".join(str(record.__dict__) for record in caplog.records)
    for value in (reference, "Mei Chen", "intake@agency.example"):
        assert value not in logged
    with app.app_context():
        assert submissions.get_submission(_) is not None


def test_a_listener_failure_is_logged_and_the_submission_stands(
        make_staff_app: Callable[..., Flask], caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_staff_app(MAIL_SERVER="127.0.0.1")

    def broken(*_: Any, **__: Any) -> None:
        raise RuntimeError("Mei Chen")

    monkeypatch.setattr(notices, "mail_settings", broken)
    caplog.set_level(logging.ERROR, logger="ivig_home")
    reference, submission_id = _submit(app, "emergency")
    assert "a listener failed after a submission: RuntimeError" in caplog.text
    assert "Mei Chen" not in caplog.text
    with app.app_context():
        assert submissions.get_submission(submission_id).reference == reference


def test_the_admin_sets_the_notice_address(make_staff_app: Callable[..., Flask]) -> None:
    from tests.staff.support import build_world, post, sign_in

    app = make_staff_app()
    build_world(app)
    client = app.test_client()
    sign_in(client, "admin@demo.test")
    page = client.get("/staff/settings").get_data(as_text=True)
    assert "no mail server set up (MAIL_SERVER)" in page
    bad = post(client, "/staff/settings", {"notify_email": "intake at agency"})
    assert bad.status_code == 400 and "Enter an email address like" in bad.get_data(as_text=True)
    assert post(client, "/staff/settings", {"notify_email": " Intake@Agency.Example "}
                ).status_code == 303
    with app.app_context():
        assert registry.ensure_demo_agency().notify_email == "intake@agency.example"
    post(client, "/staff/settings", {"notify_email": ""})
    with app.app_context():
        assert registry.ensure_demo_agency().notify_email is None


def test_a_retried_submit_sends_one_notice(make_staff_app: Callable[..., Flask],
                                           inbox: tuple[Sink, int]) -> None:
    from ivig_home.checklist import assess

    received, port = inbox
    app = make_staff_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    _set_notice_address(app, "intake@agency.example")
    with app.app_context():
        draft = drafts.start_draft(registry.ensure_demo_agency())
        drafts.save_draft(draft, example("clinical-risk-factors")["answers"], "confirm")
        first = submissions.submit_draft(draft, assess(example("clinical-risk-factors")))
        again = submissions.submit_draft(draft, assess(example("clinical-risk-factors")))
        assert first.id == again.id
    notices.wait_for_notices()
    time.sleep(0.2)
    assert len(received.messages) == 1
    body = received.messages[0].get_payload(decode=True).decode()
    assert "11 discuss items, 3 prepare items, 1 note item." in body


def test_sending_the_patient_form_sends_the_notice(make_staff_app: Callable[..., Flask],
                                                    inbox: tuple[Sink, int]) -> None:
    from tests.patient.client import Patient, section_form

    received, port = inbox
    app = make_staff_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    _set_notice_address(app, "intake@agency.example")
    patient = Patient(app, app.test_client())
    patient.start()
    patient.complete_until("before", answers_today("clinical-risk-factors"))
    sent = patient.post("confirm", section_form("confirm", {"ack_not_decision": True,
                                                            "ack_accurate": True}),
                        action="submit")
    assert sent.headers["Location"].endswith("/sent")
    notices.wait_for_notices()
    with app.app_context():
        submission = submissions.get_submission(patient.draft().submission_id)
        reference, submission_id = submission.reference, submission.id
    assert len(received.messages) == 1
    body = received.messages[0].get_payload(decode=True).decode()
    assert f"reference {reference}, 11 discuss items, 3 prepare items, 1 note item." in body
    assert f"http://localhost/staff/submissions/{submission_id}" in body
    assert "George" not in str(received.messages[0])
