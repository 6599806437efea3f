"""In Chromium: keyboard only, follow-ups, going back, leaving and resuming, help now."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from ivig_home.intake import drafts, submissions
from tests.answers import answers_today
from tests.browser import LiveServer
from tests.patient.journey import (
    axe_violations,
    describe,
    fill_step,
    go_to,
    landmark_violations,
    start,
    stored_answers,
    where,
)
from tests.patient.keyboard import complete_by_keyboard

pytestmark = pytest.mark.browser


def test_a_patient_completes_the_checklist_by_keyboard_alone(
        page: Any, live_server: LiveServer) -> None:
    answers = answers_today("clinical-risk-factors")
    draft_id = complete_by_keyboard(page, "demo", answers)
    expect(page.get_by_role("heading", name="Your answers have been sent")).to_be_visible()
    with live_server.app.app_context():
        draft = drafts.get_draft(draft_id)
        submission = submissions.get_submission(draft.submission_id)
        sent = submissions.submission_answers(submission)
    assert {key: sent[key] for key in answers} == answers


def test_a_follow_up_appears_at_once_with_javascript_and_goes_again(page: Any) -> None:
    start(page)
    answers = answers_today("nothing-to-flag")
    go_to(page, "treatment-before", answers)
    # The page's script listens from DOMContentLoaded on: on a busy machine, typing before
    # the page has loaded would go unseen by it, as it would for a person.
    page.wait_for_load_state("load")
    follow_up = page.locator("#question-prior_problems")
    assert follow_up.is_hidden()
    page.get_by_label("How many IVIG infusions").fill("2")
    assert follow_up.is_visible()
    expect(page.locator("[data-live-region]")).to_have_text("A new question appeared below.")
    follow_up.get_by_label("Yes").check()
    page.get_by_label("How many IVIG infusions").fill("0")
    assert follow_up.is_hidden()
    assert not axe_violations(page), describe(axe_violations(page))


def test_going_back_and_changing_an_answer_removes_its_follow_ups(
        page_without_js: Any, live_server: LiveServer) -> None:
    page = page_without_js
    draft_id = start(page)
    answers = answers_today("clinical-risk-factors")
    done: set[str] = set()
    while where(page)[1] != "history":
        name = where(page)[1]
        if name.startswith("help-now/"):
            page.get_by_role("button", name="Continue the checklist").click()
            continue
        fill_step(page, name, answers, done)
        page.get_by_role("button", name="Continue").click()
    assert stored_answers(live_server, draft_id)["prior_reactions"] == [
        "headache", "allergic_reaction"]
    page.get_by_role("button", name="Back", exact=True).click()
    assert where(page)[1] == "treatment-last"
    page.goto(page.url.replace("/treatment-last", "/treatment-before"))
    assert page.locator("#question-prior_problems input[value=yes]").is_checked()
    page.get_by_label("How many IVIG infusions").fill("0")
    page.get_by_role("button", name="Continue").click()
    # The steps of past reactions and of the split dose ask nothing now: passed over.
    assert where(page)[1] == "treatment-last"
    page.get_by_role("button", name="Continue").click()
    assert where(page)[1] == "history"
    stored = stored_answers(live_server, draft_id)
    assert stored["supervised_infusions"] == 0
    for gone in ("prior_problems", "prior_reactions", "split_dose_discussed",
                 "last_infusion_date", "same_brand"):
        assert gone not in stored
    page.get_by_role("button", name="Back", exact=True).click()
    page.wait_for_url("**/treatment-last")
    page.get_by_role("button", name="Back", exact=True).click()
    page.wait_for_url("**/treatment-before")
    expect(page.locator("#question-prior_problems")).to_have_count(1)
    expect(page.locator("#question-prior_problems")).to_be_hidden()


def test_a_patient_leaves_and_resumes_with_the_code(browser: Any, page: Any,
                                                    live_server: LiveServer) -> None:
    draft_id = start(page)
    answers = answers_today("nothing-to-flag")
    go_to(page, "today", answers)
    page.locator("#question-breathing_trouble_now input[value=no]").check()
    page.get_by_role("button", name="Save and come back later").click()
    expect(page.get_by_role("heading", name="Your answers are saved")).to_be_visible()
    code = page.locator(".resume-code span[aria-hidden]").inner_text()
    assert re.fullmatch(r"[3-9A-Z]{4}-[3-9A-Z]{4}", code)
    link = page.locator(".resume-link a").get_attribute("href")
    assert not axe_violations(page), describe(axe_violations(page))

    later = browser.new_context(base_url=live_server.url)  # another day, a fresh browser
    again = later.new_page()
    again.goto(link)
    assert again.get_by_label("Your code").input_value() == code
    again.get_by_label("Day").fill("2")
    again.get_by_label("Month").fill("4")
    again.get_by_label("Year").fill("1971")
    again.get_by_role("button", name="Continue").click()
    assert where(again) == (draft_id, "today")
    assert again.locator("#question-breathing_trouble_now input[value=no]").is_checked()
    later.close()


def test_a_wrong_date_of_birth_does_not_resume(page: Any) -> None:
    page.goto("/a/demo/resume?code=KKKK-KKKK")
    page.get_by_label("Day").fill("2")
    page.get_by_label("Month").fill("4")
    page.get_by_label("Year").fill("1971")
    page.get_by_role("button", name="Continue").click()
    assert page.title().startswith("Error: ")
    assert "We could not find a saved checklist" in page.locator(".error-summary").inner_text()
    assert not axe_violations(page), describe(axe_violations(page))


def test_an_emergency_answer_shows_call_911_before_anything_else(
        page: Any, live_server: LiveServer) -> None:
    draft_id = start(page)
    answers = answers_today("nothing-to-flag") | {"clot_signs_now": "yes"}
    go_to(page, "today-clots", answers)
    fill_step(page, "today-clots", answers, set())
    page.get_by_role("button", name="Continue").click()
    assert where(page)[1] == "help-now/today-clots"
    assert page.get_by_role("heading", level=1).inner_text() == "Call 911 now"
    assert page.get_by_role("link", name="Call 911").get_attribute("href") == "tel:911"
    assert "Signs of a blood clot" in page.locator(".alert-panel").inner_text()
    assert page.get_by_role("link", name="555-0100").first.is_visible()
    with live_server.app.app_context():
        assert drafts.get_draft(draft_id).emergency_shown_at is not None
    page.get_by_role("button", name="Continue the checklist").click()
    assert where(page)[1] == "today-infection"


def test_axe_finds_a_problem_when_there_is_one(page: Any) -> None:
    page.goto("/a/demo/")
    page.evaluate("document.querySelector('main').append(document.createElement('input'))")
    assert "label" in {violation["id"] for violation in axe_violations(page)}


def test_the_back_button_is_inside_a_landmark(page: Any) -> None:
    start(page)
    go_to(page, "today", answers_today("nothing-to-flag"))
    back = page.get_by_role("navigation", name="Back").get_by_role("button", name="Back")
    expect(back).to_be_visible()
    assert not landmark_violations(page), describe(landmark_violations(page))
    # The rule finds a link outside every landmark, as the back link once was.
    page.evaluate("""document.querySelector('main').before(
        Object.assign(document.createElement('a'), {href: '#', textContent: 'Loose'}))""")
    assert "region" in {violation["id"] for violation in landmark_violations(page)}
