"""The step page carries, hidden, the "Call 911 now" and "Call your care team today" messages
of each question that can need them, and says which answers show which (patient.js shows
them at once; without JavaScript they stay hidden and the help-now page comes after Continue)."""

from __future__ import annotations

import html
import re
from typing import Any

from ivig_home.checklist import load, steps
from ivig_home.checklist.definition import parse_text
from tests.answers import answers_today
from tests.patient.client import Patient


def answers(**changes: Any) -> dict[str, Any]:
    found: dict[str, Any] = answers_today("nothing-to-flag") | changes
    return found


def wrapper(page: str, item_id: str) -> str:
    """Return the start tag of a question's wrapper."""
    found = re.search(rf'<div class="question[^"]*" id="question-{item_id}"[^>]*>', page)
    assert found, f"no question {item_id}"
    return found.group(0)


def alert(page: str, item_id: str, level: str) -> tuple[str, str] | None:
    """Return a question's message (its start tag and its text), or None if it has none."""
    found = re.search(rf'(<div class="alert-panel[^"]*" id="{item_id}-{level}"[^>]*>)(.*?)</div>',
                      page, re.S)
    if not found:
        return None
    words = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", found.group(2))).split())
    return found.group(1), words


def question_html(page: str, item_id: str) -> str:
    """Return the page from a question's wrapper to the next question's."""
    start = page.index(f'id="question-{item_id}"')
    following = page.find('<div class="question', start)
    return page[start:following if following != -1 else len(page)]


def test_trouble_breathing_carries_both_messages_hidden(patient: Patient) -> None:
    patient.complete_until("about", answers(completed_by="self"))
    page = patient.get("today").text
    tag = wrapper(page, "breathing_trouble_now")
    assert 'data-emergency-answers="yes"' in tag and 'data-urgent-answers="unsure"' in tag
    emergency = alert(page, "breathing_trouble_now", "emergency")
    assert emergency is not None
    start, words = emergency
    assert " hidden" in start
    assert words.startswith("Call 911 now Or your local emergency number. Do not wait. "
                            "Do not drive yourself.")
    assert 'href="tel:911"' in question_html(page, "breathing_trouble_now")
    urgent = alert(page, "breathing_trouble_now", "urgent")
    assert urgent is not None
    start, words = urgent
    assert " hidden" in start
    assert "Call your care team today" in words
    assert "Call Demo Home Health today on 555-0100" in words
    assert 'href="tel:555-0100"' in question_html(page, "breathing_trouble_now")
    # Each message sits right after its question's answers, before the next question.
    block = question_html(page, "breathing_trouble_now")
    assert block.index('value="unsure"') < block.index('id="breathing_trouble_now-emergency"')
    # Announced through live regions, 911 at once, the call today politely.
    assert ('<div class="visually-hidden" aria-live="assertive" '
            'data-help-now-live="emergency">') in page
    assert ('<div class="visually-hidden" aria-live="polite" '
            'data-help-now-live="urgent">') in page


def test_trouble_swallowing_carries_both_messages(patient: Patient) -> None:
    patient.complete_before("today-swallowing", answers(completed_by="self"))
    page = patient.get("today-swallowing").text
    tag = wrapper(page, "swallowing_trouble_now")
    assert 'data-emergency-answers="yes"' in tag and 'data-urgent-answers="unsure"' in tag
    assert alert(page, "swallowing_trouble_now", "emergency") is not None
    assert alert(page, "swallowing_trouble_now", "urgent") is not None


def test_a_question_whose_every_worrying_answer_is_urgent_has_only_the_call_today(
        patient: Patient) -> None:
    patient.complete_before("today-infection", answers(completed_by="self"))
    page = patient.get("today-infection").text
    tag = wrapper(page, "infection_now")
    assert 'data-urgent-answers="yes unsure"' in tag and "data-emergency-answers" not in tag
    assert alert(page, "infection_now", "emergency") is None
    assert alert(page, "infection_now", "urgent") is not None


def test_questions_that_need_no_help_now_have_no_message(patient: Patient) -> None:
    patient.complete_until("about", answers(completed_by="self"))
    for step_id, item_id in (("about", "date_of_birth"), ("about-who", "completed_by")):
        about = patient.get(step_id).text  # a "discuss" flag, no flag at all
        assert "data-emergency-answers" not in wrapper(about, item_id)
        assert "Call 911 now" not in about and "data-help-now" not in about
    patient.complete_until("history", answers(completed_by="self"))
    for section_id in ("treatment", "history"):
        page = patient.get(section_id).text
        assert "data-emergency-answers" not in page and "data-urgent-answers" not in page
        assert "data-help-now" not in page and "Call 911 now" not in page


def test_a_caregiver_is_told_not_to_let_the_person_drive(patient: Patient) -> None:
    patient.complete_until("about", answers(completed_by="caregiver"))
    page = patient.get("today").text
    emergency = alert(page, "breathing_trouble_now", "emergency")
    assert emergency is not None
    assert "Do not let Ana Ruiz drive." in emergency[1]
    assert "Do not drive yourself" not in emergency[1]
    urgent = alert(page, "breathing_trouble_now", "urgent")
    assert urgent is not None
    assert "Ana Ruiz has trouble breathing or swallowing, call 911" in urgent[1]


def test_after_an_error_the_messages_stay_hidden_for_the_script(patient: Patient) -> None:
    patient.complete_before("today-swallowing", answers(completed_by="self"))
    two = steps.find("today-swallowing")
    assert two is not None
    refused = patient.post("today-swallowing", {"shown": [item.id for item in two.items],
                                                "swallowing_trouble_now": "yes"})
    assert refused.status_code == 400
    emergency = alert(refused.text, "swallowing_trouble_now", "emergency")
    assert emergency is not None and " hidden" in emergency[0]
    assert 'value="yes" checked' in question_html(refused.text, "swallowing_trouble_now")


def test_the_answers_come_from_the_checklist_rules() -> None:
    items = load().items
    assert steps.help_now_answers(items["breathing_trouble_now"]) == {
        "emergency": ("yes",), "urgent": ("unsure",)}
    assert steps.help_now_answers(items["weakness_worse_now"]) == {"urgent": ("yes", "unsure")}
    assert steps.help_now_answers(items["kidney_problems"]) == {}


def test_a_rule_that_depends_on_more_than_the_answer_is_left_to_the_help_now_page() -> None:
    text = """
[checklist]
id = "t"
version = "1"
[sources.S]
title = "Source"
[[sections]]
id = "s"
title = "S"
[[sections.items]]
id = "reactions"
type = "multi"
question = "Which?"
label = "Which"
sources = ["S"]
patient = "Reactions"
options = [{ value = "a", label = "A" }, { value = "b", label = "B" }]
  [[sections.items.flags]]
  contains_any = ["a"]
  severity = "emergency"
  reason = "A."
[[sections.items]]
id = "tired"
type = "yesno"
question = "Tired?"
label = "Tired"
sources = ["S"]
patient = "Tired"
  [[sections.items.flags]]
  answer_in = ["yes"]
  with_item = "reactions"
  with_contains = "b"
  severity = "urgent"
  reason = "B."
[[sections.items]]
id = "worse"
type = "yesno"
question = "Worse?"
label = "Worse"
sources = ["S"]
patient = "Worse"
  [[sections.items.flags]]
  answer_in = ["yes", "unsure"]
  severity = "urgent"
  reason = "U."
  [[sections.items.flags]]
  answer_in = ["yes"]
  severity = "emergency"
  reason = "E."
"""
    items = parse_text(text).items
    assert steps.help_now_answers(items["reactions"]) == {}
    assert steps.help_now_answers(items["tired"]) == {}
    # The highest severity wins for an answer two rules name, as in the checklist's flags.
    assert steps.help_now_answers(items["worse"]) == {"emergency": ("yes",),
                                                      "urgent": ("unsure",)}
