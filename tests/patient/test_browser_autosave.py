"""In Chromium: answers are saved as they are given (a reload keeps them), the status under the
buttons, a failed save, and Back that keeps what was chosen, with and without JavaScript.

A click that sends a form returns once the next page starts loading, before patient.js has
bound its listeners (it does so on DOMContentLoaded), so an answer chosen at once would not be
saved: every move to a step waits for that page's load event (`arrive`) before answering."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from ivig_home.checklist import assess, steps
from ivig_home.intake import drafts, submissions
from tests.answers import answers_today, example
from tests.browser import SCREENSHOTS, LiveServer
from tests.patient.journey import (
    arrive,
    axe_violations,
    describe,
    fill_step,
    landmark_violations,
    start,
    stored_answers,
)

pytestmark = pytest.mark.browser
SAVED = "Your answers on this page are saved."
FAILED = "Could not save just now. Your answers will be saved when you press Continue."


def to_today(page: Any, target: str = "today") -> None:
    """From "About you", answer each step as a patient with nothing to flag until the step
    `target` ("How you feel today" by default) and wait for it to load."""
    ids = [step.id for step in steps.sections()]
    for step_id in ids[:ids.index(target)]:
        arrive(page, step_id)
        fill_step(page, step_id, answers_today("nothing-to-flag"), set())
        page.get_by_role("button", name="Continue").click()
    arrive(page, target)


def test_a_chosen_answer_and_typed_text_survive_a_reload(
        page: Any, live_server: LiveServer) -> None:
    draft_id = start(page)
    to_today(page)
    status = page.locator("[data-autosave-saved]")
    expect(status).to_be_hidden()  # nothing before any change
    page.locator("#question-breathing_trouble_now input[value=no]").check()
    expect(status).to_have_text(SAVED)
    expect(status).to_be_visible()
    assert stored_answers(live_server, draft_id)["breathing_trouble_now"] == "no"
    page.set_viewport_size({"width": 390, "height": 844})
    status.scroll_into_view_if_needed()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "step-autosaved-390.png"))
    page.reload()
    arrive(page, "today")
    expect(page.locator("#question-breathing_trouble_now input[value=no]")).to_be_checked()
    expect(page.locator("[data-autosave-saved]")).to_be_hidden()

    # Typing is saved after a pause, without leaving the box.
    page.get_by_role("button", name="Back", exact=True).click()
    arrive(page, "about-contact")
    phone = page.locator("[name=contact_phone]")
    phone.fill("555 123 4567")
    phone.press("End")  # stay in the box
    expect(page.locator("[data-autosave-saved]")).to_be_visible(timeout=5000)
    assert stored_answers(live_server, draft_id)["contact_phone"] == "555 123 4567"
    page.reload()
    expect(page.locator("[name=contact_phone]")).to_have_value("555 123 4567")
    assert not axe_violations(page), describe(axe_violations(page))


def test_a_failed_save_says_so_politely_and_continue_still_saves(
        page: Any, live_server: LiveServer) -> None:
    draft_id = start(page)
    to_today(page, "today-infection")
    # The network fails for the page's saves (fetch rejects, as it does offline). Done in the
    # page, not with page.route: a keepalive fetch can bypass Playwright's interception.
    page.evaluate("""() => {
      window.realFetch = window.fetch;
      window.fetch = () => Promise.reject(new TypeError("Failed to fetch"));
    }""")
    page.locator("#question-infection_now input[value=no]").check()
    failed = page.locator("[data-autosave-failed]")
    expect(failed).to_have_text(FAILED)
    assert failed.get_attribute("aria-live") == "polite"
    expect(page.locator("[data-autosave-saved]")).to_be_hidden()
    page.set_viewport_size({"width": 390, "height": 844})
    failed.scroll_into_view_if_needed()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "step-autosave-failed-390.png"))
    assert "infection_now" not in stored_answers(live_server, draft_id)
    # The "saved" text itself is outside every live region: it is not read out each time.
    page.evaluate("() => { window.fetch = window.realFetch; }")
    page.locator("#question-fluids_low_now input[value=no]").check()
    expect(page.locator("[data-autosave-saved]")).to_be_visible()
    expect(failed).to_have_text("")
    assert page.evaluate("""() => document.querySelector('[data-autosave-saved]')
        .closest('[aria-live]') === null""")
    fill_step(page, "today-infection", answers_today("nothing-to-flag"), set())
    page.get_by_role("button", name="Continue").click()
    arrive(page, "treatment")
    assert stored_answers(live_server, draft_id)["infection_now"] == "no"


SLOW_FETCH = """() => {
  const real = window.fetch;
  window.saves = {now: 0, most: 0, count: 0};
  window.fetch = (url, options) => {
    const saves = window.saves;
    saves.now++; saves.count++; saves.most = Math.max(saves.most, saves.now);
    return new Promise(done => setTimeout(done, 1500))
      .then(() => real(url, options)).finally(() => { saves.now--; });
  };
}"""


def test_never_two_saves_at_once_and_the_latest_is_saved(
        page: Any, live_server: LiveServer) -> None:
    draft_id = start(page)
    to_today(page, "today-infection")
    page.evaluate(SLOW_FETCH)  # each save takes 1.5 s
    items = ("infection_now", "fluids_low_now")
    for item_id in items:
        page.locator(f"#question-{item_id} input[value=no]").check()
    expect(page.locator("[data-autosave-saved]")).to_be_visible(timeout=10000)
    page.wait_for_function("() => window.saves.now === 0 && window.saves.count === 2",
                           timeout=10000)
    saves = page.evaluate("window.saves")
    assert saves["most"] == 1, saves
    stored = stored_answers(live_server, draft_id)
    assert all(stored[item_id] == "no" for item_id in items), stored


def test_back_with_javascript_keeps_the_answer_and_the_landmark(page: Any) -> None:
    start(page)
    to_today(page)
    back = page.get_by_role("navigation", name="Back").get_by_role("button", name="Back",
                                                                   exact=True)
    expect(back).to_be_visible()
    assert not landmark_violations(page), describe(landmark_violations(page))
    page.locator("#question-breathing_trouble_now input[value=no]").check()
    back.focus()
    page.keyboard.press("Enter")
    arrive(page, "about-contact")
    page.get_by_role("button", name="Continue").click()
    arrive(page, "today")
    expect(page.locator("#question-breathing_trouble_now input[value=no]")).to_be_checked()


def test_back_without_javascript_keeps_the_answer_and_enter_still_continues(
        page_without_js: Any, live_server: LiveServer) -> None:
    page = page_without_js
    draft_id = start(page)
    answers = answers_today("nothing-to-flag")
    to_today(page, "treatment-before")
    done: set[str] = set()
    fill_step(page, "treatment-before", answers, done)
    # Enter in a text box presses Continue (the follow-up appears, without JavaScript), not
    # the Back button that comes first on the page.
    with page.expect_navigation():  # the same address: wait for the new page itself
        page.locator("[name=supervised_infusions]").press("Enter")
    arrive(page, "treatment-before")
    expect(page.get_by_role("heading", name="A new question appeared")).to_be_visible()
    fill_step(page, "treatment-before", answers, done)
    page.locator("[name=supervised_infusions]").press("Enter")
    arrive(page, "treatment-last")
    page.locator("[name=last_infusion_date-month]").fill("10")
    page.locator("[name=last_infusion_date-year]").fill("2026")
    page.get_by_role("button", name="Back", exact=True).click()
    arrive(page, "treatment-before")
    assert stored_answers(live_server, draft_id)["last_infusion_date"] == "2026-10-01"
    page.locator("[name=supervised_infusions]").press("Enter")
    arrive(page, "treatment-last")
    assert page.locator("[name=last_infusion_date-month]").input_value() == "10"
    assert page.locator("[data-autosave-saved]").is_hidden()


SOME = "Some answers on this page are not saved yet: press Continue to check them."
SENT = ("Your answers were already sent, so changes here are not saved. If something has "
        "changed, call your care team.")


def test_a_second_tab_saves_over_the_first_and_a_refused_value_is_said(
        page: Any, live_server: LiveServer) -> None:
    draft_id = start(page)
    to_today(page, "today-swallowing")
    other = page.context.new_page()  # the same draft open in a second tab
    other.goto(page.url)  # returns once the page has loaded
    page.locator("#question-swallowing_trouble_now input[value=no]").check()
    expect(page.locator("[data-autosave-saved]")).to_be_visible()
    # The second tab's page saw older answers: its save is refused as stale, then sent
    # again once over the newer ones, and kept.
    other.locator("#question-stroke_signs_now input[value=no]").check()
    expect(other.locator("[data-autosave-saved]")).to_be_visible()
    expect(other.locator("[data-autosave-failed]")).to_have_text("")
    stored = stored_answers(live_server, draft_id)
    assert stored["stroke_signs_now"] == "no" and stored["swallowing_trouble_now"] == "no"
    other.close()
    # A half-typed date on "About you" is not stored, and the page says so.
    page.goto(page.url.replace("/today-swallowing", "/about"))
    arrive(page, "about")
    page.locator("[name='date_of_birth-day']").fill("40")
    page.locator("[name='date_of_birth-day']").press("Tab")
    expect(page.locator("[data-autosave-failed]")).to_have_text(SOME)
    expect(page.locator("[data-autosave-saved]")).to_be_hidden()
    assert stored_answers(live_server, draft_id)["date_of_birth"] != "40"


def test_a_page_left_open_after_sending_says_nothing_more_is_kept(
        page: Any, live_server: LiveServer) -> None:
    draft_id = start(page)
    to_today(page)
    page.locator("#question-breathing_trouble_now input[value=no]").check()
    expect(page.locator("[data-autosave-saved]")).to_be_visible()
    with live_server.app.app_context():  # sent meanwhile, as from another tab
        draft = drafts.get_draft(draft_id)
        assert draft is not None
        submissions.submit_draft(draft, assess(example("nothing-to-flag")), None)
        before = drafts.draft_answers(drafts.get_draft(draft_id))  # type: ignore[arg-type]
    page.locator("#question-breathing_trouble_now input[value=yes]").check()
    expect(page.locator("[data-autosave-failed]")).to_have_text(SENT)
    expect(page.locator("[data-autosave-saved]")).to_be_hidden()
    # The 911 message at the question is shown all the same, and Continue says it too.
    expect(page.locator("#breathing_trouble_now-emergency")).to_be_visible()
    assert stored_answers(live_server, draft_id) == before
    page.get_by_role("button", name="Continue", exact=True).click()
    expect(page.get_by_text("Those answers were not added")).to_be_visible()
    expect(page.get_by_role("link", name="Call 911")).to_be_visible()


def test_a_refused_save_is_handled_quietly_with_no_console_error(
        page: Any, live_server: LiveServer) -> None:
    """The stored answers change behind the page (another tab): its next save is refused as
    stale and sent once more over them; the step not open yet and the sent draft are refused
    too. The page says what it must, and nothing reaches the browser's console."""
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text)
            if message.type in ("error", "warning") else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    devtools = page.context.new_cdp_session(page)
    devtools.on("Log.entryAdded", lambda event: problems.append(event["entry"]["text"])
                if event["entry"]["level"] in ("error", "warning") else None)
    devtools.send("Log.enable")
    draft_id = start(page)
    to_today(page)
    with live_server.app.app_context():  # saved meanwhile from another tab
        draft = drafts.get_draft(draft_id)
        assert draft is not None
        drafts.save_draft(draft, {**drafts.draft_answers(draft), "brand_name": "Privigen"},
                          "today")
    page.locator("#question-breathing_trouble_now input[value=no]").check()
    expect(page.locator("[data-autosave-saved]")).to_be_visible()
    stored = stored_answers(live_server, draft_id)
    assert stored["breathing_trouble_now"] == "no" and stored["brand_name"] == "Privigen"
    with live_server.app.app_context():  # sent meanwhile, as from another tab
        draft = drafts.get_draft(draft_id)
        assert draft is not None
        submissions.submit_draft(draft, assess(example("nothing-to-flag")), None)
    page.locator("#question-breathing_trouble_now input[value=unsure]").check()
    expect(page.locator("[data-autosave-failed]")).to_have_text(SENT)
    page.wait_for_timeout(300)
    assert problems == [], problems
