"""The message at the question is recorded as shown once it stayed up long enough to be
announced: a save in the background that names it (`help_now_seen`, sent by the page's
script 0.7 s after the answer, if the message is still shown) and stores an answer that still
shows it marks the emergency or urgent message shown (the first time only), as the help-now
page does, and the care team's PDF says so. A save on change alone, a refused save, a junk
value and a message named after the answer changed mark nothing."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from ivig_home.agencies import api_tokens as tokens
from ivig_home.agencies import registry
from ivig_home.agencies.registry import DEMO_AGENCY
from ivig_home.checklist import load, long_date, steps
from ivig_home.db import utcnow
from ivig_home.intake import drafts, submissions
from tests.patient.client import SECTIONS, Patient, clean, section_form, token_in
from tests.pdf_tools import text_of

VERSION = re.compile(r'data-version="([0-9a-f]*)"')
SEEN = {"help_now_seen": "emergency"}  # the 911 message stayed up long enough to be read
TWO = "today-swallowing"  # the step asking about swallowing and signs of a stroke


def autosave(patient: Patient, answers: dict[str, Any], seen: str | list[str] | None = None,
             section_id: str = "today") -> Any:
    """Post a step as the page's script does: every answer on it, the version it last saw and
    the messages it says were seen long enough to be announced, if any."""
    page = patient.get(section_id).text
    data = section_form(section_id, answers)
    version = VERSION.search(page)
    data["autosave_version"] = version.group(1) if version else ""
    if seen is not None:
        data["help_now_seen"] = seen
    return patient.post(section_id, data, action="autosave", token=token_in(page))


def shown(patient: Patient) -> tuple[datetime | None, datetime | None]:
    """Return the draft's emergency_shown_at and urgent_shown_at, as stored."""
    draft = patient.draft()
    return draft.emergency_shown_at, draft.urgent_shown_at


def test_the_message_recorded_is_the_one_the_help_now_page_gives() -> None:
    """For every answer of every question with a message at the question, the severities
    recorded are those the help-now page after Continue shows (and marks)."""
    today = datetime.now().date()
    checked = 0
    for section in (step for step in SECTIONS.values() if step.section.id == "today"):
        on_page = {item.id for item in section.items}
        for item_id in steps.section_help_now_answers(section.id):
            for value in load().items[item_id].values:
                answers = clean(**{item_id: value})
                page = tuple(steps.help_now(section, answers, today))
                assert steps.help_now_at_questions(section, answers, on_page) == page, value
                assert steps.help_now_at_questions(section, answers, on_page - {item_id}) == ()
                checked += bool(page)
    assert checked == 14  # "yes" and "not sure" of each of the 7 questions


def test_a_save_on_change_alone_records_nothing(patient: Patient) -> None:
    """The save sent the moment "Yes" is chosen: the message may show for an instant only
    (the arrow keys passing over "Yes"), so the answer is stored and nothing is recorded."""
    patient.complete_until("about", clean())
    response = autosave(patient, clean(breathing_trouble_now="yes", infection_now="unsure"))
    assert response.status_code == 204
    assert patient.answers()["breathing_trouble_now"] == "yes"
    assert shown(patient) == (None, None)


@pytest.mark.parametrize(("changes", "seen", "emergency", "urgent"), [
    ({"swallowing_trouble_now": "yes"}, "emergency", True, False),
    ({"swallowing_trouble_now": "unsure"}, "urgent", False, True),
    ({"stroke_signs_now": "yes", "swallowing_trouble_now": "unsure"}, ["emergency", "urgent"],
     True, True),
    ({"stroke_signs_now": "yes", "swallowing_trouble_now": "unsure"}, "urgent,emergency",
     True, True),
    # Only the message named is recorded, and only one the answers still show.
    ({"stroke_signs_now": "yes", "swallowing_trouble_now": "unsure"}, "urgent", False, True),
    ({"swallowing_trouble_now": "yes"}, ["urgent"], False, False),
    ({}, ["emergency", "urgent"], False, False),
    ({"swallowing_trouble_now": "no", "stroke_signs_now": "no"}, "emergency", False, False),
])
def test_a_save_naming_a_message_records_it_if_the_answers_show_it(
        patient: Patient, changes: dict[str, Any], seen: str | list[str], emergency: bool,
        urgent: bool) -> None:
    patient.complete_before(TWO, clean())
    assert shown(patient) == (None, None)
    response = autosave(patient, clean(**changes), seen, TWO)
    assert response.status_code == 204
    emergency_at, urgent_at = shown(patient)
    assert (emergency_at is not None) is emergency
    assert (urgent_at is not None) is urgent


def test_a_message_named_after_the_answer_changed_to_no_records_nothing(
        patient: Patient) -> None:
    """Arrowing past "Yes" to "No": "Yes" is saved, then "No"; a save naming the 911 message
    that reaches the server once "No" is stored records nothing."""
    patient.complete_until("about", clean())
    assert autosave(patient, clean(breathing_trouble_now="yes")).status_code == 204
    assert autosave(patient, clean(breathing_trouble_now="no")).status_code == 204
    assert autosave(patient, clean(breathing_trouble_now="no"), "emergency").status_code == 204
    assert patient.answers()["breathing_trouble_now"] == "no"
    assert shown(patient) == (None, None)


@pytest.mark.parametrize("junk", [
    "Emergency", " emergency", "emergency ", "911", "emergency;urgent", "", ",", "shown",
    "emergency\u200b", "\u202eurgent", "e" * 5000, "high", "1", "true"])
def test_a_junk_seen_value_is_ignored(patient: Patient, junk: str) -> None:
    patient.complete_before(TWO, clean())
    answers = clean(stroke_signs_now="yes", swallowing_trouble_now="unsure")
    response = autosave(patient, answers, [junk, junk], TWO)
    assert response.status_code == 204
    assert patient.answers()["stroke_signs_now"] == "yes"  # the answers are still kept
    assert shown(patient) == (None, None)
    # Beside a value it knows, junk changes nothing either.
    assert autosave(patient, answers, [junk, "urgent"], TWO).status_code == 204
    assert shown(patient)[0] is None and shown(patient)[1] is not None


def test_an_answer_to_a_question_not_on_the_page_records_nothing(patient: Patient) -> None:
    """Only a question the page says the patient could see shows its message."""
    patient.complete_until("about", clean())
    data = section_form("today", clean(infection_now="no"))
    data["shown"] = [item for item in data["shown"] if item != "breathing_trouble_now"]
    data["breathing_trouble_now"] = "yes"
    data["help_now_seen"] = "emergency"
    response = patient.post("today", data, action="autosave")
    assert response.status_code == 204
    assert "breathing_trouble_now" not in patient.answers()
    assert shown(patient) == (None, None)


def test_back_with_an_emergency_answer_records_nothing(patient: Patient) -> None:
    """Back shows no message (the page's own save, with JavaScript, is what records it), so
    it records nothing even when it names one."""
    patient.complete_until("about", clean())
    data = section_form("today", clean(breathing_trouble_now="yes"))
    data["help_now_seen"] = "emergency"
    response = patient.post("today", data, action="back")
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
            breathing_trouble_now="yes")) | SEEN, action="autosave", token=token)
    elif refusal == "sent":
        patient.complete_until("about", clean())
        page = patient.get("today").text  # a tab left open on this step
        patient.complete_until("before", clean())
        _send(patient)
        data = section_form("today", clean(breathing_trouble_now="yes")) | SEEN
        data["autosave_version"] = VERSION.search(page).group(1)
        response = patient.post("today", data, action="autosave", token=token_in(page))
    else:
        patient.complete_until("about", clean())
        extra = ({"csrf_token": "wrong"} if refusal == "bad token"
                 else {"autosave_version": "0" * 16})
        data = section_form("today", clean(breathing_trouble_now="yes")) | SEEN | extra
        response = patient.post("today", data, action="autosave",
                                token=extra.get("csrf_token"))
    assert response.status_code == (400 if refusal == "bad token" else 200)
    if refusal != "bad token":
        assert response.headers["X-Autosave-Refused"] == refusal
    assert patient.answers().get("breathing_trouble_now") != "yes"
    assert shown(patient) == (None, None)


def test_a_later_save_or_the_help_now_page_keeps_the_first_time(
        patient: Patient, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [utcnow()]
    monkeypatch.setattr(drafts, "utcnow", lambda: clock[0])
    patient.complete_until("about", clean())
    assert autosave(patient, clean(breathing_trouble_now="yes"), "emergency").status_code == 204
    first = shown(patient)[0]
    assert first == clock[0]
    for answer in ("no", "yes"):
        clock[0] += timedelta(minutes=5)
        response = autosave(patient, clean(breathing_trouble_now=answer), "emergency")
        assert response.status_code == 204
    assert shown(patient)[0] == first
    clock[0] += timedelta(minutes=5)
    response = patient.answer("today", clean(breathing_trouble_now="yes"))
    assert response.headers["Location"].endswith("/help-now/today")
    assert "Call 911 now" in patient.client.get(response.headers["Location"]).text
    assert shown(patient)[0] == first


def test_the_pdf_and_the_api_say_the_message_at_the_question_was_shown(
        app: Flask, patient: Patient) -> None:
    """The patient chooses "Yes" to trouble breathing, and the page saves it in the
    background, then says the message was seen; the help-now page is never opened, and the
    care team's PDF and the API still say the 911 message was shown, at the time of that
    save."""
    patient.complete_until("about", clean())
    answers = clean(breathing_trouble_now="yes")
    assert autosave(patient, answers).status_code == 204
    assert shown(patient) == (None, None)
    assert autosave(patient, answers, "emergency").status_code == 204
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
        submission = submissions.get_submission(patient.draft().submission_id)
        assert submission.emergency_shown_at == at
        assert submission.urgent_shown_at is None
        submission_id = submission.id
        token = tokens.create_token(registry.get_agency("demo"))[1]
    text = text_of(patient.get("summary.pdf").data)
    local = at.astimezone(ZoneInfo(DEMO_AGENCY["time_zone"]))  # the agency's own clock
    assert (f"The patient was shown \u201cCall 911 now\u201d "
            f"on {long_date(local)} at {local:%H:%M %Z}.") in text_of(
                patient.get("summary.pdf").data, first=1, last=1), text
    assert "Call your care team today" not in text
    body = app.test_client().get(f"/api/v1/submissions/{submission_id}",
                                 headers={"Authorization": f"Bearer {token}"}).get_json()
    assert body["messages_shown"] == {"emergency": at.isoformat(timespec="seconds"),
                                      "urgent": None}
