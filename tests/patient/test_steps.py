"""The steps of the patient checklist through the test client: order, errors, conditions."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ivig_home.checklist import NOT_A_DECISION_PATIENT, load, steps
from tests.patient.client import Patient, clean, section_form, token_in

STEP_TITLES = [(n, s.id, s.title) for n, s in enumerate(steps.sections(), start=1)]
TOTAL = len(STEP_TITLES)


def test_the_start_page_names_the_agency_and_its_phone(client: FlaskClient) -> None:
    page = client.get("/a/demo/")
    assert page.status_code == 200
    assert "Demo Home Health" in page.text and 'href="tel:555-0100"' in page.text
    assert NOT_A_DECISION_PATIENT in page.text
    assert page.headers["Cache-Control"] == "no-store"
    assert client.get("/").headers["Location"].endswith("/a/demo/")


def test_an_unknown_agency_gets_a_patient_error_page(client: FlaskClient) -> None:
    page = client.get("/a/no-such-agency/")
    assert page.status_code == 404
    assert "This page cannot be found" in page.text


def test_each_step_names_its_place_and_leads_to_the_next(patient: Patient) -> None:
    """Every step in order, with answers that ask every follow-up question; the count
    of steps is the one the pages say."""
    answers = clean() | {"prior_problems": "yes", "prior_reactions": ["headache"],
                         "split_dose_discussed": "yes"}
    for number, section_id, title in STEP_TITLES[:-1]:
        page = patient.get(section_id)
        assert page.status_code == 200
        assert f"Step {number} of {TOTAL}: {title}" in _text(page.text)
        assert page.headers["Cache-Control"] == "no-store"
        response = patient.answer(section_id, answers)
        assert response.status_code == 303
        following = STEP_TITLES[number][1]
        assert response.headers["Location"].endswith(f"/{following}")
    assert patient.draft().step == "confirm"


def test_a_step_that_asks_nothing_is_passed_over(patient: Patient) -> None:
    """No problems with past infusions: the step of past reactions and the split dose is
    never shown; Continue goes past it."""
    patient.complete_until("treatment", clean(), step=True)
    response = patient.answer("treatment-before", clean(prior_problems="no"))
    assert response.headers["Location"].endswith("/treatment-last")


def test_the_long_sections_are_split_keeping_every_item_in_order() -> None:
    by_section = [item.id for step in steps.sections() for item in step.items]
    assert by_section == [item for section in load().sections for item in
                          (i.id for i in section.items)]
    sizes = {section.id: sum(1 for step in steps.sections() if step.section is section)
             for section in load().sections}
    assert sizes["today"] >= 3 and sizes["history"] >= 3  # 7 and 11 questions before
    assert all(len(step.items) <= 4 for step in steps.sections())


def test_a_step_cannot_be_opened_before_the_ones_before_it_are_done(patient: Patient) -> None:
    response = patient.get("history")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/about")
    assert patient.get("confirm").headers["Location"].endswith("/about")


def test_back_leads_to_the_previous_step_with_its_answers(patient: Patient) -> None:
    patient.complete_until("today", clean())
    page = patient.get("treatment")
    assert 'name="action" value="back" class="back-link back-link--button">Back</button>' \
        in page.text
    response = patient.post("treatment", {}, action="back")
    assert response.headers["Location"].endswith(f'{patient.url("today-infection")}')
    today = patient.get("today-infection").text
    assert 'value="no" checked' in today


def test_an_error_keeps_what_was_entered_and_saves_nothing(patient: Patient) -> None:
    data = section_form("about", clean())
    del data["patient_name"]
    data["date_of_birth-month"] = "13"
    response = patient.post("about", data)
    assert response.status_code == 400
    assert f"<title>Error: Step 1 of {TOTAL}: About you" in response.text
    assert 'href="#date_of_birth-month"' in response.text  # the first box (en-US)
    assert 'href="#patient_name"' in response.text
    assert ("Put the month first, then the day: the month of the date of birth must be "
            "1 to 12") in response.text
    assert "Enter the patient name" in response.text
    assert 'value="13"' in response.text
    assert patient.answers() == {}


@pytest.mark.parametrize("token", [None, "", "0" * 64], ids=["missing", "empty", "wrong"])
def test_a_step_without_its_form_token_is_refused_and_nothing_saved_is_lost(
        patient: Patient, token: str | None) -> None:
    patient.complete_until("about", clean())
    before = patient.answers()
    data = section_form("today", clean() | {"breathing_trouble_now": "yes"})
    data["action"] = "continue"
    if token is not None:
        data["csrf_token"] = token
    response = patient.client.post(patient.url("today"), data=data)
    assert response.status_code == 400
    assert "Your answers on that page were not sent" in response.text
    assert "The answers you saved before are kept" in response.text
    assert f'href="{patient.url("today")}"' in response.text
    assert patient.answers() == before


def test_a_token_from_another_draft_is_refused(app: Flask, client: FlaskClient,
                                               patient: Patient) -> None:
    other = Patient(app, client)
    other.start()
    token = token_in(other.get("about").text)
    response = patient.post("about", section_form("about", clean()), token=token)
    assert response.status_code == 400
    assert patient.answers() == {}


def test_the_start_form_needs_its_token(client: FlaskClient) -> None:
    assert client.post("/a/demo/", data={}).status_code == 400
    assert client.post("/a/demo/", data={"csrf_token": "forged"}).status_code == 400


def test_a_follow_up_appears_on_the_same_page_after_continue(patient: Patient) -> None:
    answers = clean()
    patient.complete_until("today", answers)
    patient.answer("treatment", answers)
    first = {"shown": ["supervised_infusions"], "supervised_infusions": "6"}
    page = patient.post("treatment-before", first)
    assert page.status_code == 200
    assert "A new question appeared" in page.text
    assert 'id="question-prior_problems"' in page.text
    assert 'id="question-prior_problems" data-when-item="supervised_infusions"' \
           ' data-when-at-least="1">' in page.text
    assert 'value="6"' in page.text
    assert "supervised_infusions" not in patient.answers()
    assert patient.answer("treatment-before", answers).status_code == 303


def test_changing_an_answer_removes_the_follow_ups_it_no_longer_asks(patient: Patient) -> None:
    answers = clean() | {"prior_problems": "yes", "prior_reactions": ["headache", "chills"],
                         "split_dose_discussed": "yes"}
    patient.complete_until("treatment", answers)
    assert patient.answers()["prior_reactions"] == ["headache", "chills"]
    changed = answers | {"supervised_infusions": 0}
    form = section_form("treatment-before", changed)
    form["shown"] += ["prior_problems"]
    form |= {"prior_problems": "yes"}
    assert patient.post("treatment-before", form).status_code == 303
    stored = patient.answers()
    assert stored["supervised_infusions"] == 0
    for gone in ("prior_problems", "prior_reactions", "split_dose_discussed",
                 "last_infusion_date", "same_brand"):
        assert gone not in stored


def test_a_change_link_returns_to_the_check_page(patient: Patient) -> None:
    patient.complete_until("before", clean())
    check = patient.get("confirm")
    assert f'href="{patient.url("history")}?from=check"' in check.text
    response = patient.post("history-risks?from=check",
                            section_form("history-risks", clean() | {"diabetes": "yes"}))
    assert response.headers["Location"].endswith("/confirm")
    assert "Diabetes" in patient.get("confirm").text


def _text(html: str) -> str:
    """Return the page's text without tags, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())
