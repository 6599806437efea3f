"""Agencies, staff accounts and submissions for the staff tests, made through the store."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from ivig_home.agencies import registry
from ivig_home.checklist import assess
from ivig_home.db import db
from ivig_home.intake import drafts, submissions
from ivig_home.models import Agency, Submission
from ivig_home.patients.matching import patient_ids_of
from ivig_home.staff import accounts
from tests.answers import example

PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
# Fast hashing and no Secure flag (the test client and the browser speak plain HTTP).
STAFF_CONFIG = {"PASSWORD_HASH_PROFILE": "cheapest", "SESSION_COOKIE_SECURE": False,
                "STAFF_LOGIN_RATE_LIMIT": "1000 per minute"}
# The items the clinical-risk-factors example flags, in the order the review page lists them.
RISK_ITEMS = [flag.item.id for flag in assess(example("clinical-risk-factors")).flags]
NOTE = "Spoke with Mr P. on the phone; creatinine from last week is fine."


def agency(slug: str, name: str) -> Agency:
    """Return a new agency."""
    made = Agency(slug=slug, name=name, phone="555-0199", allowed_origins=[])
    db.session.add(made)
    db.session.commit()
    return made


def submit_for(to: Agency, name: str = "nothing-to-flag", *, minutes_ago: int = 0,
               shown: tuple[str, ...] = (), **changes: Any) -> Submission:
    """Return a submission of an agency from an example's answers, received minutes ago.

    `shown` names the messages (emergency, urgent) the patient saw while filling it in.
    """
    document = example(name)
    document["answers"].update(changes)
    draft = drafts.start_draft(to)
    drafts.save_draft(draft, document["answers"], "confirm")
    for severity in shown:
        drafts.mark_message_shown(draft, severity)
    submission = submissions.submit_draft(draft, assess(document))
    if minutes_ago:
        db.session.execute(update(Submission).where(Submission.id == submission.id).values(
            created_at=submission.created_at - timedelta(minutes=minutes_ago)))
        db.session.commit()
        db.session.refresh(submission)
    return submission


@dataclass
class World:
    """Two agencies, their staff and submissions: what every staff test starts from."""

    app: Flask
    own: dict[str, Any]
    other: dict[str, Any]


def build_world(app: Flask) -> World:
    """Fill a fresh app with agency A (demo: a nurse, an admin, 3 submissions) and agency B."""
    with app.app_context():
        demo = registry.ensure_demo_agency()
        harbour = agency("harbour", "Harbour Home Infusion")
        for email, role, name in (("nurse@demo.test", "nurse", "Jo Rivera"),
                                  ("admin@demo.test", "admin", "Ada Okafor"),
                                  ("second@demo.test", "nurse", None)):
            accounts.create_user(demo, email, role, PASSWORD, name)
        accounts.create_user(harbour, "nurse@harbour.test", "nurse", PASSWORD, "Sam Lee")
        accounts.create_user(harbour, "admin@harbour.test", "admin", PASSWORD, None)
        own = {"emergency": submit_for(demo, "emergency", minutes_ago=30,
                                       shown=("emergency",)).id,
               "risks": submit_for(demo, "clinical-risk-factors", minutes_ago=20).id,
               "clear": submit_for(demo, "nothing-to-flag", minutes_ago=10).id,
               "agency": demo.id,
               "user": accounts.find_user("second@demo.test").id}  # type: ignore[union-attr]
        own["patient"] = patient_ids_of([own["risks"]])[own["risks"]]
        other = {"risks": submit_for(harbour, "clinical-risk-factors").id,
                 "agency": harbour.id,
                 "user": accounts.find_user("nurse@harbour.test").id}  # type: ignore[union-attr]
    return World(app, own, other)


def csrf_token(client: FlaskClient) -> str:
    """Return the session's CSRF token, read from a staff page as a browser would."""
    page = client.get("/staff/login")
    if page.status_code == 302:
        page = client.get("/staff/password")
    found = CSRF.search(page.get_data(as_text=True))
    assert found, "no CSRF token on the page"
    return found.group(1)


def post(client: FlaskClient, url: str, data: dict[str, Any] | None = None,
         **kwargs: Any) -> Any:
    """Post a staff form with the session's CSRF token."""
    return client.post(url, data={"csrf_token": csrf_token(client), **(data or {})}, **kwargs)


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD) -> Any:
    """Sign in through the login form; return the response."""
    return post(client, "/staff/login", {"email": email, "password": password})


def record_flag(client: FlaskClient, world: World, item: str, disposition: str | list[str],
                note: str = "") -> Any:
    """Record what was done about one flagged item of agency A's risks submission, through
    the page's one form with that item alone filled in (a list ticks several boxes)."""
    return post(client, f"/staff/submissions/{world.own['risks']}/flags",
                {f"{item}-disposition": disposition, f"{item}-note": note})


def review_everything(client: FlaskClient, world: World) -> None:
    """Record a disposition for every flagged item of agency A's risks submission."""
    for number, item in enumerate(RISK_ITEMS):
        choice = ("acknowledged", "contacted_patient", "escalated", "not_applicable")[number % 4]
        assert record_flag(client, world, item, choice,
                           NOTE if number == 0 else "").status_code == 303
