"""Who may open what: every staff route, for nobody, each agency's nurse and administrator.

- Nobody signed in: redirected to the sign-in page.
- Staff of another agency: 404 for anything of this agency (it does not reveal it exists);
  pages that are about "my agency" show their own agency's data, never this one's.
- A nurse: 403 on the administrator pages (staff accounts, audit log, settings).
- This agency's nurse and administrator: the page (200) or the form's redirect (303).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from ivig_home.checklist import assess
from ivig_home.db import db
from ivig_home.intake.pdf import assessment_of
from ivig_home.models import Agency, FlagReview, StaffUser, Submission
from ivig_home.staff import accounts, review
from tests.answers import example
from tests.staff.support import PASSWORD, World, csrf_token

FIRST_RISK = assess(example("clinical-risk-factors")).flags[0].item.id
ROLES = {
    "nobody": None,
    "other nurse": "nurse@harbour.test",
    "other admin": "admin@harbour.test",
    "nurse": "nurse@demo.test",
    "admin": "admin@demo.test",
}


@dataclass(frozen=True)
class Route:
    """A staff route; `scope` says whose it is: own (this agency's), page, admin, admin_own."""

    method: str
    path: str
    scope: str
    data: dict[str, str] = field(default_factory=dict)
    prepare: Callable[[World], None] | None = None
    # A POST that answers with a page (a secret shown once) rather than a redirect.
    shows_page: bool = False
    # A GET that sends the browser on (a review form's address goes back to the submission).
    redirects: bool = False


def _file_review(world: World) -> None:
    with world.app.app_context():
        submission = db.session.get(Submission, world.own["clear"])
        admin = db.session.scalar(db.select(StaffUser).where(StaffUser.email == "admin@demo.test"))
        review.mark_reviewed(submission, assessment_of(submission), admin, None)


def _file_and_reopen(world: World) -> None:
    """File the review, re-open it and file it again: review 1 is an earlier, re-opened one."""
    _file_review(world)
    with world.app.app_context():
        submission = db.session.get(Submission, world.own["clear"])
        admin = db.session.scalar(db.select(StaffUser).where(StaffUser.email == "admin@demo.test"))
        review.reopen_review(submission, "Filed too early.", admin, None)
        review.mark_reviewed(submission, assessment_of(submission), admin, None)


ROUTES = [
    Route("GET", "/staff/", "page"),
    Route("GET", "/staff/submissions/{risks}", "own"),
    Route("GET", "/staff/submissions/{risks}/summary.pdf", "own"),
    Route("GET", "/staff/submissions/{clear}/reviewed.pdf", "own", prepare=_file_review),
    Route("POST", "/staff/submissions/{risks}/flags", "own",
          {f"{FIRST_RISK}-disposition": "acknowledged", f"{FIRST_RISK}-note": "Called."}),
    Route("POST", "/staff/submissions/{clear}/review", "own"),
    Route("POST", "/staff/submissions/{clear}/reopen", "own",
          {"reason": "The wrong box was ticked."}, prepare=_file_review),
    Route("GET", "/staff/submissions/{clear}/reviewed/1.pdf", "own", prepare=_file_and_reopen),
    Route("GET", "/staff/submissions/{risks}/flags", "own", redirects=True),
    Route("GET", "/staff/submissions/{clear}/review", "own", redirects=True),
    Route("GET", "/staff/submissions/{clear}/reopen", "own", redirects=True),
    Route("GET", "/staff/patients", "page"),
    Route("GET", "/staff/patients/{patient}", "own"),
    Route("POST", "/staff/patients/{patient}/invitations", "own",
          {"infusion_date": "2099-01-02"}, shows_page=True),
    Route("POST", "/staff/submissions/{risks}/patient", "own"),
    Route("POST", "/staff/submissions/{risks}/patient/split", "own"),
    Route("GET", "/staff/password", "page"),
    Route("POST", "/staff/password", "page",
          {"current": PASSWORD, "new": "a brand new passphrase", "confirm":
           "a brand new passphrase"}),
    Route("POST", "/staff/logout", "page"),
    Route("GET", "/staff/users", "admin"),
    Route("POST", "/staff/users", "admin",
          {"name": "New Nurse", "email": "new@example.test", "password": "twelve chars ok"}),
    Route("POST", "/staff/users/{user}/active", "admin_own"),
    Route("GET", "/staff/users/{user}/password", "admin_own"),
    Route("POST", "/staff/users/{user}/password", "admin_own",
          {"new": "a password the admin set", "confirm": "a password the admin set"}),
    Route("GET", "/staff/audit", "admin"),
    Route("GET", "/staff/settings", "admin"),
    Route("POST", "/staff/settings", "admin", {"notify_email": "desk@example.test"}),
    Route("GET", "/staff/agency", "admin"),
    Route("POST", "/staff/agency", "admin",
          {"name": "Demo Home Health", "phone": "555-0100", "colour": "#1d4f91",
           "allowed_origins": "https://www.demo.example", "webhook_url": ""}),
    Route("POST", "/staff/agency/webhook-secret", "admin", shows_page=True),
]


def expected_status(route: Route, role: str) -> int:
    """Return the status a role gets on a route (see the module docstring)."""
    ok = 303 if (route.method == "POST" and not route.shows_page) or route.redirects else 200
    if role == "nobody":
        return 302
    if route.scope == "own":
        return 404 if role.startswith("other") else ok
    if route.scope == "page":
        return ok
    if not role.endswith("admin"):
        return 403
    if route.scope == "admin_own" and role.startswith("other"):
        return 404
    return ok


def _request(client: FlaskClient, route: Route, world: World) -> Any:
    path = route.path.format(**world.own)
    if route.method == "GET":
        return client.get(path)
    return client.post(path, data={"csrf_token": csrf_token(client), **route.data})


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_access_matrix(route: Route, role: str, world: World,
                       as_user: Callable[[str | None], FlaskClient]) -> None:
    if route.prepare:
        route.prepare(world)
    client = as_user(ROLES[role])
    response = _request(client, route, world)
    assert response.status_code == expected_status(route, role), response.get_data(as_text=True)
    body = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
    if role == "nobody":
        assert response.headers["Location"].startswith("/staff/login")
    if role.startswith("other") or role == "nobody":
        # Nothing of this agency shows: not its patients, references, staff or name.
        with world.app.app_context():
            references = [db.session.get(Submission, world.own[key]).reference
                          for key in ("emergency", "risks", "clear")]
        for secret in ["Mei Chen", "Ana Ruiz", "nurse@demo.test", "Demo Home Health",
                       *references]:
            assert secret not in body
    if route.method == "POST" and role.startswith("other") and route.scope != "page":
        with world.app.app_context():
            assert db.session.get(Agency, world.own["agency"]).notify_email is None
            assert db.session.get(StaffUser, world.own["user"]).active
            assert accounts.sign_in("second@demo.test", PASSWORD, None).outcome == "ok"
    assert response.headers["Cache-Control"] == "no-store"


def test_every_staff_route_is_in_the_matrix(world: World) -> None:
    rules = {(method, rule.rule) for rule in world.app.url_map.iter_rules()
             if rule.endpoint.startswith("staff.") and rule.endpoint != "staff.login"
             for method in rule.methods - {"HEAD", "OPTIONS"}}
    covered = {(route.method, _as_rule(route.path)) for route in ROUTES}
    assert rules == covered


def _as_rule(path: str) -> str:
    return (path.replace("{risks}", "<submission_id>").replace("{clear}", "<submission_id>")
            .replace("/" + FIRST_RISK, "/<item_id>").replace("{user}", "<int:user_id>")
            .replace("{patient}", "<patient_id>")
            .replace("/reviewed/1.pdf", "/reviewed/<int(min=1, max=9999):number>.pdf"))


@pytest.mark.parametrize("path", [
    "/staff/submissions/no-such-id", "/staff/submissions/no-such-id/summary.pdf",
    "/staff/submissions/no-such-id/reviewed.pdf", "/staff/submissions/no-such-id/reviewed/1.pdf",
])
def test_an_unknown_submission_is_the_same_404_as_another_agencys(
        path: str, world: World, as_user: Callable[[str | None], FlaskClient]) -> None:
    client = as_user("nurse@demo.test")
    unknown = client.get(path)
    other = client.get(path.replace("no-such-id", world.other["risks"]))
    assert unknown.status_code == other.status_code == 404
    assert unknown.get_data() == other.get_data()
    assert "Page not found" in unknown.get_data(as_text=True)


def test_a_flag_the_submission_does_not_have_is_not_recorded(
        world: World, as_user: Callable[[str | None], FlaskClient]) -> None:
    client = as_user("nurse@demo.test")
    response = client.post(f"/staff/submissions/{world.own['clear']}/flags",
                           data={"csrf_token": csrf_token(client),
                                 "kidney_problems-disposition": "acknowledged"})
    assert response.status_code == 303
    with world.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(FlagReview)) == 0


@pytest.mark.parametrize("path,data", [
    ("/staff/login", {"email": "nurse@demo.test", "password": PASSWORD}),
    ("/staff/logout", {}),
    ("/staff/submissions/{risks}/review", {}),
    ("/staff/submissions/{risks}/reopen", {"reason": "A forged request."}),
    ("/staff/settings", {"notify_email": "x@example.test"}),
    ("/staff/agency", {"name": "Changed", "phone": "555-0100", "colour": "#1d4f91"}),
    ("/staff/agency/webhook-secret", {}),
])
@pytest.mark.parametrize("token", ["missing", "forged"])
def test_every_staff_form_refuses_a_missing_or_forged_csrf_token(
        path: str, data: dict[str, str], token: str, world: World,
        as_user: Callable[[str | None], FlaskClient]) -> None:
    client = as_user(None if path == "/staff/login" else "admin@demo.test")
    sent = dict(data, **({"csrf_token": "forged." + "x" * 40} if token == "forged" else {}))
    response = client.post(path.format(**world.own), data=sent)
    assert response.status_code == 400
    assert "This form could not be used" in response.get_data(as_text=True)
    with world.app.app_context():
        assert db.session.get(Agency, world.own["agency"]).notify_email is None
        assert db.session.get(Submission, world.own["risks"]).status == "new"
