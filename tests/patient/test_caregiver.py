"""A caregiver fills in the checklist: every page after "who is filling this in" speaks of the
patient by name or as "they" (the questions, hints, answers, the check page and help now); a
patient filling it in for themselves reads "you" throughout."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from flask import Flask
from markupsafe import escape

from ivig_home.agencies import registry
from ivig_home.checklist import caregiver, is_asked, prune, steps
from ivig_home.intake import drafts
from tests.answers import answers_today
from tests.patient.client import SECTIONS, Patient, last_step_of

NAME = 'Ana "Bo" <Ruiz> & Co'  # a name that must be escaped wherever it is shown
SHOWN_NAME = str(escape(NAME))


def answers(completed_by: str, **changes: Any) -> dict[str, Any]:
    return (answers_today("nothing-to-flag")
            | {"completed_by": completed_by, "patient_name": NAME} | changes)


def text(page: str) -> str:
    """Return the page's text as a reader gets it: no tags, one space between words."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def main_text(page: str) -> str:
    """Return the text of the page's <main> only."""
    found = re.search(r"<main\b.*?</main>", page, re.S)
    assert found, "the page has no <main>"
    return text(found.group(0))


def as_caregiver_reads(plain: str, for_caregiver: str, name: str = NAME) -> str:
    """Return what a caregiver's page says for a text of the definition."""
    return caregiver.fill(caregiver.pick(plain, for_caregiver, True), name)


def walk(patient: Patient, given: dict[str, Any], check: Any) -> int:
    """Answer every step in order; before answering, call check(step, raw html). Return how
    many steps were checked."""
    checked = 0
    for step_id, step in SECTIONS.items():
        if step_id == steps.CONFIRM:
            break
        if not steps.asks_anything(step, prune(given)):
            continue
        page = patient.get(step_id)
        assert page.status_code == 200, (step_id, page.headers.get("Location"))
        check(step, page.text)
        checked += 1
        response = patient.answer(step_id, given)
        assert response.status_code == 303, response.text
        if "/help-now/" in response.headers["Location"]:
            patient.client.get(response.headers["Location"])
    return checked


def test_every_step_after_who_names_the_patient_and_escapes_the_name(
        patient: Patient) -> None:
    given = answers("caregiver")
    asked_at = steps.number(steps.find("about-who"))

    def check(step: Any, raw: str) -> None:
        later = steps.number(step) > asked_at
        notice = f"You are filling this in for {SHOWN_NAME}."
        assert (notice in raw) is later, step.id
        for item in step.items:
            if not is_asked(item, given):
                continue
            question = (as_caregiver_reads(item.question, item.caregiver_question) if later
                        else item.question)
            assert str(escape(question)) in raw, (step.id, question)
            if item.hint and later and item.type != "date":  # dates reorder the example
                hint = as_caregiver_reads(item.hint, item.caregiver_hint)
                assert str(escape(hint)) in raw, (step.id, hint)
        assert "<Ruiz>" not in raw  # never as markup
        if later:  # the title and the question say the name or "they", not "you"
            questions = [caregiver.pick(i.question, i.caregiver_question, True)
                         for i in step.items]
            assert not any(re.search(r"\b(you|your)\b", q) and "%(name)s" not in q
                           and "you or" not in q and "or you" not in q and "you and" not in q
                           and "call you" not in q and "you want" not in q
                           for q in questions), questions

    assert walk(patient, given, check) >= 25


def test_a_patient_filling_it_in_for_themselves_reads_you_throughout(patient: Patient) -> None:
    given = answers("self")

    def check(step: Any, raw: str) -> None:
        assert "You are filling this in for" not in raw
        for item in step.items:
            if is_asked(item, given):
                assert str(escape(item.question)) in raw, (step.id, item.question)

    assert walk(patient, given, check) >= 25


@pytest.mark.parametrize(("completed_by", "question", "hint"), [
    ("self", "What phone number can your care team call you on?", "Your own number. Optional."),
    ("caregiver", "What phone number can the care team call you on?",
     f"Your own number, as the person helping {NAME}. Optional."),
])
def test_the_phone_question_says_whose_number_it_is(
        patient: Patient, completed_by: str, question: str, hint: str) -> None:
    patient.complete_until("about-who", answers(completed_by), step=True)
    shown = main_text(patient.get("about-contact").text)
    assert question in shown and hint in shown


def test_the_check_page_speaks_of_the_patient_for_a_caregiver(patient: Patient) -> None:
    given = answers_today("clinical-risk-factors") | {"completed_by": "caregiver",
                                                     "patient_name": "Ana Ruiz"}
    patient.complete_until("before", given)
    shown = main_text(patient.get("confirm").text)
    assert "You are filling this in for Ana Ruiz." in shown
    assert "send your answers about Ana Ruiz to their care team at Demo Home Health" in shown
    assert "What their care team will look at" in shown
    # The groups' headings and the Send button speak of the patient's team, not "my" or "your".
    assert "Their care team will talk with you about" in shown
    assert "Your care team will talk with you about" not in shown
    assert "Send to my care team" not in shown
    # What will be flagged, in the caregiver's words.
    assert "Their age (65 or over)" in shown and "Your age" not in shown
    # Every answer, named the same way; an "I can" answer reads "Ana Ruiz can".
    assert "Your answers about Ana Ruiz" in shown
    assert "Has Ana Ruiz ever had kidney problems?" in shown
    assert "Have you ever had kidney problems?" not in shown
    assert "I understand this checklist does not decide whether Ana Ruiz can have IVIG" in shown
    order = [shown.index(words) for words in (
        "What their care team will look at", "Send to their care team",
        "Your answers about Ana Ruiz", "Has Ana Ruiz ever had kidney problems?")]
    assert order == sorted(order), order  # flags, then Send, then every answer


def test_an_ability_answer_reads_with_the_name(patient: Patient) -> None:
    given = answers("caregiver", patient_name="Ana Ruiz", can_check_blood_pressure="self")
    patient.complete_until("before", given)
    shown = main_text(patient.get("confirm").text)
    assert "Can Ana Ruiz or someone at home check their blood pressure? Ana Ruiz can" in shown


def test_the_check_page_for_a_patient_speaks_to_them(patient: Patient) -> None:
    patient.complete_until("before", answers_today("clinical-risk-factors")
                           | {"completed_by": "self"})
    shown = main_text(patient.get("confirm").text)
    assert "You are filling this in for" not in shown
    assert "Your age (65 or over)" in shown and "Your answers" in shown
    assert "Have you ever had kidney problems?" in shown
    assert "Your care team will talk with you about" in shown and "Send to my care team" in shown


def test_the_emergency_page_speaks_of_the_patient_by_name(patient: Patient) -> None:
    given = answers("caregiver", swallowing_trouble_now="yes", stroke_signs_now="unsure")
    patient.complete_before("today-swallowing", given)
    page = patient.get("today-swallowing").text
    # The messages at the question, ready for the script, say the name too.
    assert f"Do not let {SHOWN_NAME} drive." in page
    patient.answer("today-swallowing", given)
    raw = patient.get("help-now/today-swallowing").text
    shown = main_text(raw)
    assert "Call 911 now" in shown
    assert f"You told us that {NAME} has: Trouble swallowing" in shown
    assert f"Do not let {NAME} drive." in shown
    assert f"Tell them about {NAME}: Signs of a stroke" in shown
    assert (f"If it gets worse, or {NAME} has trouble breathing or swallowing, "
            "call 911.") in shown
    assert "Do not drive yourself" not in shown and "<Ruiz>" not in raw


def test_the_emergency_page_for_a_patient_speaks_to_them(patient: Patient) -> None:
    given = answers("self", swallowing_trouble_now="yes", stroke_signs_now="unsure")
    patient.complete_before("today-swallowing", given)
    patient.answer("today-swallowing", given)
    shown = main_text(patient.get("help-now/today-swallowing").text)
    assert "You told us: Trouble swallowing" in shown
    assert "Do not drive yourself." in shown
    assert "If it gets worse, or you have trouble breathing or swallowing, call 911." in shown
    assert "Ana" not in shown


def test_before_the_name_is_known_the_pages_say_the_patient(app: Flask, patient: Patient) -> None:
    """A draft that says a caregiver fills it in but has no name yet (the name box emptied
    while saving in the background): the help-now page says "the patient"."""
    with app.app_context():
        draft = drafts.get_draft(patient.draft_id)
        drafts.save_draft(draft, {"completed_by": "caregiver", "breathing_trouble_now": "yes"},
                          "today")
    shown = main_text(patient.get("help-now/today").text)
    assert "You told us that the patient has: Trouble breathing" in shown
    assert "Do not let the patient drive." in shown


def test_the_caregiver_forms_fill_in_the_name_or_the_patient() -> None:
    text_of = "%(name)s can"
    assert caregiver.fill(text_of, "Ana Ruiz") == "Ana Ruiz can"
    assert caregiver.fill(text_of, "the patient") == "The patient can"
    assert caregiver.fill("Does %(name)s have diabetes?", "the patient") == (
        "Does the patient have diabetes?")
    # The patient's own wording is kept when a text has no caregiver form.
    assert caregiver.pick("Optional.", "", True) == "Optional."
    assert last_step_of("today") is steps.find("today-infection")
    assert registry.DEMO_AGENCY["slug"] == "demo"
