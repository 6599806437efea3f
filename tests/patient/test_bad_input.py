"""Whatever is posted to a step, the start or the resume page: never a 500, nothing saved lost.

The steps are fuzzed on the site (/a/...) and in the embedded form (/embed/...).

Runs on SQLite and, when IVIG_HOME_TEST_POSTGRES is set, on PostgreSQL, whose text columns
refuse some input SQLite takes (a NUL character).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from ivig_home.agencies import registry
from ivig_home.checklist import is_asked, load
from ivig_home.intake import drafts
from ivig_home.patient.csrf import draft_token
from tests.answers import answers_today
from tests.bad_values import TEXT, VALUES
from tests.patient.client import section_form

SECTIONS = [section.id for section in load().sections]
ITEMS = load().items
MIB = 1024 * 1024
FUZZ = settings(max_examples=25, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.data_too_large])


def field_names(section_id: str) -> list[str]:
    """Return every name a step's form posts, date parts included."""
    names = ["shown", "action", "csrf_token", "help_now_seen"]
    for item in next(s for s in load().sections if s.id == section_id).items:
        names += ([f"{item.id}-{part}" for part in ("day", "month", "year")]
                  if item.type == "date" else [item.id])
    return names


@st.composite
def posted_forms(draw: Any, section_id: str, token: str,
                 version: str = "") -> MultiDict[str, str]:
    """Return a step's form: the real one with fields dropped, added, repeated and changed.

    Its action is any of the step's buttons (Back too), a background save, or nonsense; it
    may name help-now messages as seen, known or not."""
    real = MultiDict(section_form(section_id, answers_today("clinical-risk-factors")))
    real.setlist("csrf_token", [draw(st.sampled_from([token, token, token, "", "forged"]))])
    real.setlist("action", [draw(st.sampled_from(
        ["continue", "save", "submit", "back", "autosave", "autosave", "", "x"]))])
    real.setlist("autosave_version", [draw(st.sampled_from([version, version, "", "stale"]))])
    real.setlist("help_now_seen", [draw(st.sampled_from(
        ["emergency", "urgent", "urgent,emergency", "", "Emergency", "x"]))])
    pairs = [pair for pair in real.items(multi=True) if draw(st.booleans()) or
             pair[0] == "csrf_token"]
    keys = st.one_of(st.sampled_from(field_names(section_id)), TEXT)
    pairs += draw(st.lists(st.tuples(keys, VALUES), max_size=12))
    return MultiDict(draw(st.permutations(pairs)))


def new_draft(app: Flask, filled: bool) -> tuple[str, dict[str, Any], str]:
    """Make a draft, empty or holding a whole checklist's answers; return its id, answers and
    the version a background save must name."""
    with app.app_context():
        draft = drafts.start_draft(registry.ensure_demo_agency())
        answers = answers_today("clinical-risk-factors") if filled else {}
        if filled:
            drafts.save_draft(draft, answers, "confirm")
        return draft.id, answers, drafts.answers_version(draft)


def saved_answers(app: Flask, draft_id: str) -> dict[str, Any]:
    """Read the draft's answers back through the store."""
    with app.app_context():
        draft = drafts.get_draft(draft_id)
        assert draft is not None
        return drafts.draft_answers(draft)


def assert_nothing_lost(before: dict[str, Any], after: dict[str, Any], section_id: str,
                        refused: bool) -> None:
    """Check no saved answer was lost: refused posts change nothing, others only this step."""
    if refused:
        assert after == before
        return
    own = {item.id for item in next(s for s in load().sections if s.id == section_id).items}
    for key, value in before.items():
        if key in own:
            continue
        if key in after:
            assert after[key] == value, key
        else:
            assert not is_asked(ITEMS[key], after), f"{key} was lost"


@pytest.mark.parametrize("mount", ["a", "embed"])
@pytest.mark.parametrize("section_id", SECTIONS)
def test_any_post_to_a_step_is_answered_and_loses_nothing(db_app: Flask, section_id: str,
                                                          mount: str) -> None:
    client = db_app.test_client()
    db_app.config["PROPAGATE_EXCEPTIONS"] = False

    @FUZZ
    @given(filled=st.booleans(), data=st.data())
    def post_anything(filled: bool, data: Any) -> None:
        draft_id, before, version = new_draft(db_app, filled)
        with db_app.app_context():
            token = draft_token(draft_id)
        form = data.draw(posted_forms(section_id, token, version))
        response = client.post(f"/{mount}/demo/d/{draft_id}/{section_id}", data=form)
        event(f"answered {response.status_code}")
        assert response.status_code in (200, 204, 303, 400, 413), response.status_code
        refused = response.status_code in (400, 413) or "X-Autosave-Refused" in response.headers
        assert_nothing_lost(before, saved_answers(db_app, draft_id), section_id,
                            refused=refused)

    post_anything()


@pytest.mark.parametrize("section_id", SECTIONS)
def test_a_body_over_the_limit_is_refused_and_loses_nothing(db_app: Flask,
                                                            section_id: str) -> None:
    draft_id, before, _ = new_draft(db_app, filled=True)
    with db_app.app_context():
        token = draft_token(draft_id)
    form = {**section_form(section_id, {}), "csrf_token": token, "patient_name": "x" * 2 * MIB}
    response = db_app.test_client().post(f"/a/demo/d/{draft_id}/{section_id}", data=form)
    assert response.status_code == 413
    assert "That was too much to send at once" in response.text
    assert saved_answers(db_app, draft_id) == before


def test_an_answer_just_under_the_limit_gets_a_message(db_app: Flask) -> None:
    draft_id, before, _ = new_draft(db_app, filled=True)
    with db_app.app_context():
        token = draft_token(draft_id)
    form = {**section_form("about", before), "csrf_token": token,
            "patient_name": "Ana " * 200_000, "action": "continue"}
    response = db_app.test_client().post(f"/a/demo/d/{draft_id}/about", data=form)
    assert response.status_code == 400
    assert "must be 200 characters or fewer" in response.text
    assert saved_answers(db_app, draft_id) == before


@FUZZ
@given(form=st.lists(st.tuples(st.sampled_from(
    ["code", "date_of_birth-day", "date_of_birth-month", "date_of_birth-year", "csrf_token"]),
    VALUES), max_size=10))
def test_any_post_to_the_resume_page_is_answered(db_app: Flask,
                                                 form: list[tuple[str, str]]) -> None:
    db_app.config.update(RESUME_RATE_LIMIT="100000 per minute", PROPAGATE_EXCEPTIONS=False)
    client = db_app.test_client()
    response = client.post("/a/demo/resume", data=MultiDict(form))
    assert response.status_code in (200, 400, 413)
    assert any(title in response.text for title in (
        "Continue your checklist", "That was too much to send at once",
        "Something went wrong with that page"))


@FUZZ
@given(form=st.lists(st.tuples(st.one_of(st.just("csrf_token"), TEXT), VALUES), max_size=6))
def test_any_post_to_the_start_page_is_answered(db_app: Flask,
                                                form: list[tuple[str, str]]) -> None:
    db_app.config.update(START_RATE_LIMIT="100000 per minute", PROPAGATE_EXCEPTIONS=False)
    response = db_app.test_client().post("/a/demo/", data=MultiDict(form))
    assert response.status_code in (400, 413)
    assert any(title in response.text for title in (
        "Your answers on that page were not sent", "That was too much to send at once",
        "Something went wrong with that page"))


@FUZZ
@given(slug=TEXT, draft_id=TEXT, page=TEXT, method=st.sampled_from(["GET", "POST"]))
def test_any_address_is_answered(db_app: Flask, slug: str, draft_id: str, page: str,
                                 method: str) -> None:
    db_app.config["PROPAGATE_EXCEPTIONS"] = False
    url = "/a/" + "/".join(quote(part, safe="") for part in (slug, "d", draft_id, page))
    response = db_app.test_client().open(url, method=method)
    assert response.status_code in (303, 308, 400, 404), (url, response.status_code)
