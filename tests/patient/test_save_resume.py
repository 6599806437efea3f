"""Save and come back later: the resume code, the date of birth check, limits and expiry."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ivig_home.agencies.registry import DEMO_AGENCY
from ivig_home.db import db
from ivig_home.models import Draft
from tests.patient.client import Patient, clean, section_form, token_in

CODE = re.compile(r'<span aria-hidden="true">([A-Z0-9]{4}-[A-Z0-9]{4})</span>')
UNCLEAR = set("0O1IL5S2Z8B")


def save_and_leave(patient: Patient, section_id: str, answers: dict[str, Any]) -> str:
    """Press 'Save and come back later' on a step; return the resume code shown."""
    page = patient.post(section_id, section_form(section_id, answers), action="save")
    assert page.status_code == 200, page.text
    match = CODE.search(page.text)
    assert match, page.text
    return match.group(1)


def resume(client: FlaskClient, code: str, birth: str, slug: str = "demo") -> Any:
    page = client.get(f"/a/{slug}/resume")
    day = date.fromisoformat(birth)
    return client.post(f"/a/{slug}/resume", data={
        "csrf_token": token_in(page.text), "code": code, "date_of_birth-day": str(day.day),
        "date_of_birth-month": str(day.month), "date_of_birth-year": str(day.year)})


def test_saving_gives_a_code_easy_to_read_aloud_and_a_resume_link(patient: Patient) -> None:
    patient.complete_until("about", clean())
    page = patient.post("today", section_form("today", clean()), action="save")
    code = CODE.search(page.text).group(1)
    assert not UNCLEAR & set(code.replace("-", ""))
    spelled = " ".join(code[:4]) + ", " + " ".join(code[5:])
    assert f'<span class="visually-hidden">{spelled}</span>' in page.text
    assert f"http://localhost/a/demo/resume?code={code}" in page.text
    assert patient.answers()["breathing_trouble_now"] == "no"
    assert patient.draft().step == "today"


@pytest.mark.parametrize("typed", [str.lower, lambda c: c.replace("-", " "),
                                   lambda c: f"  {c.replace('-', '')} "],
                         ids=["lower case", "spaces", "no dash"])
def test_the_code_and_date_of_birth_continue_where_the_patient_stopped(
        client: FlaskClient, patient: Patient, typed: Any) -> None:
    patient.complete_until("today", clean())
    code = save_and_leave(patient, "treatment", clean())
    response = resume(client, typed(code), clean()["date_of_birth"])
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/d/{patient.draft_id}/treatment")


@pytest.mark.parametrize(("code", "birth"), [
    ("RIGHT", "1971-04-03"),
    ("KKKK-KKKK", "1971-04-02"),
])
def test_a_wrong_code_or_date_of_birth_does_not_open_the_draft(
        client: FlaskClient, patient: Patient, code: str, birth: str) -> None:
    patient.complete_until("about", clean())
    right = save_and_leave(patient, "today", clean())
    response = resume(client, right if code == "RIGHT" else code, birth)
    assert response.status_code == 200
    assert "We could not find a saved checklist with that code and date of birth" in response.text
    assert "<title>Error:" in response.text
    assert patient.draft_id not in response.text


def test_the_resume_link_fills_in_the_code(client: FlaskClient) -> None:
    page = client.get("/a/demo/resume?code=K7TD-MR4Q")
    assert 'value="K7TD-MR4Q"' in page.text
    assert 'autocomplete="bday-day"' in page.text


def test_the_resume_form_says_what_is_missing(client: FlaskClient) -> None:
    page = client.get("/a/demo/resume")
    response = client.post("/a/demo/resume", data={"csrf_token": token_in(page.text)})
    assert "Enter the code you were given when you saved" in response.text
    assert "Enter the date of birth as month, day and year" in response.text


def test_the_resume_form_gives_a_day_first_example_and_says_the_order(
        client: FlaskClient) -> None:
    page = client.get("/a/demo/resume")
    assert "For example, 3 27 1958." in page.text  # month first: the demo agency is en-US
    assert "2 4 1958" not in page.text
    response = client.post("/a/demo/resume", data={
        "csrf_token": token_in(page.text), "code": "K7TD-MR4Q", "date_of_birth-day": "12",
        "date_of_birth-month": "25", "date_of_birth-year": "1960"})
    assert ("Put the month first, then the day: the month of the date of birth must be "
            "1 to 12") in response.text
    assert 'value="25"' in response.text


def test_the_resume_form_needs_its_token(client: FlaskClient) -> None:
    response = client.post("/a/demo/resume", data={"code": "K7TD-MR4Q"})
    assert response.status_code == 400
    assert 'value="K7TD-MR4Q"' in response.text


def test_saving_before_the_date_of_birth_asks_for_it(patient: Patient) -> None:
    data = section_form("about", clean())
    for part in ("day", "month", "year"):
        del data[f"date_of_birth-{part}"]
    page = patient.post("about", data, action="save")
    assert page.status_code == 400
    assert "You need it to come back later" in page.text
    assert "Enter the patient name" not in page.text
    assert 'value="Ana Ruiz"' in page.text


def test_a_saved_draft_is_kept_until_the_day_after_the_planned_infusion(
        patient: Patient) -> None:
    planned = date.today() + timedelta(days=5)
    answers = clean(planned_infusion_date=planned.isoformat())
    patient.complete_until("about-who", answers, step=True)
    page = patient.post("about-contact", section_form("about-contact", answers), action="save")
    kept_until = planned + timedelta(days=1)
    assert f"Your answers are kept until {kept_until:%B} {kept_until.day}, {kept_until.year}" \
           in page.text
    # Midnight after the day after, on the agency's own clock.
    assert patient.draft().expires_at == datetime.combine(
        planned + timedelta(days=2), time(), ZoneInfo(DEMO_AGENCY["time_zone"]))


def test_an_expired_draft_cannot_be_opened_or_resumed(app: Flask, client: FlaskClient,
                                                      patient: Patient) -> None:
    patient.complete_until("about", clean())
    code = save_and_leave(patient, "today", clean())
    with app.app_context():
        draft = db.session.get(Draft, patient.draft_id)
        draft.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        db.session.commit()
    page = patient.get("today")
    assert page.status_code == 404
    assert "the link may have ended" in page.text
    assert resume(client, code, clean()["date_of_birth"]).status_code == 200


def test_guessing_codes_is_limited_with_a_clear_page(patient_app: Any) -> None:
    client = patient_app(RESUME_RATE_LIMIT="3 per minute").test_client()
    for _ in range(3):
        assert resume(client, "KKKK-KKKK", "1971-04-02").status_code == 200
    response = resume(client, "KKKK-KKKK", "1971-04-02")
    assert response.status_code == 429
    assert "Please wait a minute" in response.text
    assert "Your saved answers are safe" in response.text


def test_after_the_call_911_page_the_patient_can_save_and_come_back(
        client: FlaskClient, patient: Patient) -> None:
    """A patient who leaves to call 911 gets a code on the help-now page and, with it and the
    date of birth, comes back to the step after it."""
    patient.complete_until("about", clean())
    patient.answer("today", clean(breathing_trouble_now="yes"))
    page = patient.get("help-now/today").text
    assert 'name="action" value="save"' in page and "Save and come back later" in page
    saved = patient.post("help-now/today", {}, action="save")
    assert saved.status_code == 200
    code = CODE.search(saved.text).group(1)
    assert f"http://localhost/a/demo/resume?code={code}" in saved.text
    assert f'href="/a/demo/d/{patient.draft_id}/help-now/today"' in saved.text
    response = resume(client, code, clean()["date_of_birth"])
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/d/{patient.draft_id}/today-swallowing")
    assert patient.answers()["breathing_trouble_now"] == "yes"
