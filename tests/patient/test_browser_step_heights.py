"""In Chromium on a phone (375 by 667 px): no step is taller than about three screens as it
is first shown (four with every error shown at once), so a patient who tires easily never
scrolls far, while steps stay few enough to keep the taps down; the
check page puts what will be flagged and Send before the list of every answer."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from ivig_home.agencies import registry
from ivig_home.checklist import steps
from ivig_home.intake import drafts
from tests.answers import answers_today
from tests.browser import SCREENSHOTS, SEND_BUTTON, LiveServer
from tests.patient.journey import arrive, axe_violations, describe

pytestmark = pytest.mark.browser
PHONE = {"width": 375, "height": 667}
TALLEST = 2000  # px: three phone screens, as a step is first shown
TALLEST_WITH_ERRORS = 2668  # px: four screens, with every error of the step shown at once
QUESTION_STEPS = [step.id for step in steps.sections() if step.id != steps.CONFIRM]
# Answers that ask every follow-up question, so each step shows all it can ask.
EVERY_QUESTION = {**answers_today("nothing-to-flag"), "prior_problems": "yes",
                  "prior_reactions": ["headache"], "split_dose_discussed": "yes"}


def draft_at(live_server: LiveServer, step_id: str, answers: dict[str, Any]) -> str:
    """Return a new draft of the demo agency whose steps before `step_id` are answered."""
    ids = [step.id for step in steps.sections()]
    before = {item.id for step in steps.sections()[:ids.index(step_id)] for item in step.items}
    with live_server.app.app_context():
        draft = drafts.start_draft(registry.ensure_demo_agency())
        drafts.save_draft(draft, {k: v for k, v in answers.items() if k in before}, step_id)
        return str(draft.id)


def height(page: Any) -> int:
    """Return how tall the whole page is, in CSS pixels."""
    return int(page.evaluate("document.documentElement.scrollHeight"))


def refuse_optional_text(page: Any, step: Any) -> None:
    """On a step of optional questions only, type what is refused into each text box (a
    phone number in words, a text over its length), so the page has errors to show."""
    if any(item.required for item in step.items):
        return
    for item in step.items:
        if item.type == "text":
            text = "call my daughter" if item.input == "tel" else "x" * (item.max_length + 1)
            page.locator(f"[name={item.id}]").fill(text)


@pytest.mark.parametrize("step_id", QUESTION_STEPS)
def test_no_step_is_taller_than_three_phone_screens(
        browser: Any, live_server: LiveServer, step_id: str) -> None:
    step = steps.find(step_id)
    assert step is not None
    context = browser.new_context(viewport=PHONE, base_url=live_server.url)
    page = context.new_page()
    try:
        page.goto(f"/a/demo/d/{draft_at(live_server, step_id, EVERY_QUESTION)}/{step_id}")
        arrive(page, step_id)
        empty = height(page)
        refuse_optional_text(page, step)
        page.get_by_role("button", name="Continue", exact=True).click()
        page.wait_for_load_state()
        with_errors = None
        if page.title().startswith("Error: "):
            with_errors = height(page)
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / f"height-{step_id}-error-375.png"),
                            full_page=True)
        else:
            # Nothing to refuse: every question takes an empty answer (none ticked).
            assert all(item.type == "multi" for item in step.items), page.title()
        print(f"{step_id}: {empty} px empty, {with_errors} px with errors")  # noqa: T201
        assert empty <= TALLEST, (step_id, empty)
        assert with_errors is None or with_errors <= TALLEST_WITH_ERRORS, (step_id, with_errors)
    finally:
        context.close()


def test_the_check_page_puts_flags_and_send_before_every_answer(
        browser: Any, live_server: LiveServer) -> None:
    context = browser.new_context(viewport=PHONE, base_url=live_server.url)
    page = context.new_page()
    try:
        page.goto(f"/a/demo/d/{draft_at(live_server, steps.CONFIRM, EVERY_QUESTION)}/confirm")
        arrive(page, steps.CONFIRM)
        send = page.get_by_role("button", name=SEND_BUTTON)
        flagged = page.locator(".flag-group").first
        every = page.locator("details.all-answers")
        expect(flagged).to_contain_text("Problems you had with IVIG before")
        tops = [locator.bounding_box()["y"] for locator in (flagged, send, every)]
        assert tops == sorted(tops), tops  # flagged first, then Send, then every answer
        assert tops[1] + 60 <= TALLEST, f"Send is {tops[1]:.0f} px down"
        # Every answer is one tap away, with its Change links.
        row = page.locator(".answers__row").filter(has_text="Have you ever had a stroke?")
        expect(row).to_be_hidden()
        page.get_by_text("Show all your answers").click()
        expect(row).to_be_visible()
        expect(row).to_contain_text("No")
        expect(page.get_by_role("link", name="Change answers: Your health history")).to_be_visible()
        assert not axe_violations(page), describe(axe_violations(page))
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for width in (375, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=str(SCREENSHOTS / f"check-open-{width}.png"), full_page=True)
        page.get_by_text("Show all your answers").click()
        page.screenshot(path=str(SCREENSHOTS / "check-folded-1280.png"), full_page=True)
        print(f"check page: Send at {tops[1]:.0f} px, page {height(page)} px")  # noqa: T201
    finally:
        context.close()
