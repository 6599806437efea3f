"""A returning patient: the checklist opened from an invitation starts with last time's
lasting answers, a section at a time, with Nothing has changed; today's are asked afresh."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from ivig_home.checklist import load
from ivig_home.db import db
from ivig_home.intake import drafts
from ivig_home.models import PatientSubmission
from tests.patient.client import Patient as FormFiller
from tests.patient.client import clean, section_form, token_in
from tests.patients.returning_support import BIRTH, invite, today, weeks_pass

TODAY = ["breathing_trouble_now", "swallowing_trouble_now", "stroke_signs_now",
         "clot_signs_now", "weakness_worse_now", "infection_now", "fluids_low_now"]


def open_link(client: FlaskClient, link: str) -> str:
    """Enter the date of birth on the invitation's page; return the draft's first page."""
    page = client.get(link)
    year, month, day = BIRTH.split("-")
    opened = client.post(link, data={"csrf_token": token_in(page.text),
                                     "date_of_birth-day": day, "date_of_birth-month": month,
                                     "date_of_birth-year": year})
    assert opened.status_code == 303, opened.text
    location: str = opened.headers["Location"]
    return location


def send_first(app: Flask, client: FlaskClient, **changes: Any) -> None:
    """Send a whole first checklist from an invitation."""
    location = open_link(client, invite(app))
    filler = FormFiller(app, client)
    filler.draft_id = location.split("/d/")[1].split("/")[0]
    answers = clean(**changes)
    answers.pop("planned_infusion_date")
    filler.complete_until("before", answers)
    sent = filler.post("confirm", section_form(
        "confirm", {"ack_not_decision": True, "ack_accurate": True}), action="submit")
    assert sent.status_code == 303, sent.text


def test_the_definition_carries_the_lasting_facts_and_never_today() -> None:
    items = load().items.values()
    carried = {item.id for item in items if item.carry_forward}
    fresh = {item.id for item in items if not item.carry_forward}
    assert fresh == {"planned_infusion_date", *TODAY, "last_infusion_date", "same_brand",
                     "epinephrine_in_date", "hydration_plan", "premedication_at_home",
                     "vaccine_planned", "notes_for_team", "ack_not_decision", "ack_accurate"}
    assert {"patient_name", "date_of_birth", "medications", "brand_name",
            "knows_slow_or_stop", "blood_product_questions"} <= carried


@pytest.mark.parametrize(("find", "replace", "problem"), [
    ('id = "breathing_trouble_now"', 'id = "breathing_trouble_now"\ncarry_forward = true',
     "item 'breathing_trouble_now': section 'today' is asked afresh"),
    ('id = "ack_accurate"', 'id = "ack_accurate"\ncarry_forward = true',
     "item 'ack_accurate': section 'confirm' is asked afresh"),
    ('id = "planned_infusion_date"', 'id = "planned_infusion_date"\ncarry_forward = true',
     "item 'planned_infusion_date': a date that may lie ahead"),
    ('id = "kidney_problems"', 'id = "kidney_problems"\ncarry_forward = "yes"',
     "item 'kidney_problems': 'carry_forward' must be true or false"),
])
def test_a_definition_that_would_carry_the_wrong_item_does_not_load(
        find: str, replace: str, problem: str) -> None:
    from importlib import resources

    from ivig_home.checklist.definition import DefinitionError, parse_text
    text = resources.files("ivig_home.checklist").joinpath("ivig_home_v1.toml").read_text()
    broken = text.replace(f"{find}\n", f"{replace}\n", 1)
    broken = broken.replace(f"{replace}\n", replace.split("\n")[0] + "\n"
                            + replace.split("\n")[1] + "\n", 1)
    # Each item says carry_forward once: drop the item's own line after the one added.
    lines, seen, out = broken.split("\n"), False, []
    for line in lines:
        if line == replace.split("\n")[0]:
            seen = True
        elif seen and line.startswith("carry_forward = ") and line != replace.split("\n")[1]:
            seen = False
            continue
        out.append(line)
    with pytest.raises(DefinitionError, match=problem):
        parse_text("\n".join(out))


def test_a_returning_patient_confirms_a_section_at_a_time_and_answers_today_afresh(
        app: Flask, client: FlaskClient) -> None:
    send_first(app, client, medications="Pyridostigmine")
    last_infusion = weeks_pass(app)
    location = open_link(client, invite(app))
    draft_id = location.split("/d/")[1].split("/")[0]
    filler = FormFiller(app, client)
    filler.draft_id = draft_id
    stored = filler.answers()
    for item_id in TODAY + ["last_infusion_date", "same_brand", "epinephrine_in_date",
                            "hydration_plan", "vaccine_planned", "ack_accurate"]:
        assert item_id not in stored
    assert stored["medications"] == "Pyridostigmine" and stored["date_of_birth"] == BIRTH
    assert stored["planned_infusion_date"] > today(app).isoformat()

    about = client.get(location)
    assert "Last time (" in about.text and "you told us:" in about.text
    assert "Ana Ruiz" in about.text and "April 2, 1971" in about.text  # already known
    assert 'name="action" value="unchanged"' in about.text
    moved = filler.post("about", {}, action="unchanged")
    assert moved.status_code == 303 and moved.headers["Location"].endswith("/today")
    for step_id in ("today", "today-swallowing", "today-clots", "today-infection"):
        filler.answer(step_id, clean())
    treatment = filler.get("treatment")
    offer = f"Was your last infusion on {last_infusion:%B} {last_infusion.day}, "
    assert offer in treatment.text and "Pyridostigmine" not in treatment.text
    # "No, another day" with no date: the date is asked for, nothing is lost.
    refused = filler.post("treatment", {"shown": ["last_infusion_date", "same_brand"],
                                        "last_infusion_date-offer": "no", "same_brand": "yes"},
                          action="unchanged")
    assert refused.status_code == 400 and "last infusion" in refused.text.lower()
    assert 'value="yes" checked' in refused.text  # same_brand kept
    taken = filler.post("treatment", {"shown": ["last_infusion_date", "same_brand"],
                                      "last_infusion_date-offer": "yes", "same_brand": "yes"},
                        action="unchanged")
    assert taken.status_code == 303 and taken.headers["Location"].endswith("/history")
    assert filler.answers()["last_infusion_date"] == last_infusion.isoformat()
    history = filler.get("history")
    assert "Pyridostigmine" in history.text and "Is this still right?" in history.text
    assert filler.post("history", {}, action="unchanged").headers["Location"].endswith(
        "/monitoring")
    assert filler.post("monitoring", {}, action="unchanged").headers["Location"].endswith(
        "/safety")
    safety = filler.post("safety", {"shown": ["epinephrine_in_date"],
                                    "epinephrine_in_date": "yes"}, action="unchanged")
    assert safety.headers["Location"].endswith("/before")
    before = filler.post("before", {"shown": ["hydration_plan", "premedication_at_home",
                                              "vaccine_planned", "notes_for_team"],
                                    "hydration_plan": "yes", "premedication_at_home": "yes",
                                    "vaccine_planned": "no"}, action="unchanged")
    assert before.headers["Location"].endswith("/confirm")
    sent = filler.post("confirm", section_form(
        "confirm", {"ack_not_decision": True, "ack_accurate": True}), action="submit")
    assert sent.status_code == 303, sent.text
    with app.app_context():
        links = db.session.scalars(select(PatientSubmission)
                                   .order_by(PatientSubmission.created_at)).all()
        assert len(links) == 2 and links[0].patient_id == links[1].patient_id
        assert links[1].change_count == 0  # nothing changed since last time


def test_change_an_answer_opens_the_sections_steps_filled_in(app: Flask,
                                                             client: FlaskClient) -> None:
    send_first(app, client)
    weeks_pass(app)
    location = open_link(client, invite(app))
    filler = FormFiller(app, client)
    filler.draft_id = location.split("/d/")[1].split("/")[0]
    filler.post("about", {}, action="unchanged")
    for step_id in ("today", "today-swallowing", "today-clots", "today-infection"):
        filler.answer(step_id, clean())
    filler.post("treatment", {"shown": ["last_infusion_date", "same_brand"],
                              "last_infusion_date-offer": "yes", "same_brand": "yes"})
    opened = filler.post("history", {}, action="change")
    assert opened.status_code == 303 and opened.headers["Location"].endswith("/history")
    page = filler.get("history")
    assert "you told us:" not in page.text  # the usual step, its answers filled in
    assert 'name="kidney_problems" value="no" checked' in page.text
    changed = filler.answer("history", clean(kidney_problems="yes"))
    assert changed.status_code == 303
    assert filler.answers()["kidney_problems"] == "yes"
    with app.app_context():
        draft = drafts.get_draft(filler.draft_id)
        assert "history" not in drafts.sections_to_confirm(draft)
        assert "monitoring" in drafts.sections_to_confirm(draft)


def test_a_first_checklist_from_an_invitation_starts_with_the_name_and_date_given(
        app: Flask, client: FlaskClient) -> None:
    location = open_link(client, invite(app))
    filler = FormFiller(app, client)
    filler.draft_id = location.split("/d/")[1].split("/")[0]
    stored = filler.answers()
    assert stored["patient_name"] == "Ana Ruiz" and stored["date_of_birth"] == BIRTH
    assert set(stored) == {"patient_name", "date_of_birth", "planned_infusion_date"}
    page = client.get(location)
    assert "you told us:" not in page.text and 'value="Ana Ruiz"' in page.text


def test_a_caregivers_returning_pages_speak_of_the_patient_by_name(
        app: Flask, client: FlaskClient) -> None:
    send_first(app, client, completed_by="caregiver")
    weeks_pass(app)
    location = open_link(client, invite(app))
    filler = FormFiller(app, client)
    filler.draft_id = location.split("/d/")[1].split("/")[0]
    filler.post("about", {}, action="unchanged")
    for step_id in ("today", "today-swallowing", "today-clots", "today-infection"):
        filler.answer(step_id, clean(completed_by="caregiver"))
    filler.post("treatment", {"shown": ["last_infusion_date", "same_brand"],
                              "last_infusion_date-offer": "yes", "same_brand": "yes"})
    history = filler.get("history").text
    assert "Has Ana Ruiz ever had kidney problems?" in history
    assert "Have you ever had kidney problems?" not in history
    assert "You are filling this in for Ana Ruiz." in history
