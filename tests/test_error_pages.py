"""Every error gets a plain answer: a page written for patients, or JSON under /api/."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask, g, request
from flask.testing import FlaskClient
from werkzeug.exceptions import InternalServerError
from werkzeug.test import TestResponse

from ivig_home import errors
from ivig_home.agencies import registry
from ivig_home.db import db
from ivig_home.intake import submissions
from ivig_home.models import IssuedPdf
from tests.answers import answers_today
from tests.headers import assert_security_headers
from tests.patient.client import Patient, section_form

MIB = 1024 * 1024
TITLE = re.compile(r"<title>(.*?)</title>", re.S)


@pytest.fixture
def app_with_probes(app: Flask) -> Flask:
    """Add routes that fail on purpose, on the site and under /api/."""
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def boom() -> str:
        raise RuntimeError("Ana Ruiz 1958-04-02")

    def read_body() -> str:
        return str(len(request.form) + len(request.get_data()))

    app.add_url_rule("/probe/boom", "probe_boom", boom)
    app.add_url_rule("/api/probe/boom", "api_probe_boom", boom)
    app.add_url_rule("/api/probe/body", "api_probe_body", read_body, methods=["POST"])
    return app


def patient_draft(app: Flask, client: FlaskClient) -> Patient:
    patient = Patient(app, client)
    patient.start()
    return patient


Cause = Callable[[Flask, FlaskClient], TestResponse]
PAGES: list[tuple[str, Cause, int, str, str]] = [
    ("NUL in a form", lambda app, c: c.post(
        patient_draft(app, c).url("about"), data={"patient_name": "Ana\x00"}),
     400, "Something went wrong with that page", "Please go back and try again"),
    ("NUL in the query", lambda app, c: c.get("/a/demo/resume?code=AB%00CD"),
     400, "Something went wrong with that page", "Please go back and try again"),
    ("unknown draft", lambda app, c: c.get("/a/demo/d/no-such-draft/about"),
     404, "This page cannot be found", "Start a new checklist"),
    ("unknown page", lambda app, c: c.get("/no/such/page"),
     404, "This page cannot be found", "the link may have ended"),
    ("NUL in the path", lambda app, c: c.get("/a/demo/d/%00/about"),
     404, "This page cannot be found", "the link may have ended"),
    ("wrong method", lambda app, c: c.put("/a/demo/"),
     405, "That did not work", "use the buttons on the page"),
    ("too large", lambda app, c: c.post(patient_draft(app, c).url("about"),
                                        data={"patient_name": "x" * (2 * MIB)}),
     413, "That was too much to send at once", "make your longest answer shorter"),
    ("server error", lambda app, c: c.get("/probe/boom"),
     500, "Sorry, something went wrong", "The answers you saved before are kept"),
]


@pytest.mark.parametrize(("cause", "status", "title", "words"),
                         [case[1:] for case in PAGES], ids=[case[0] for case in PAGES])
def test_each_error_is_a_page_in_the_form_style(
        app_with_probes: Flask, cause: Cause, status: int, title: str, words: str) -> None:
    response = cause(app_with_probes, app_with_probes.test_client())
    assert response.status_code == status
    assert response.mimetype == "text/html"
    page = response.text
    assert TITLE.search(page).group(1).startswith(title)  # type: ignore[union-attr]
    assert f'<h1 class="heading-xl">{title}</h1>' in page
    assert words in page
    assert 'class="skip-link"' in page
    assert re.search(r"/static/css/base\.[0-9a-f]{12}\.css", page)
    assert re.search(r"/static/css/patient\.[0-9a-f]{12}\.css", page)
    assert "Traceback" not in page and "Ana Ruiz" not in page and "werkzeug" not in page
    assert_security_headers(response, title)
    assert response.headers["Cache-Control"] == "no-store"


def test_a_patient_error_page_names_the_agency_and_its_phone(app: Flask,
                                                             client: FlaskClient) -> None:
    response = client.post(patient_draft(app, client).url("about"),
                           data={"patient_name": "x" * (2 * MIB)})
    assert response.status_code == 413
    assert "Demo Home Health" in response.text and 'href="tel:555-0100"' in response.text


def test_the_wrong_method_names_the_right_ones(client: FlaskClient) -> None:
    response = client.put("/a/demo/resume")
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}


def test_too_many_tries_is_a_page_that_says_to_wait(app: Flask) -> None:
    app.config["RESUME_RATE_LIMIT"] = "2 per minute"
    client = app.test_client()
    statuses = [client.post("/a/demo/resume", data={"code": "K7TD-MR4Q"}).status_code
                for _ in range(3)]
    assert statuses[-1] == 429
    page = client.post("/a/demo/resume", data={"code": "K7TD-MR4Q"})
    assert "Please wait a minute" in page.text and "Your saved answers are safe." in page.text


API: list[tuple[str, Callable[[FlaskClient], TestResponse], int]] = [
    ("unknown endpoint", lambda c: c.get("/api/v1/no-such-thing"), 404),
    ("wrong method", lambda c: c.get("/api/probe/body"), 405),
    ("too large", lambda c: c.post("/api/probe/body", data=b"{" * (2 * MIB),
                                   content_type="application/json"), 413),
    ("NUL in the query", lambda c: c.get("/api/probe/boom?q=%00"), 400),
    ("server error", lambda c: c.get("/api/probe/boom"), 500),
]


@pytest.mark.parametrize(("cause", "status"), [case[1:] for case in API],
                         ids=[case[0] for case in API])
def test_api_errors_are_json(app_with_probes: Flask, cause: Any, status: int) -> None:
    response = cause(app_with_probes.test_client())
    assert response.status_code == status
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["status"] == status and error["message"]
    assert "Ana Ruiz" not in response.text and "Traceback" not in response.text
    assert response.headers["Cache-Control"] == "no-store"


def test_an_error_page_is_drawn_even_when_the_agency_cannot_be_read(app: Flask) -> None:
    with app.app_context():
        agency = registry.get_agency("demo")
        assert agency is not None
        db.session.expire(agency)
        db.session.expunge(agency)  # expired and detached: reading its name raises
    with app.test_request_context("/a/demo/"):
        app.preprocess_request()
        g.agency = agency
        body, status, _ = errors.error_response(InternalServerError())
    assert status == 500
    assert "Sorry, something went wrong" in body and "Demo Home Health" not in body
    assert 'class="skip-link"' in body


def test_a_failed_pdf_write_at_sending_still_confirms_the_submission(
        app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_write(submission: Any, pdf: bytes) -> None:
        # A write that fails while flushing leaves the transaction unusable, as a dropped
        # connection does.
        db.session.add(IssuedPdf(submission_id=submission.id))
        db.session.flush()

    monkeypatch.setattr(submissions, "set_submission_pdf", broken_write)
    patient = patient_draft(app, client)
    patient.complete_until("before", answers_today("nothing-to-flag"))
    acks = {"ack_not_decision": True, "ack_accurate": True}
    sent = patient.post("confirm", section_form("confirm", acks), action="submit")
    assert sent.status_code == 303 and sent.headers["Location"].endswith("/sent")
    monkeypatch.undo()
    assert patient.get("sent").status_code == 200
    pdf = patient.get("summary.pdf")  # made now, as the download does when none was issued
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
