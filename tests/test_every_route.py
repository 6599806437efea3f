"""Every route of the app, with every method, sends the security headers, to everyone.

The routes are read from `app.url_map`, so a new route is checked without editing this
file; a route with a URL variable this file has no sample for fails until one is added.
Each is requested anonymously, by a nurse and by an administrator (signed in), and with
the agency's API token, with the patient's draft in progress and sent. The embedded form may
be framed by the agency's own origins only; everything else by nobody.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from ivig_home import security
from ivig_home.agencies import api_tokens as tokens
from ivig_home.agencies import registry
from ivig_home.agencies import registry as agencies
from ivig_home.api import fhir
from ivig_home.patients import invitations
from tests.answers import answers_today
from tests.headers import assert_security_headers
from tests.images import png
from tests.patient.client import Patient, section_form
from tests.staff.support import World, post

# The URL variables of every route, and sample values that reach the page behind them
# (the draft, staff user and submission come from the test's own data).
SAMPLES: dict[str, Any] = {
    "slug": "demo",
    "section_id": "today",
    "filename": "css/base.css",
    "item_id": "kidney_problems",
    "number": 1,
    "questionnaire_id": fhir.questionnaire()["id"],
}
AGENCY_ORIGIN = "https://harbour-health.example"
FRAMED = ("embed.",)
FROM_DATA = {"draft_id", "user_id", "submission_id", "patient_id", "invitation_token",
             "invitation_id"}
DRAFT_KINDS = ("in_progress", "sent")
VISITORS = {"anonymous": None, "nurse": "nurse@demo.test", "admin": "admin@demo.test",
            "api token": None}
# Routes whose only answer is a redirect or an error. The files that may be cached (static
# files, the embed script, agency logos: no patient data) are the ones security.py lists.
# Addresses that only send the browser on: the home page, and a review form's address
# opened with GET (it goes back to the submission).
REDIRECT_ONLY = {"home", "staff.back_to_submission"}
CACHEABLE = security.CACHEABLE_ENDPOINTS
EXTRA_METHODS = ("OPTIONS", "HEAD", "DELETE")


@dataclass
class Visit:
    """One request to one route, by one visitor, and what came back."""

    visitor: str
    endpoint: str
    method: str
    url: str
    response: TestResponse


@pytest.fixture
def samples(world: World, as_user: Callable[[str | None], FlaskClient]) -> dict[str, Any]:
    """Return a draft in progress (stopped at its emergency message) and one sent, a staff
    user and a submission with its reviewed PDF, on top of the fixed samples."""
    app = world.app
    client = app.test_client()
    in_progress = Patient(app, client)
    in_progress.start()
    in_progress.complete_until("before", answers_today("emergency"))
    sent = Patient(app, client)
    sent.start()
    sent.complete_until("before", answers_today("nothing-to-flag"))
    acks = {"ack_not_decision": True, "ack_accurate": True}
    assert sent.post("confirm", section_form("confirm", acks), action="submit").status_code == 303
    nurse = as_user("nurse@demo.test")
    reviewed = post(nurse, f"/staff/submissions/{world.own['clear']}/review")
    assert reviewed.status_code == 303
    with app.app_context():
        demo = registry.get_agency("demo")
        assert demo is not None
        agencies.update_agency(demo, allowed_origins=[AGENCY_ORIGIN])
        agencies.set_logo(demo, png(), "image/png")
        token = tokens.create_token(demo, "every route")[1]
        made = invitations.invite(demo, "Ana Ruiz", "1971-04-02", "2099-01-02",
                                  actor="command line")
        invited, invitation_id = made.token, made.invitation.id
    return {**SAMPLES, "draft_id": {"in_progress": in_progress.draft_id,
                                    "sent": sent.draft_id},
            "user_id": world.own["user"], "submission_id": world.own["clear"], "token": token,
            "patient_id": world.own["patient"], "invitation_token": invited,
            "invitation_id": invitation_id}


def urls_for(rule: Rule, samples: dict[str, Any]) -> Iterator[str]:
    """Yield the URLs that reach this route: one per kind of draft when it takes a draft."""
    missing = rule.arguments - set(SAMPLES) - FROM_DATA
    assert not missing, f"add sample values for {sorted(missing)} ({rule.rule}) to SAMPLES"
    kinds = DRAFT_KINDS if "draft_id" in rule.arguments else (None,)
    for kind in kinds:
        values = {name: samples[name] for name in rule.arguments if name != "draft_id"}
        if kind:
            values["draft_id"] = samples["draft_id"][kind]
        yield rule.build(values, append_unknown=False)[1]  # type: ignore[index]


def visit_every_route(app: Flask, clients: dict[str, FlaskClient],
                      samples: dict[str, Any]) -> list[Visit]:
    """Request every route with each of its methods and a few it does not allow."""
    visits = []
    for visitor, client in clients.items():
        for rule in app.url_map.iter_rules():
            for url in urls_for(rule, samples):
                for method in sorted({*(rule.methods or ()), *EXTRA_METHODS}):
                    response = client.open(url, method=method)
                    visits.append(Visit(visitor, rule.endpoint, method, url, response))
    return visits


@pytest.fixture
def visits(world: World, as_user: Callable[[str | None], FlaskClient],
           samples: dict[str, Any]) -> list[Visit]:
    """Return every route requested by every visitor."""
    clients = {name: as_user(email) for name, email in VISITORS.items()}
    clients["api token"].environ_base["HTTP_AUTHORIZATION"] = f"Bearer {samples['token']}"
    return visit_every_route(world.app, clients, samples)


def test_every_route_and_method_sends_the_security_headers(world: World,
                                                           visits: list[Visit]) -> None:
    assert {visit.endpoint for visit in visits} == {
        rule.endpoint for rule in world.app.url_map.iter_rules()}
    assert {visit.visitor for visit in visits} == set(VISITORS)
    for visit in visits:
        where = f"{visit.visitor}: {visit.method} {visit.url} -> {visit.response.status_code}"
        assert visit.response.status_code < 500, where
        # The embedded form's pages may be framed by the agency's origins; an error met
        # before the form's view runs (a wrong method) keeps the stricter 'none'.
        framed = visit.endpoint.startswith(FRAMED) and visit.response.status_code != 405
        assert_security_headers(visit.response, where, AGENCY_ORIGIN if framed else "")
        if visit.endpoint not in CACHEABLE:
            assert visit.response.headers.get("Cache-Control") == "no-store", where


def test_every_page_is_reached_not_only_its_errors(world: World, visits: list[Visit]) -> None:
    reached = {visit.endpoint for visit in visits
               if visit.method == "GET" and visit.response.status_code == 200}
    pages = {rule.endpoint for rule in world.app.url_map.iter_rules()
             if "GET" in (rule.methods or ())}
    expected = pages - REDIRECT_ONLY
    assert expected <= reached, sorted(expected - reached)


def test_patient_data_is_never_cached(world: World, samples: dict[str, Any],
                                      as_user: Callable[[str | None], FlaskClient]) -> None:
    sent, in_progress = samples["draft_id"]["sent"], samples["draft_id"]["in_progress"]
    nurse = as_user("nurse@demo.test")
    api = world.app.test_client()
    api.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {samples['token']}"
    submission = f"/staff/submissions/{samples['submission_id']}"
    for client, url in ((world.app.test_client(), f"/a/demo/d/{sent}/summary.pdf"),
                        (world.app.test_client(), f"/a/demo/d/{sent}/sent"),
                        (world.app.test_client(), f"/a/demo/d/{in_progress}/about"),
                        (nurse, "/staff/"), (nurse, submission),
                        (nurse, f"{submission}/summary.pdf"),
                        (nurse, f"{submission}/reviewed.pdf"),
                        (api, f"/api/v1/submissions/{samples['submission_id']}"),
                        (api, f"/api/v1/submissions/{samples['submission_id']}/pdf"),
                        (api, f"/api/v1/submissions/{samples['submission_id']}/fhir"),
                        (api, "/api/v1/submissions"),
                        (api, f"/api/v1/invitations/{samples['invitation_id']}"),
                        (api, f"/fhir/QuestionnaireResponse/{samples['submission_id']}"),
                        (api, "/fhir/QuestionnaireResponse")):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store", url
        assert response.headers["Pragma"] == "no-cache", url


def test_hsts_is_sent_on_every_route_over_https(world: World, samples: dict[str, Any]) -> None:
    client = world.app.test_client()
    for rule in world.app.url_map.iter_rules():
        for url in urls_for(rule, samples):
            response = client.get(url, base_url="https://localhost",
                                  headers={"Authorization": f"Bearer {samples['token']}"})
            assert response.headers["Strict-Transport-Security"].startswith("max-age="), url
