"""Help now, check your answers, sending, and the row stored in the database."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from ivig_home.agencies import registry
from ivig_home.checklist import NOT_A_DECISION_PATIENT, assess, steps
from ivig_home.db import db
from ivig_home.intake import submissions
from ivig_home.models import Submission
from ivig_home.patient import step_views as patient_steps
from tests.answers import answers_today
from tests.patient.client import Patient, clean, section_form, step_of, token_in


@pytest.mark.parametrize(("changes", "heading", "emergency", "urgent"), [
    ({"breathing_trouble_now": "yes"}, "Call 911 now", True, False),
    ({"stroke_signs_now": "yes", "swallowing_trouble_now": "unsure"}, "Call 911 now", True,
     True),
    ({"swallowing_trouble_now": "unsure"}, "Call your care team today", False, True),
    ({"fluids_low_now": "yes"}, "Call your care team today", False, True),
])
def test_an_answer_that_needs_help_now_shows_the_help_page_first(
        patient: Patient, changes: dict[str, Any], heading: str, emergency: bool,
        urgent: bool) -> None:
    step = step_of(next(iter(changes)))  # each step asks one to four questions
    patient.complete_before(step, clean())
    response = patient.answer(step, clean(**changes))
    assert response.headers["Location"].endswith(f"/help-now/{step}")
    page = patient.get(f"help-now/{step}")
    assert f"<h1 class=\"alert-panel__title\">{heading}</h1>" in page.text
    assert 'href="tel:555-0100"' in page.text
    assert ('href="tel:911"' in page.text) is emergency
    draft = patient.draft()
    assert (draft.emergency_shown_at is not None) is emergency
    assert (draft.urgent_shown_at is not None) is urgent
    onward = patient.post(f"help-now/{step}", {})
    following = steps.following(steps.find(step))
    assert following is not None
    assert onward.status_code == 303 and onward.headers["Location"].endswith(f"/{following.id}")


@pytest.mark.parametrize(("changes", "sentence"), [
    ({"swallowing_trouble_now": "yes"},
     "This can be a sign of a serious problem that needs help right away."),
    ({"swallowing_trouble_now": "yes", "stroke_signs_now": "yes"},
     "These can be signs of a serious problem that needs help right away."),
])
def test_the_emergency_page_speaks_of_one_sign_or_several(
        patient: Patient, changes: dict[str, Any], sentence: str) -> None:
    patient.complete_before("today-swallowing", clean())
    patient.answer("today-swallowing", clean(**changes))
    page = patient.get("help-now/today-swallowing").text
    assert sentence in page
    assert page.count("can be a sign") + page.count("can be signs") == 1


def test_with_nothing_flagged_the_check_page_claims_no_all_clear(patient: Patient) -> None:
    patient.complete_until("before", clean())
    page = patient.get("confirm").text
    assert ("No answer was marked for your care team to look at first. "
            "A nurse will still read all of your answers.") in page
    assert "needs extra attention" not in page


def test_the_first_time_the_message_was_shown_is_kept(patient: Patient) -> None:
    patient.complete_until("about", clean())
    patient.answer("today", clean(breathing_trouble_now="yes"))
    patient.get("help-now/today")
    first = patient.draft().emergency_shown_at
    patient.get("help-now/today")
    assert patient.draft().emergency_shown_at == first


def test_no_help_page_when_nothing_needs_help_now(patient: Patient) -> None:
    patient.complete_until("about", clean())
    response = patient.answer("today", clean())
    assert response.headers["Location"].endswith("/today-swallowing")
    assert patient.draft().emergency_shown_at is None


def test_the_help_page_continue_needs_its_token(patient: Patient) -> None:
    patient.complete_until("about", clean())
    patient.answer("today", clean(breathing_trouble_now="yes"))
    response = patient.client.post(patient.url("help-now/today"), data={"action": "continue"})
    assert response.status_code == 400


def test_check_your_answers_lists_answers_and_what_will_be_flagged(patient: Patient) -> None:
    answers = answers_today("clinical-risk-factors")
    patient.complete_until("before", answers)
    page = patient.get("confirm").text
    total = len(steps.sections())
    assert f"Step {total} of {total}:" in page and "Check your answers" in page
    # The example is filled in by a caregiver: the headings speak of the patient's team.
    for heading in ("Their care team will talk with you about", "Things to get ready",
                    "For their care team&#39;s information"):
        assert heading in page
    assert "Get help now" not in page
    assert "Ask about an epinephrine shot to keep at home" in page
    assert NOT_A_DECISION_PATIENT in page
    assert page.count(">Change<") == 7
    assert "George Papadopoulos" in page
    assert 'name="action" value="submit"' in page


def test_sending_needs_both_boxes_ticked(patient: Patient) -> None:
    patient.complete_until("before", clean())
    response = patient.post("confirm", {"shown": ["ack_not_decision", "ack_accurate"],
                                        "ack_accurate": "true"}, action="submit")
    assert response.status_code == 400
    assert "Error:" in response.text and "Tick the box to confirm this" in response.text
    assert patient.draft().submission_id is None


def _send(patient: Patient, token: str | None = None) -> Any:
    data = section_form("confirm", {"ack_not_decision": True, "ack_accurate": True})
    return patient.post("confirm", data, action="submit", token=token)


def test_sending_stores_the_assessment_once(app: Flask, patient: Patient) -> None:
    answers = answers_today("clinical-risk-factors")
    patient.complete_until("before", answers)
    token = token_in(patient.get("confirm").text)
    response = _send(patient, token)
    assert response.status_code == 303 and response.headers["Location"].endswith("/sent")
    again = _send(patient, token)  # the button pressed twice, or the page sent again
    assert again.headers["Location"].endswith("/sent")
    draft = patient.draft()
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Submission)) == 1
        submission = submissions.get_submission(draft.submission_id)
        stored = submissions.submission_assessment(submission)
        want = assess({"completed_on": date.today().isoformat(),
                       "answers": answers}).to_dict()
        assert stored["flags"] == want["flags"]
        assert (submission.count_discuss, submission.highest_severity) == (
            want["counts"]["discuss"], "discuss")
        assert (submission.checklist_id, submission.checklist_version) == ("ivig_home", "1.1.0")
        assert submissions.submission_answers(submission)["patient_name"] == "George Papadopoulos"
        reference = submission.reference
        until = patient_steps.last_day(draft.expires_at, registry.get_agency("demo").time_zone)
    page = patient.get("sent")
    assert reference in page.text and "What happens next" in page.text
    assert (f"This page and the download work until {until:%B} {until.day}, {until.year}."
            in page.text)  # month first: the demo agency is en-US
    assert 'href="tel:555-0100"' in page.text
    assert patient.get("about").headers["Location"].endswith("/sent")


def test_an_emergency_submission_keeps_when_the_message_was_shown(app: Flask,
                                                                  patient: Patient) -> None:
    answers = answers_today("emergency")
    patient.complete_until("before", answers)
    _send(patient)
    with app.app_context():
        submission = submissions.get_submission(patient.draft().submission_id)
        assert submission.highest_severity == "emergency"
        assert submission.emergency_shown_at is not None
        assert submission.urgent_shown_at is not None
    sent = patient.get("sent").text
    assert "You told us about signs that need help now." in sent
    # Calling 911 is one tap, and the first thing on the page.
    assert sent.index('href="tel:911"') < sent.index("Your answers have been sent</h1>")
    # The urgent items (trouble swallowing "not sure", much weaker) still ask for a call today.
    assert ('Please call Demo Home Health today on <a class="phone" href="tel:555-0100">'
            '555-0100</a>.') in sent


@pytest.mark.parametrize("changes,emergency,urgent", [
    ({}, False, False),
    ({"infection_now": "yes"}, False, True),
])
def test_the_sent_page_asks_for_a_call_today_only_with_urgent_items(
        patient: Patient, changes: dict[str, Any], emergency: bool, urgent: bool) -> None:
    patient.complete_until("before", clean(**changes))
    _send(patient)
    sent = patient.get("sent").text
    assert ("You told us about signs that need help now." in sent) is emergency
    assert ('href="tel:911"' in sent) is emergency
    assert ("Please call Demo Home Health today" in sent) is urgent
