"""A caregiver fills in the checklist: every page after "who is filling this in" says the
questions are about the person having IVIG; a patient filling it in for themselves sees none."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest

from tests.answers import answers_today
from tests.patient.client import Patient

NOTICE = ("You are filling this in for someone else. "
          "Answer every question about the person having IVIG, not about yourself.")
LEAD_IN = "Everything in the lists below is about the person having IVIG."
CHECK_NOTICE = ("You are filling this in for someone else. "
                "Every answer on this page is about the person having IVIG, not about you.")


def answers(completed_by: str, **changes: Any) -> dict[str, Any]:
    return answers_today("nothing-to-flag") | {"completed_by": completed_by} | changes


def text(page: str) -> str:
    """Return the page's text as a reader gets it: no tags, one space between words."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def main_text(page: str) -> str:
    """Return the text of the page's <main> only."""
    found = re.search(r"<main\b.*?</main>", page, re.S)
    assert found, "the page has no <main>"
    return text(found.group(0))


def test_a_caregiver_is_told_on_a_later_step_who_the_questions_are_about(
        patient: Patient) -> None:
    patient.complete_until("about", answers("caregiver"))
    page = patient.get("today")
    assert page.status_code == 200
    shown = main_text(page.text)
    assert NOTICE in shown
    # Near the top: after the step heading, before the first question.
    assert shown.index("Step 2 of 8") < shown.index(NOTICE) < shown.index(
        "Do you have trouble breathing right now?")
    # The question wording is the checklist's own and stays as it is.
    assert "Do you have trouble breathing right now?" in shown


def test_the_notice_stays_on_every_later_step_and_after_an_error(patient: Patient) -> None:
    patient.complete_until("history", answers("caregiver"))
    assert NOTICE in main_text(patient.get("treatment").text)
    assert NOTICE in main_text(patient.get("history").text)
    refused = patient.post("monitoring", {"shown": ["can_check_blood_pressure"]})
    assert refused.status_code == 400
    assert NOTICE in main_text(refused.text)


def test_the_step_that_asks_who_is_filling_it_in_has_no_notice(patient: Patient) -> None:
    patient.complete_until("about", answers("caregiver"))
    assert NOTICE not in main_text(patient.get("about").text)


def test_a_caregiver_sees_the_notice_and_a_lead_in_on_the_check_page(
        patient: Patient) -> None:
    patient.complete_until("before", answers_today("clinical-risk-factors"))
    shown = main_text(patient.get("confirm").text)
    assert CHECK_NOTICE in shown and LEAD_IN in shown
    assert (shown.index("Check your answers") < shown.index(CHECK_NOTICE)
            < shown.index("What your care team will look at") < shown.index(LEAD_IN)
            < shown.index("Your care team will talk with you about"))


@pytest.mark.parametrize("section", ["today", "treatment", "confirm"])
def test_a_patient_filling_it_in_for_themselves_sees_no_notice(
        patient: Patient, section: str) -> None:
    patient.complete_until("before", answers_today("clinical-risk-factors")
                           | {"completed_by": "self"})
    shown = main_text(patient.get(section).text)
    assert "for someone else" not in shown
    assert LEAD_IN not in shown


def test_the_emergency_page_speaks_of_the_person_cared_for(patient: Patient) -> None:
    patient.complete_until("about", answers("caregiver"))
    patient.answer("today", answers("caregiver", breathing_trouble_now="yes",
                                    infection_now="yes"))
    shown = main_text(patient.get("help-now/today").text)
    assert "Call 911 now" in shown
    assert "You told us that the person you care for has: Trouble breathing" in shown
    assert "Do not let the person you care for drive." in shown
    assert "Tell them about the person you care for: A fever or infection" in shown
    assert ("If it gets worse, or the person you care for has trouble breathing or "
            "swallowing, call 911.") in shown
    assert "Do not drive yourself" not in shown


def test_the_emergency_page_for_a_patient_speaks_to_them(patient: Patient) -> None:
    patient.complete_until("about", answers("self"))
    patient.answer("today", answers("self", breathing_trouble_now="yes", infection_now="yes"))
    shown = main_text(patient.get("help-now/today").text)
    assert "You told us: Trouble breathing" in shown
    assert "Do not drive yourself." in shown
    assert "If it gets worse, or you have trouble breathing or swallowing, call 911." in shown
    assert "person you care for" not in shown
