"""Autosave and Back through the test client: what a change or Back stores, and what it never
does (a bad token, a refused value, a sent draft)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from tests.patient.client import Patient, clean, section_form, token_in


def autosave(patient: Patient, section_id: str, data: dict[str, Any],
             token: str | None = None) -> Any:
    return patient.post(section_id, data, action="autosave", token=token)


def test_a_change_is_stored_at_once_and_answered_with_no_content(patient: Patient) -> None:
    patient.complete_until("today", clean(), step=True)
    response = autosave(patient, "today-swallowing", {"shown": ["swallowing_trouble_now"],
                                                      "swallowing_trouble_now": "no"})
    assert response.status_code == 204
    assert response.headers["X-Answers-Kept"] == "all"
    assert response.text == ""
    assert "Location" not in response.headers
    assert patient.answers()["swallowing_trouble_now"] == "no"
    assert patient.draft().step == "today-swallowing"
    # The step is not finished: opening the next one still goes back to this one.
    assert patient.get("today-clots").headers["Location"].endswith("/today-swallowing")


def test_autosave_needs_no_date_of_birth_and_gives_no_code(patient: Patient) -> None:
    response = autosave(patient, "about", {"shown": ["patient_name"],
                                           "patient_name": "Ana Ruiz"})
    assert response.status_code == 204
    assert patient.answers() == {"patient_name": "Ana Ruiz"}
    draft = patient.draft()
    assert draft.step == "about"
    assert draft.resume_code_hash is None


def test_a_bad_token_stores_nothing(patient: Patient) -> None:
    response = autosave(patient, "about", {"shown": ["patient_name"],
                                           "patient_name": "Ana Ruiz"}, token="wrong")
    assert response.status_code == 400
    assert patient.answers() == {}
    assert patient.draft().answers_enc is None


def test_a_refused_value_keeps_the_answer_stored_before(patient: Patient) -> None:
    patient.complete_until("treatment", clean())
    data = section_form("treatment-before", clean(prior_problems="unsure"))
    data["supervised_infusions"] = "lots"
    response = autosave(patient, "treatment-before", data)
    assert response.status_code == 204
    assert response.headers["X-Answers-Kept"] == "some"  # the page says not all were kept
    stored = patient.answers()
    assert stored["supervised_infusions"] == 6
    assert stored["prior_problems"] == "unsure"  # the rest of the page is kept
    # A date being typed (a day of 40) does not replace the stored date either.
    data = section_form("about", clean())
    data["date_of_birth-day"] = "40"
    assert autosave(patient, "about", data).status_code == 204
    assert patient.answers()["date_of_birth"] == "1971-04-02"


def test_follow_ups_no_longer_asked_are_removed(patient: Patient) -> None:
    patient.complete_until("treatment", clean())
    assert "same_brand" in patient.answers()
    data = section_form("treatment-before", clean(supervised_infusions=0))
    assert autosave(patient, "treatment-before", data).status_code == 204
    stored = patient.answers()
    assert stored["supervised_infusions"] == 0
    for gone in ("prior_problems", "last_infusion_date", "same_brand"):
        assert gone not in stored


def test_an_emergency_answer_is_stored_without_the_help_now_page(patient: Patient) -> None:
    patient.complete_until("about", clean())
    response = autosave(patient, "today", {"shown": ["breathing_trouble_now"],
                                           "breathing_trouble_now": "yes"})
    assert response.status_code == 204
    assert patient.answers()["breathing_trouble_now"] == "yes"
    # A save on change does not say the message was seen: it may have shown for an instant
    # (the arrow keys passing "Yes"). Only a save naming it records it (test_help_now_shown.py).
    assert patient.draft().emergency_shown_at is None


def test_a_sent_draft_is_never_changed(patient: Patient) -> None:
    patient.complete_until("before", clean())
    token = token_in(patient.get("today").text)
    sent = patient.post("confirm", section_form("confirm", {"ack_not_decision": True,
                                                            "ack_accurate": True}),
                        action="submit")
    assert sent.headers["Location"].endswith("/sent"), sent.text
    before = patient.answers()
    response = autosave(patient, "today", {"shown": ["breathing_trouble_now"],
                                           "breathing_trouble_now": "yes"}, token=token)
    assert response.status_code == 200  # refused: nothing stored (not 409: no console error)
    assert response.headers["X-Autosave-Refused"] == "sent"
    back = patient.post("today", {"shown": ["breathing_trouble_now"],
                                  "breathing_trouble_now": "yes"}, action="back", token=token)
    assert back.status_code == 303
    assert back.headers["Location"].endswith("/sent?late=emergency")  # with the 911 message
    assert patient.answers() == before


def test_a_step_not_open_yet_is_not_saved(patient: Patient) -> None:
    token = token_in(patient.get("about").text)
    response = autosave(patient, "history", {"shown": ["diabetes"], "diabetes": "yes"},
                        token=token)
    assert response.status_code == 200  # refused: nothing stored (not 409: no console error)
    assert response.headers["X-Autosave-Refused"] == "closed"
    assert patient.answers() == {}


def test_the_step_page_has_back_as_a_button_of_its_form(patient: Patient) -> None:
    patient.complete_until("about", clean())
    page = patient.get("today").text
    nav = re.search(r'<nav class="back-nav".*?</nav>', page, re.S).group(0)
    assert re.search(r'<button type="submit" form="step-form" name="action" value="back" '
                     r'class="back-link[^"]*">Back</button>', nav)
    # Enter in a box still means Continue: the first submit button of the form is Continue.
    first = re.search(r'<button[^>]*form="step-form"[^>]*>', nav).group(0)
    assert 'value="continue"' in first and " hidden" in first
    assert '<form method="post" action="/a/demo/d/' in page and 'id="step-form"' in page
    assert "data-autosave" in page


def test_back_keeps_the_answers_and_opens_the_previous_step(patient: Patient) -> None:
    patient.complete_until("today", clean())
    data = section_form("treatment", clean(ivig_purpose="flare"))
    response = patient.post("treatment", data, action="back")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/d/{patient.draft_id}/today-infection")
    stored = patient.answers()
    assert stored["ivig_purpose"] == "flare"
    assert patient.draft().step == "today-infection"
    page = patient.get("treatment").text
    assert re.search(r'value="flare"[^>]*checked', page)


def test_back_passes_over_a_step_that_asks_nothing(patient: Patient) -> None:
    """With no problems with past infusions, the step of past reactions asks nothing: Back
    from the step after it opens the one before it."""
    patient.complete_until("treatment", clean())
    assert "prior_reactions" not in patient.answers()
    response = patient.post("treatment-last", section_form("treatment-last", clean()),
                            action="back")
    assert response.headers["Location"].endswith("/treatment-before")


def test_back_from_a_step_with_an_error_still_goes_back(patient: Patient) -> None:
    patient.complete_until("treatment", clean())
    data = section_form("treatment-before", clean(prior_problems="unsure"))
    data["supervised_infusions"] = "lots"
    assert patient.post("treatment-before", data).status_code == 400  # Continue: the error
    response = patient.post("treatment-before", data, action="back")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/treatment")
    stored = patient.answers()
    assert stored["prior_problems"] == "unsure"
    assert stored["supervised_infusions"] == 6


def test_back_with_a_bad_token_stores_nothing(patient: Patient) -> None:
    patient.complete_until("about", clean())
    response = patient.post("today", {"shown": ["breathing_trouble_now"],
                                      "breathing_trouble_now": "no"}, action="back",
                            token="wrong")
    assert response.status_code == 400
    assert "breathing_trouble_now" not in patient.answers()


def test_the_embedded_form_autosaves_without_cookies(app: Flask) -> None:
    client = app.test_client(use_cookies=False)
    patient = Patient(app, client)
    patient.start()
    patient.complete_until("about", clean())
    url = f"/embed/demo/d/{patient.draft_id}/today"
    token = token_in(client.get(url, headers={"Sec-Fetch-Dest": "iframe"}).text)
    response = client.post(url, data={"csrf_token": token, "action": "autosave",
                                      "shown": ["breathing_trouble_now"],
                                      "breathing_trouble_now": "no"},
                           headers={"Sec-Fetch-Dest": "empty"})
    assert response.status_code == 204
    assert patient.answers()["breathing_trouble_now"] == "no"


def test_a_save_from_a_page_overtaken_by_a_continue_is_refused(patient: Patient) -> None:
    patient.complete_until("about", clean())
    page = patient.get("today").text
    seen = re.search(r'data-version="([0-9a-f]+)"', page).group(1)
    first = autosave(patient, "today", {"shown": ["breathing_trouble_now"],
                                        "breathing_trouble_now": "yes",
                                        "autosave_version": seen})
    assert first.status_code == 204
    now = first.headers["X-Answers-Version"]
    assert now != seen
    assert re.search(f'data-version="{now}"', patient.get("today").text)
    # Continue stores "no"; a save sent before it (naming what it saw then) comes late.
    assert patient.answer("today", clean()).status_code == 303
    late = autosave(patient, "today", {"shown": ["breathing_trouble_now"],
                                       "breathing_trouble_now": "yes",
                                       "autosave_version": now})
    assert late.status_code == 200
    assert late.headers["X-Autosave-Refused"] == "stale"
    assert patient.answers()["breathing_trouble_now"] == "no"
    assert patient.draft().step == "today-swallowing"
    # The refusal names the stored version, so the page can save over it once (as its own
    # Continue would): that is the page's choice, made only while it is still open.
    current = late.headers["X-Answers-Version"]
    again = autosave(patient, "today", {"shown": ["breathing_trouble_now"],
                                        "breathing_trouble_now": "unsure",
                                        "autosave_version": current})
    assert again.status_code == 204
    assert patient.answers()["breathing_trouble_now"] == "unsure"


def _send(patient: Patient) -> None:
    patient.complete_until("before", clean())
    sent = patient.post("confirm", section_form("confirm", {"ack_not_decision": True,
                                                            "ack_accurate": True}),
                        action="submit")
    assert sent.headers["Location"].endswith("/sent"), sent.text


@pytest.mark.parametrize(("answer", "late", "says"), [
    ("yes", "emergency", "Call 911"),
    ("unsure", "urgent", "Please call Demo Home Health today on 555-0100."),
    ("no", "changed", None),
])
def test_a_step_sent_after_the_checklist_says_so_and_still_says_help_now(
        patient: Patient, answer: str, late: str, says: str | None) -> None:
    """A page left open in another tab: its Continue adds nothing, and the sent page says
    so, with the 911 or call-today message when an answer on it needs help now."""
    token = token_in(patient.get("about").text)
    _send(patient)
    before = patient.answers()
    response = patient.post("today", {"shown": ["breathing_trouble_now"],
                                      "breathing_trouble_now": answer}, token=token)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/sent?late={late}")
    html = patient.client.get(response.headers["Location"]).text
    page = " ".join(re.sub(r"<[^>]+>", " ", html).split()).replace(" .", ".")
    assert "Those answers were not added" in page
    assert "the answers on the page you came from were not added" in page
    if says:
        assert says in page
    if late == "emergency":  # the call comes first, one tap
        assert html.index('href="tel:911"') < html.index("Your answers have been sent</h1>")
    else:
        assert 'href="tel:911"' not in html
    if late != "urgent":
        assert "today on 555-0100" not in page
    assert patient.answers() == before
    plain = patient.get("sent").text  # the sent page itself says nothing of it
    assert "Those answers were not added" not in plain
    assert patient.get("today").headers["Location"].endswith("/sent")
