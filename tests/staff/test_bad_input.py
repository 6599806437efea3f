"""Whatever is posted to a staff form: never a 500, and nothing already recorded is lost."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from ivig_home.db import db
from ivig_home.intake import submissions
from ivig_home.models import Submission
from ivig_home.staff import accounts, review
from tests.bad_values import TEXT, VALUES
from tests.staff.support import PASSWORD, RISK_ITEMS, World, csrf_token, post, sign_in

STAFF_CSS = re.compile(r"/static/css/staff\.[0-9a-f]{12}\.css")  # its name carries its hash

FUZZ = settings(max_examples=20, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.data_too_large])
MIB = 1024 * 1024
# Each staff form: who posts it, where, and the names of its fields.
FORMS: dict[str, tuple[str | None, str, list[str]]] = {
    "login": (None, "/staff/login", ["email", "password"]),
    "password": ("nurse@demo.test", "/staff/password", ["current", "new", "confirm"]),
    "settings": ("admin@demo.test", "/staff/settings", ["notify_email"]),
    "add nurse": ("admin@demo.test", "/staff/users", ["name", "email", "password"]),
    "turn a user off": ("admin@demo.test", "/staff/users/{user}/active", []),
    "flags, one form": ("nurse@demo.test", "/staff/submissions/{risks}/flags",
                        [f"{RISK_ITEMS[0]}-disposition", f"{RISK_ITEMS[0]}-note",
                         f"{RISK_ITEMS[1]}-listed",
                         "acknowledge", "finish"]),
    "mark reviewed": ("nurse@demo.test", "/staff/submissions/{clear}/review", []),
    "sign out": ("nurse@demo.test", "/staff/logout", []),
}


def recorded(world: World) -> dict[str, Any]:
    """Return what must survive any post: the answers, the other flag's review, the admin."""
    with world.app.app_context():
        submission = db.session.get(Submission, world.own["risks"])
        admin = accounts.find_user("admin@demo.test")
        return {"answers": submissions.submission_answers(submission),
                "other flag": review.dispositions(submission).get(RISK_ITEMS[1]),
                "admin active": admin is not None and admin.active}


@pytest.mark.parametrize("form_name", FORMS)
def test_any_post_to_a_staff_form_is_answered_and_loses_nothing(
        world: World, as_user: Callable[[str | None], FlaskClient], form_name: str) -> None:
    world.app.config["PROPAGATE_EXCEPTIONS"] = False
    nurse = as_user("nurse@demo.test")
    kept = post(nurse, f"/staff/submissions/{world.own['risks']}/flags",
                {f"{RISK_ITEMS[1]}-disposition": "escalated", f"{RISK_ITEMS[1]}-note": "Called"})
    assert kept.status_code == 303
    before = recorded(world)
    who, url, names = FORMS[form_name]
    url = url.format(**world.own)

    @FUZZ
    @given(data=st.data())
    def post_anything(data: Any) -> None:
        client = as_user(who)
        token = csrf_token(client)
        keys = st.one_of(st.sampled_from(names), TEXT) if names else TEXT
        fields = data.draw(st.lists(st.tuples(keys, VALUES), max_size=8))
        fields.append(("csrf_token", data.draw(st.sampled_from([token, token, "", "forged"]))))
        response = client.post(url, data=MultiDict(fields))
        assert response.status_code in (200, 302, 303, 400, 404, 413, 429), response.status_code
        assert recorded(world) == before

    post_anything()


@pytest.mark.parametrize("form_name", FORMS)
def test_a_staff_form_over_the_size_limit_gets_the_staff_page(
        world: World, as_user: Callable[[str | None], FlaskClient], form_name: str) -> None:
    who, url, _ = FORMS[form_name]
    client = as_user(who)
    response = client.post(url.format(**world.own),
                           data={"csrf_token": csrf_token(client), "note": "x" * 2 * MIB})
    assert response.status_code == 413
    assert "That was too much to send" in response.get_data(as_text=True)
    assert STAFF_CSS.search(response.get_data(as_text=True))


def test_a_replayed_sign_in_and_review_are_answered_cleanly(
        world: World, as_user: Callable[[str | None], FlaskClient]) -> None:
    client = world.app.test_client()
    token = csrf_token(client)
    form = {"email": "nurse@demo.test", "password": PASSWORD, "csrf_token": token}
    assert client.post("/staff/login", data=form).status_code == 303
    # Signing in starts a new session, so the old form's token is refused, in plain words.
    replayed = client.post("/staff/login", data=form)
    assert replayed.status_code == 400
    assert "This form could not be used" in replayed.get_data(as_text=True)
    nurse = as_user("nurse@demo.test")
    url = f"/staff/submissions/{world.own['clear']}/review"
    token = csrf_token(nurse)
    assert nurse.post(url, data={"csrf_token": token}).status_code == 303
    again = nurse.post(url, data={"csrf_token": token}, follow_redirects=True)
    assert again.status_code == 200
    assert "already marked reviewed" in again.get_data(as_text=True)
    assert sign_in(world.app.test_client(), "admin@demo.test").status_code == 303


def test_staff_errors_outside_the_blueprint_get_the_staff_pages(
        world: World, as_user: Callable[[str | None], FlaskClient]) -> None:
    world.app.config["PROPAGATE_EXCEPTIONS"] = False

    def boom() -> str:
        raise RuntimeError("a fault on our side")

    world.app.add_url_rule("/staff/probe/boom", "staff_probe_boom", boom)
    nurse = as_user("nurse@demo.test")
    for response, status, title in ((nurse.put("/staff/"), 405, "This page cannot do that"),
                                    (nurse.get("/staff/probe/boom"), 500,
                                     "Something went wrong")):
        page = response.get_data(as_text=True)
        assert response.status_code == status
        assert f"<h1>{title}</h1>" in page and STAFF_CSS.search(page)
        assert "Go to the queue" in page and "Traceback" not in page
