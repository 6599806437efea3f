"""Every route of the app, with every method, sends the security headers.

The routes are read from `app.url_map`, so a new route is checked without editing this
file; a route with a URL variable this file has no sample for fails until one is added.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from tests.answers import example
from tests.patient.client import Patient, section_form

# The URL variables of every route, and sample values that reach the page behind them.
SAMPLES: dict[str, Any] = {
    "slug": "demo",
    "section_id": "today",
    "filename": "css/app.css",
}
DRAFT_KINDS = ("in_progress", "sent")
# Routes whose only answer is a redirect, and the static files, which may be cached.
REDIRECT_ONLY = {"home"}
CACHEABLE = {"static"}
EXTRA_METHODS = ("OPTIONS", "HEAD", "DELETE")


@dataclass
class Visit:
    """One request to one route, and what came back."""

    endpoint: str
    method: str
    url: str
    response: TestResponse


def assert_security_headers(response: TestResponse, where: str) -> None:
    """Check the headers every response must carry."""
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    assert "default-src 'self'" in csp, where
    assert "script-src 'self'" in csp and "style-src 'self'" in csp, where
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, where
    assert "frame-ancestors 'none'" in csp and headers.get("X-Frame-Options") == "DENY", where
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("Referrer-Policy") == "no-referrer", where
    assert "camera=()" in headers.get("Permissions-Policy", ""), where
    assert "geolocation=()" in headers.get("Permissions-Policy", ""), where


@pytest.fixture
def drafts(app: Flask, client: FlaskClient) -> dict[str, str]:
    """Return a draft that stopped at its emergency message, and one already sent."""
    in_progress = Patient(app, client)
    in_progress.start()
    in_progress.complete_until("before", example("emergency")["answers"])
    sent = Patient(app, client)
    sent.start()
    sent.complete_until("before", example("nothing-to-flag")["answers"])
    acks = {"ack_not_decision": True, "ack_accurate": True}
    assert sent.post("confirm", section_form("confirm", acks), action="submit").status_code == 303
    return {"in_progress": in_progress.draft_id, "sent": sent.draft_id}


def urls_for(rule: Rule, drafts: dict[str, str]) -> Iterator[str]:
    """Yield the URLs that reach this route: one per kind of draft when it takes a draft."""
    missing = rule.arguments - set(SAMPLES) - {"draft_id"}
    assert not missing, f"add sample values for {sorted(missing)} ({rule.rule}) to SAMPLES"
    kinds = DRAFT_KINDS if "draft_id" in rule.arguments else (None,)
    for kind in kinds:
        values = {name: SAMPLES[name] for name in rule.arguments if name in SAMPLES}
        if kind:
            values["draft_id"] = drafts[kind]
        yield rule.build(values, append_unknown=False)[1]  # type: ignore[index]


def visit_every_route(app: Flask, client: FlaskClient,
                      drafts: dict[str, str]) -> list[Visit]:
    """Request every route with each of its methods and a few it does not allow."""
    visits = []
    for rule in app.url_map.iter_rules():
        for url in urls_for(rule, drafts):
            for method in sorted({*(rule.methods or ()), *EXTRA_METHODS}):
                response = client.open(url, method=method)
                visits.append(Visit(rule.endpoint, method, url, response))
    return visits


def test_every_route_and_method_sends_the_security_headers(
        app: Flask, client: FlaskClient, drafts: dict[str, str]) -> None:
    visits = visit_every_route(app, client, drafts)
    assert {visit.endpoint for visit in visits} == {r.endpoint for r in app.url_map.iter_rules()}
    for visit in visits:
        where = f"{visit.method} {visit.url} -> {visit.response.status_code}"
        assert visit.response.status_code < 500, where
        assert_security_headers(visit.response, where)
        if visit.endpoint not in CACHEABLE:
            assert visit.response.headers.get("Cache-Control") == "no-store", where


def test_every_page_is_reached_not_only_its_errors(
        app: Flask, client: FlaskClient, drafts: dict[str, str]) -> None:
    reached = {visit.endpoint for visit in visit_every_route(app, client, drafts)
               if visit.method == "GET" and visit.response.status_code == 200}
    expected = {rule.endpoint for rule in app.url_map.iter_rules()} - REDIRECT_ONLY
    assert expected <= reached, sorted(expected - reached)


def test_patient_data_is_never_cached(client: FlaskClient, drafts: dict[str, str]) -> None:
    sent = drafts["sent"]
    for url in (f"/a/demo/d/{sent}/summary.pdf", f"/a/demo/d/{sent}/sent",
                f"/a/demo/d/{drafts['in_progress']}/about"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Pragma"] == "no-cache"


def test_hsts_is_sent_on_every_route_over_https(
        app: Flask, client: FlaskClient, drafts: dict[str, str]) -> None:
    for rule in app.url_map.iter_rules():
        for url in urls_for(rule, drafts):
            response = client.get(url, base_url="https://localhost")
            assert response.headers["Strict-Transport-Security"].startswith("max-age="), url
