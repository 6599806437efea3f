"""In Chromium: an answer that needs help now says so the moment it is chosen, on the step
itself, and the page still passes axe with the message shown. The message is recorded as
shown once it stayed up long enough to be announced, not when it only flashed by."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from ivig_home.intake import drafts
from tests.answers import answers_today
from tests.browser import SCREENSHOTS, LiveServer
from tests.patient.journey import (
    arrive,
    describe,
    fill_step,
    stored_answers,
    where,
)
from tests.patient.page_audit import PageAudit

pytestmark = pytest.mark.browser


def open_today(page: Any, **changes: Any) -> Any:
    """Start a checklist, pass "About you" and return the trouble breathing question."""
    page.goto("/a/demo/")
    page.get_by_role("button", name="Start now").click()
    # A follow-up question the script reveals must be there to be answered.
    for step_id in ("about", "about-who", "about-contact"):
        arrive(page, step_id)
        fill_step(page, step_id, answers_today("nothing-to-flag") | changes, set())
        page.get_by_role("button", name="Continue").click()
    arrive(page, "today")
    return page.locator("#question-breathing_trouble_now")


# Counts the page's background saves in flight, and keeps the answer to trouble breathing
# each one sends and the messages it names as seen.
RECORD_SAVES = """() => {
  const real = window.fetch;
  window.saves = {now: 0, breathing: [], seen: []};
  window.fetch = (url, options) => {
    window.saves.now++;
    window.saves.breathing.push(options.body.get("breathing_trouble_now"));
    window.saves.seen.push(...options.body.getAll("help_now_seen"));
    return real(url, options).finally(() => { window.saves.now--; });
  };
}"""
SAVES_DONE = "() => window.saves.now === 0"
SEEN_SAVED = "() => window.saves.seen.length > 0 && window.saves.now === 0"


def draft_of(page: Any, live_server: LiveServer) -> Callable[[], Any]:
    """Return a reader of the page's draft, as stored."""
    draft_id = where(page)[0]

    def draft() -> Any:
        with live_server.app.app_context():
            return drafts.get_draft(draft_id)
    return draft


def pause(page: Any) -> None:
    """Stop the page's clock (installed by the test) a second from now: no timer runs until
    the test says how much time passes."""
    page.clock.pause_at(page.evaluate("Date.now()") / 1000 + 1)  # seconds, in Python


def test_yes_to_trouble_breathing_says_call_911_at_once(page: Any) -> None:
    question = open_today(page)
    emergency = page.locator("#breathing_trouble_now-emergency")
    urgent = page.locator("#breathing_trouble_now-urgent")
    assert emergency.is_hidden() and urgent.is_hidden()
    question.get_by_label("Yes").check()
    expect(emergency).to_be_visible()
    expect(emergency.get_by_role("heading", name="Call 911 now")).to_be_visible()
    expect(emergency).to_contain_text("Do not wait. Do not drive yourself.")
    assert emergency.get_by_role("link", name="Call 911").get_attribute("href") == "tel:911"
    expect(page.locator("[data-help-now-live=emergency]")).to_have_text(
        "Call 911 now. Or your local emergency number. Do not wait. Do not drive yourself.")
    assert page.locator("[data-help-now-live=emergency]").get_attribute("aria-live") == "assertive"
    # Focus stays on the answer: the patient may still be answering.
    assert page.evaluate("document.activeElement.id") == "breathing_trouble_now"
    # The rest of the page goes on as before: nothing else is shown or hidden.
    assert urgent.is_hidden()
    assert page.locator("#swallowing_trouble_now-emergency").is_hidden()

    question.get_by_label("No", exact=True).check()
    expect(emergency).to_be_hidden()
    assert urgent.is_hidden()

    question.get_by_label("Not sure").check()
    expect(urgent).to_be_visible()
    assert emergency.is_hidden()
    expect(urgent.get_by_role("heading", name="Call your care team today")).to_be_visible()
    expect(urgent).to_contain_text("Call Demo Home Health today on 555-0100.")
    assert urgent.get_by_role("link", name="555-0100").get_attribute("href") == "tel:555-0100"
    expect(page.locator("[data-help-now-live=urgent]")).to_have_text(
        "Call Demo Home Health today on 555-0100.")
    assert page.locator("[data-help-now-live=urgent]").get_attribute("aria-live") == "polite"


def test_the_911_message_at_the_question_is_recorded_without_continue(
        page: Any, live_server: LiveServer) -> None:
    """The patient chooses "Yes", reads "Call 911 now" (it stays up and is announced) and
    closes the tab to call: the care team still learns that the message was shown."""
    question = open_today(page)
    draft = draft_of(page, live_server)
    page.evaluate(RECORD_SAVES)
    assert draft().emergency_shown_at is None
    question.get_by_label("Yes").check()
    expect(page.locator("#breathing_trouble_now-emergency")).to_be_visible()
    expect(page.locator("[data-help-now-live=emergency]")).to_have_text(
        "Call 911 now. Or your local emergency number. Do not wait. Do not drive yourself.")
    page.wait_for_function(SEEN_SAVED, timeout=10000)
    assert page.evaluate("window.saves.seen") == ["emergency"]
    assert draft().emergency_shown_at is not None
    page.close()
    assert stored_answers(live_server, draft().id)["breathing_trouble_now"] == "yes"
    stored = draft()
    assert stored.step == "today"  # Continue was never pressed
    assert stored.urgent_shown_at is None


def test_yes_passed_with_the_arrow_keys_is_not_recorded(
        page: Any, live_server: LiveServer) -> None:
    """A keyboard user moves through the answers: "Yes" is chosen, and 0.3 s later the down
    arrow chooses "No". "Yes" is saved for that moment and its message flashes, but it is
    never announced, so it is not recorded as shown; the same page records it once "Yes"
    stays. The page's clock is driven by the test, so a slow machine cannot stretch 0.3 s."""
    page.clock.install()
    question = open_today(page)
    draft = draft_of(page, live_server)
    page.evaluate(RECORD_SAVES)
    emergency = page.locator("#breathing_trouble_now-emergency")
    live = page.locator("[data-help-now-live=emergency]")
    pause(page)
    question.get_by_label("Yes").focus()
    page.keyboard.press("Space")
    expect(emergency).to_be_visible()
    page.clock.run_for(300)
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.value") == "no"
    expect(emergency).to_be_hidden()
    page.clock.run_for(2000)  # well past the 0.7 s after which a message still up is read
    page.clock.resume()
    page.wait_for_function(SAVES_DONE)
    expect(page.locator("[data-autosave-saved]")).to_be_visible()
    assert page.evaluate("window.saves.breathing") == ["yes", "no"]  # "Yes" was saved too
    assert stored_answers(live_server, draft().id)["breathing_trouble_now"] == "no"
    expect(live).to_have_text("")
    assert page.evaluate("window.saves.seen") == []
    assert draft().emergency_shown_at is None

    # Back up to "Yes", and it stays: announced, named in a save and recorded.
    pause(page)
    page.keyboard.press("ArrowUp")
    expect(emergency).to_be_visible()
    page.clock.run_for(800)
    page.clock.resume()
    expect(live).to_have_text(
        "Call 911 now. Or your local emergency number. Do not wait. Do not drive yourself.")
    page.wait_for_function(SEEN_SAVED, timeout=10000)
    assert page.evaluate("window.saves.seen") == ["emergency"]
    assert draft().emergency_shown_at is not None
    assert draft().urgent_shown_at is None


def test_a_step_opened_with_yes_already_chosen_records_the_911_message(
        page: Any, live_server: LiveServer) -> None:
    """"Yes" was saved, but the tab was closed before its message could be read (or the
    patient comes back to the step later): the step opens with "Call 911 now" shown, and
    once it has stayed up it is recorded, without an announcement over the page."""
    open_today(page)
    draft = draft_of(page, live_server)
    stored = stored_answers(live_server, draft().id)
    with live_server.app.app_context():
        reopened = drafts.get_draft(draft().id)
        drafts.save_draft(reopened, stored | {"breathing_trouble_now": "yes"}, "today")
    assert draft().emergency_shown_at is None
    page.add_init_script(f"({RECORD_SAVES})()")
    page.reload()
    arrive(page, "today")
    expect(page.locator("#breathing_trouble_now-emergency")).to_be_visible()
    page.wait_for_function(SEEN_SAVED, timeout=10000)
    assert page.evaluate("window.saves.seen") == ["emergency"]
    assert draft().emergency_shown_at is not None
    assert draft().urgent_shown_at is None
    expect(page.locator("[data-help-now-live=emergency]")).to_have_text("")
    assert stored_answers(live_server, draft().id)["breathing_trouble_now"] == "yes"


def test_the_page_passes_axe_with_the_911_message_shown(page: Any) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    open_today(page).get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    arrive(page, "today-swallowing")
    question = page.locator("#question-swallowing_trouble_now")
    question.get_by_label("Yes").check()
    page.locator("#question-stroke_signs_now").get_by_label("Not sure").check()
    expect(page.locator("#swallowing_trouble_now-emergency")).to_be_visible()
    expect(page.locator("#stroke_signs_now-urgent")).to_be_visible()
    audit = PageAudit()
    audit.check(page, "today-help-now-shown")
    assert not audit.problems, describe([audit.problems])
    page.set_viewport_size({"width": 390, "height": 844})
    question.evaluate("element => element.scrollIntoView()")
    page.screenshot(path=str(SCREENSHOTS / "today-help-now-shown-390.png"))


def test_a_caregiver_is_told_not_to_let_the_person_drive(page: Any) -> None:
    question = open_today(page, completed_by="caregiver")
    question.get_by_label("Yes").check()
    expect(page.locator("#breathing_trouble_now-emergency")).to_contain_text(
        "Do not let Ana Ruiz drive.")


def test_continue_still_opens_the_help_now_page(page: Any) -> None:
    open_today(page)
    fill_step(page, "today", answers_today("nothing-to-flag")
              | {"breathing_trouble_now": "yes"}, set())
    expect(page.locator("#breathing_trouble_now-emergency")).to_be_visible()
    page.get_by_role("button", name="Continue").click()
    assert where(page)[1] == "help-now/today"
    assert page.get_by_role("heading", level=1).inner_text() == "Call 911 now"


def test_without_javascript_the_messages_stay_hidden(page_without_js: Any) -> None:
    question = open_today(page_without_js)
    question.get_by_label("Yes").check()
    assert page_without_js.locator("#breathing_trouble_now-emergency").is_hidden()
    assert page_without_js.locator("#breathing_trouble_now-urgent").is_hidden()
