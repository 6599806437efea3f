"""No log line, from any logger, carries a name, date of birth, answer, resume code or draft id.

A whole checklist is filled in with distinctive answers, and read back through the API with
a token, while every logger the app uses is turned up: the app's, SQLAlchemy's statements
at INFO, and Werkzeug's server. gunicorn's own output is checked in test_gunicorn.py.
"""

from __future__ import annotations

import io
import logging
import re
import threading
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from ivig_home.agencies import api_tokens as tokens
from ivig_home.agencies import registry
from ivig_home.gunicorn_logs import WithholdRequestDetails
from ivig_home.logs import withheld_traceback
from tests.answers import answers_today
from tests.apps import QUICK_STOP
from tests.patient.client import Patient, section_form

SECRET_ANSWERS = {
    "patient_name": "Zebulon Quillfeather",
    "date_of_birth": "1931-02-27",
    "contact_phone": "555-0199-7731",
    "medications": "Xylocarbine 40 mg at dusk",
}
WATCHED = ("sqlalchemy.engine", "sqlalchemy.pool", "werkzeug", "flask_limiter", "weasyprint",
           "fontTools", "ivig_home", "gunicorn.error")


def secrets_in(patient: Patient, code: str) -> list[str]:
    """Return every string that must never reach a log."""
    return ["Zebulon", "Quillfeather", "1931-02-27", "27 February 1931", "0199-7731",
            "Xylocarbine", code, code.replace("-", ""), patient.draft_id]


@pytest.fixture
def every_log(capsys: pytest.CaptureFixture[str]) -> Iterator[io.StringIO]:
    """Capture every logger at INFO or below, as an operator turning logging up would."""
    sink = io.StringIO()
    handler = logging.StreamHandler(sink)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    changed: list[tuple[logging.Logger, int]] = []
    for name in ("", *WATCHED):
        logger = logging.getLogger(name)
        changed.append((logger, logger.level))
        logger.addHandler(handler)
        logger.setLevel(min(logger.getEffectiveLevel(), logging.INFO))
    yield sink
    for logger, level in changed:
        logger.removeHandler(handler)
        logger.setLevel(level)


def fill_in_everything(app: Flask) -> tuple[Patient, str]:
    """Send a whole checklist with the secret answers, save once, download the PDF."""
    answers = {**answers_today("clinical-risk-factors"), **SECRET_ANSWERS}
    patient = Patient(app, app.test_client())
    patient.start()
    saved = patient.post("about", section_form("about", answers), action="save")
    code = re.search(r"[3-9A-Z]{4}-[3-9A-Z]{4}", saved.text).group(0)  # type: ignore[union-attr]
    resumed = patient.client.post("/a/demo/resume", data={
        "code": code, "date_of_birth-day": "27", "date_of_birth-month": "2",
        "date_of_birth-year": "1931",
        "csrf_token": re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                                patient.client.get("/a/demo/resume").text).group(1)})
    assert resumed.status_code == 303
    patient.complete_until("before", answers)
    sent = patient.post("confirm", section_form("confirm", answers), action="submit")
    assert sent.status_code == 303
    assert patient.get("summary.pdf").status_code == 200
    return patient, code


def read_through_the_api(app: Flask) -> str:
    """Read every submission through the API with a token; return the token."""
    with app.app_context():
        demo = registry.get_agency("demo")
        assert demo is not None
        token = tokens.create_token(demo, "logs")[1]
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    listed = client.get("/api/v1/submissions").get_json()
    for row in listed["data"]:
        for part in ("", "/fhir", "/pdf"):
            assert client.get(f"/api/v1/submissions/{row['id']}{part}").status_code == 200
    return token


def test_a_whole_checklist_leaves_no_patient_data_in_any_log(
        app: Flask, every_log: io.StringIO, capsys: pytest.CaptureFixture[str]) -> None:
    patient, code = fill_in_everything(app)
    token = read_through_the_api(app)
    captured = capsys.readouterr()
    output = every_log.getvalue() + captured.err + captured.out
    assert "sqlalchemy.engine" in output and "SELECT" in output  # statements were logged
    assert '"route": "/a/<slug>/d/<draft_id>/<section_id>"' in output
    assert '"route": "/api/v1/submissions/<submission_id>/fhir"' in output
    for secret in [*secrets_in(patient, code), token, token.split("_", 1)[-1]]:
        assert secret not in output, secret


def test_the_development_server_logs_no_path(
        app: Flask, every_log: io.StringIO, capsys: pytest.CaptureFixture[str]) -> None:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs=QUICK_STOP, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/a/demo/resume?code=ZQ47-MR4Q"
        with urllib.request.urlopen(url) as response:  # noqa: S310 (a local test server)
            assert response.status == 200
    finally:
        server.shutdown()
        thread.join(timeout=10)
    captured = capsys.readouterr()
    output = every_log.getvalue() + captured.err + captured.out
    assert '"route": "/a/<slug>/resume"' in output
    assert "ZQ47" not in output and "/a/demo/resume" not in output


def _failing_lookup(name: str) -> None:
    try:
        {}[name]
    except KeyError as error:
        raise ValueError(f"no answer for {name}") from error


def test_a_traceback_keeps_its_frames_but_not_its_messages() -> None:
    name = "".join(("Zeb", "ulon"))  # built at run time: source lines are in a traceback
    with pytest.raises(ValueError) as raised:
        _failing_lookup(name)
    text = withheld_traceback(raised.value)
    assert "_failing_lookup" in text and "builtins.KeyError" in text
    assert "builtins.ValueError: (message withheld)" in text
    assert name not in text


def test_a_database_connection_error_keeps_its_message() -> None:
    import psycopg

    error = psycopg.OperationalError("connection refused by 127.0.0.1 port 5432")
    assert "connection refused by 127.0.0.1" in withheld_traceback(error)


@pytest.mark.parametrize(("message", "args"), [
    ("Invalid request from ip={ip}: {error}".format(
        ip="10.0.0.7", error="Invalid HTTP request line: 'GET /a/demo/resume?code=ZQ47 X'"), ()),
    ("Error handling request %s %s", ("GET", "/a/demo/d/draft-Zebulon/about")),
    ("Error handling request %s", ("/a/demo/resume?code=ZQ47",)),
])
def test_gunicorn_messages_quoting_a_request_are_withheld(message: str,
                                                          args: tuple[Any, ...]) -> None:
    record = logging.LogRecord("gunicorn.error", logging.WARNING, __file__, 1, message, args,
                               None)
    assert WithholdRequestDetails().filter(record)
    text = record.getMessage()
    assert "withheld" in text
    assert "ZQ47" not in text and "Zebulon" not in text and "10.0.0.7" not in text
