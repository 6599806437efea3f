"""Every error page a patient can meet passes axe-core, reflows at 320 px and is screenshot.

The pages come from the app as it answers each error; the browser gets them, with their own
headers, at an address of the live server, so they load their style sheets from it.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.browser import SCREENSHOTS, LiveServer
from tests.patient.client import Patient
from tests.patient.journey import describe
from tests.patient.page_audit import PageAudit

pytestmark = pytest.mark.browser
MIB = 1024 * 1024


def error_responses(app: Flask, client: FlaskClient) -> dict[str, TestResponse]:
    """Return each error page the app gives, as it gives it."""
    app.config.update(PROPAGATE_EXCEPTIONS=False, RESUME_RATE_LIMIT="1 per minute")

    def boom() -> str:
        raise RuntimeError("a fault on our side")

    app.add_url_rule("/probe/boom", "probe_boom", boom)
    patient = Patient(app, client)
    patient.start()
    for _ in range(2):
        too_many = client.post("/a/demo/resume", data={"code": "K7TD-MR4Q"})
    return {
        "error-400": client.post(patient.url("about"), data={"patient_name": "Ana\x00"}),
        "error-404-no-agency": client.get("/no/such/page"),
        "error-405": client.put("/a/demo/resume"),
        "error-413": client.post(patient.url("about"), data={"patient_name": "x" * 2 * MIB}),
        "error-429": too_many,
        "error-500": client.get("/probe/boom"),
    }


def answer_with(response: TestResponse) -> Any:
    """Return a Playwright route handler that answers with this response."""
    headers = {key: value for key, value in response.headers.items()
               if key.lower() not in ("content-length", "x-request-id")}

    def fulfil(route: Any, _request: Any) -> None:
        route.fulfill(status=response.status_code, body=response.data, headers=headers)

    return fulfil


def test_every_error_page_passes_axe_and_reflows(browser: Any, live_server: LiveServer,
                                                 app: Flask, client: FlaskClient) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pages = error_responses(app, client)
    assert [response.status_code for response in pages.values()] == [400, 404, 405, 413, 429,
                                                                      500]
    context = browser.new_context(base_url=live_server.url,
                                  viewport={"width": 375, "height": 900})
    page = context.new_page()
    blocked: list[str] = []
    page.on("console", lambda message: blocked.append(message.text)
            if "Content Security Policy" in message.text else None)
    audit = PageAudit()
    for name, response in pages.items():
        page.route(f"**/{name}", answer_with(response))
        page.goto(f"/{name}")
        assert page.locator("h1").count() == 1
        audit.check(page, name)
    assert not audit.problems, describe([audit.problems])
    assert not blocked, blocked
    context.close()
