"""The message at the question is recorded as shown: a save in the background that stores an
answer needing help now marks the emergency or urgent message shown (the first time only),
as the help-now page does, and the care team's PDF says so. A refused save marks nothing."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from ivig_home import drafts, steps, store, tokens
from ivig_home.checklist import load, long_date
from ivig_home.db import utcnow
from tests.patient.client import SECTIONS, Patient, clean, section_form, token_in
from tests.pdf_tools import text_of

VERSION = re.compile(r'data-version="([0-9a-f]*)"')


def autosave(patient: Patient, answers: dict[str, Any], section_id: str = "today",
             **extra: Any) -> Any:
    """Post a step as the page's script does: every answer on it, the version it last saw."""
    page = patient.get(section_id).text
    data = section_form(section_id, answers)
    version = VERSION.search(page)
    data["autosave_version"] = version.group(1) if version else ""
    data.update(extra)
    return patient.post(section_id, data, action="autosave", token=token_in(page))


def shown(patient: Patient) -> tuple[datetime | None, datetime | None]:
    """Return the draft's emergency_shown_at and urgent_shown_at, as stored."""
    draft = patient.draft()
    return draft.emergency_shown_at, draft.urgent_shown_at


def test_the_message_recorded_is_the_one_the_help_now_page_gives() -> None:
    """For every answer of every question with a message at the question, the severities
    recorded are those the help-now page after Continue shows (and marks)."""
    section = SECTIONS["today"]
    on_page = {item.id for item in section.items}
    today = datetime.now().date()
    checked = 0
    for item_id in steps.section_help_now_answers("today"):
        for value in load().items[item_id].values:
            answers = clean(**{item_id: value})
            page = tuple(steps.help_now(section, answers, today))
            assert steps.help_now_at_questions(section, answers, on_page) == page, value
            assert steps.help_now_at_questions(section, answers, on_page - {item_id}) == ()
            checked += bool(page)
    assert checked == 14  # "yes" and "not sure" of each of the 7 questions


@pytest.mark.parametrize(("changes", "emergency", "urgent"), [
    ({"breathing_trouble_now": "yes"}, True, False),
    ({"swallowing_trouble_now": "unsure"}, False, True),
    ({"stroke_signs_now": "yes", "infection_now": "yes"}, True, True),
    ({}, False, False),
    ({"breathing_trouble_now": "no", "infection_now": "no"}, False, False),
])
def test_a_background_save_records_the_message_its_answers_show(
        patient: Patient, changes: dict[str, Any], emergency: bool, urgent: bool) -> None:
    patient.complete_until("about", clean())
    assert shown(patient) == (None, None)
    response = autosave(patient, clean(**changes))
    assert response.status_code == 204
    emergency_at, urgent_at = shown(patient)
    assert (emergency_at is not None) is emergency
    assert (urgent_at is not None) is urgent


def test_an_answer_to_a_question_not_on_the_page_records_nothing(patient: Patient) -> None:
    """Only a question the page says the patient could see shows its message."""
    patient.complete_until("about", clean())
    data = section_form("today", clean(infection_now="no"))
    data["shown"] = [item for item in data["shown"] if item != "breathing_trouble_now"]
    data["breathing_trouble_now"] = "yes"
    response = patient.post("today", data, action="autosave")
    assert response.status_code == 204
    assert "breathing_trouble_now" not in patient.answers()
    assert shown(patient) == (None, None)


def test_back_with_an_emergency_answer_records_nothing(patient: Patient) -> None:
    """Back shows no message (the page's own save, with JavaScript, is what records it)."""
    patient.complete_until("about", clean())
    response = patient.post("today", section_form("today", clean(breathing_trouble_now="yes")),
                            action="back")
    assert response.status_code == 303
    assert patient.answers()["breathing_trouble_now"] == "yes"
    assert shown(patient) == (None, None)


def _send(patient: Patient) -> None:
    data = section_form("confirm", {"ack_not_decision": True, "ack_accurate": True})
    response = patient.post("confirm", data, action="submit")
    assert response.headers["Location"].endswith("/sent"), response.text


@pytest.mark.parametrize("refusal", ["bad token", "stale", "closed", "sent"])
def test_a_refused_background_save_records_nothing(patient: Patient, refusal: str) -> None:
    if refusal == "closed":
        # "How you feel today" is not open before "About you" is done.
        token = token_in(patient.get("about").text)
        response = patient.post("today", section_form("today", clean(
            breathing_trouble_now="yes")), action="autosave", token=token)
    elif refusal == "sent":
        patient.complete_until("about", clean())
        page = patient.get("today").text  # a tab left open on this step
        patient.complete_until("before", clean())
        _send(patient)
        data = section_form("today", clean(breathing_trouble_now="yes"))
        data["autosave_version"] = VERSION.search(page).group(1)
        response = patient.post("today", data, action="autosave", token=token_in(page))
    else:
        patient.complete_until("about", clean())
        extra = ({"csrf_token": "wrong"} if refusal == "bad token"
                 else {"autosave_version": "0" * 16})
        data = section_form("today", clean(breathing_trouble_now="yes")) | extra
        response = patient.post("today", data, action="autosave",
                                token=extra.get("csrf_token"))
    assert response.status_code == (400 if refusal == "bad token" else 409)
    if refusal != "bad token":
        assert response.headers["X-Autosave-Refused"] == refusal
    assert patient.answers().get("breathing_trouble_now") != "yes"
    assert shown(patient) == (None, None)


def test_a_later_save_or_the_help_now_page_keeps_the_first_time(
        patient: Patient, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [utcnow()]
    monkeypatch.setattr(drafts, "utcnow", lambda: clock[0])
    patient.complete_until("about", clean())
    assert autosave(patient, clean(breathing_trouble_now="yes")).status_code == 204
    first = shown(patient)[0]
    assert first == clock[0]
    for answer in ("no", "yes"):
        clock[0] += timedelta(minutes=5)
        assert autosave(patient, clean(breathing_trouble_now=answer)).status_code == 204
    assert shown(patient)[0] == first
    clock[0] += timedelta(minutes=5)
    response = patient.answer("today", clean(breathing_trouble_now="yes"))
    assert response.headers["Location"].endswith("/help-now/today")
    assert "Call 911 now" in patient.client.get(response.headers["Location"]).text
    assert shown(patient)[0] == first


def test_the_pdf_and_the_api_say_the_message_at_the_question_was_shown(
        app: Flask, patient: Patient) -> None:
    """The patient chooses "Yes" to trouble breathing and the page saves it in the
    background; the help-now page is never opened, and the care team's PDF and the API still
    say the 911 message was shown, at the time of that save."""
    patient.complete_until("about", clean())
    answers = clean(breathing_trouble_now="yes")
    assert autosave(patient, answers).status_code == 204
    at = shown(patient)[0]
    assert at is not None
    # Continue, without following it to the help-now page, then the other steps and Send.
    for section_id in SECTIONS:
        if section_id == "confirm":
            break
        if section_id != "about":
            assert patient.answer(section_id, answers).status_code == 303
    _send(patient)
    with app.app_context():
        submission = store.get_submission(patient.draft().submission_id)
        assert submission.emergency_shown_at == at
        assert submission.urgent_shown_at is None
        submission_id = submission.id
        token = tokens.create_token(store.get_agency("demo"))[1]
    text = text_of(patient.get("summary.pdf").data)
    assert (f"Messages shown to the patient !!! The emergency message (\u201cCall 911 now\u201d) "
            f"was shown on {long_date(at)} at {at:%H:%M} UTC.") in text, text
    assert "The urgent message" not in text
    body = app.test_client().get(f"/api/v1/submissions/{submission_id}",
                                 headers={"Authorization": f"Bearer {token}"}).get_json()
    assert body["messages_shown"] == {"emergency": at.isoformat(timespec="seconds"),
                                      "urgent": None}
