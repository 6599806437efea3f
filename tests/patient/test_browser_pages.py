"""Every patient page passes axe-core (WCAG 2.2 A and AA, and every part in a landmark), reflows
at 320 px and is screenshot."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.patient.conftest import SCREENSHOTS, LiveServer
from tests.patient.journey import (
    SECTIONS,
    answers_today,
    axe_violations,
    complete,
    describe,
    enhanced_contrast_violations,
    landmark_violations,
)

pytestmark = pytest.mark.browser
WIDTHS = (375, 1280)
# Every control a patient presses; links inside sentences are exempt (WCAG 2.5.8 inline).
SMALL_TARGETS = """() => [...document.querySelectorAll(
    'button, input:not([type=hidden]), textarea, .back-link, .change-link, a.button')]
  .filter(el => el.offsetParent !== null)
  .map(el => [el.id || el.name || el.textContent.trim(), el.getBoundingClientRect()])
  .filter(([, box]) => box.width < 44 || box.height < 44)
  .map(([name, box]) => `${name}: ${Math.round(box.width)}x${Math.round(box.height)}`)"""
TEXT_SIZE = """() => [...document.querySelectorAll('main p, main li, main label, main legend')]
  .filter(el => parseFloat(getComputedStyle(el).fontSize) < 19)
  .map(el => el.textContent.trim().slice(0, 40))"""


class PageAudit:
    """Check each page once: axe, 7:1 contrast, landmarks, no sideways scrolling at 320 px,
    screenshots."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.problems: dict[str, Any] = {}

    def check(self, page: Any, key: str) -> None:
        violations = (axe_violations(page) + enhanced_contrast_violations(page)
                      + landmark_violations(page))
        if violations:
            self.problems[key] = violations
        for label, script in (("targets under 44px", SMALL_TARGETS),
                              ("text under 19px", TEXT_SIZE)):
            found = page.evaluate(script)
            if found:
                self.problems[f"{key}: {label}"] = found
        page.set_viewport_size({"width": 320, "height": 700})
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if overflow > 0:
            self.problems[f"{key} at 320px"] = f"scrolls sideways by {overflow}px"
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=str(SCREENSHOTS / f"{key}-{width}.png"), full_page=True)

    def __call__(self, page: Any, name: str) -> None:
        key = name.replace("/", "-")
        if key in self.seen:
            return
        self.seen.add(key)
        self.check(page, key)
        if name in SECTIONS:
            button = "Send to my care team" if name == "confirm" else "Continue"
            page.get_by_role("button", name=button).click()
            page.wait_for_load_state()
            assert page.title().startswith("Error: "), page.title()
            assert page.evaluate("document.activeElement.classList.contains('error-summary')")
            self.check(page, f"{key}-error")


def test_every_page_and_error_state_passes_axe_and_reflows(
        browser: Any, live_server: LiveServer) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(base_url=live_server.url,
                                  viewport={"width": 375, "height": 900})
    page = context.new_page()
    blocked: list[str] = []
    page.on("console", lambda message: blocked.append(message.text)
            if "Content Security Policy" in message.text else None)
    audit = PageAudit()
    page.goto("/a/demo/")
    audit.check(page, "start")
    complete(page, "demo", answers_today("emergency"), on_page=audit)
    assert {"about-error", "today-error", "help-now-today", "confirm", "sent"} <= {
        *audit.seen, *(f"{key}-error" for key in audit.seen if key in SECTIONS)}
    assert not audit.problems, describe([audit.problems])
    assert not blocked, blocked
    context.close()


def test_the_save_resume_and_error_pages_pass_axe_and_reflow(
        browser: Any, live_server: LiveServer) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(base_url=live_server.url,
                                  viewport={"width": 375, "height": 900})
    page = context.new_page()
    audit = PageAudit()
    page.goto("/a/demo/")
    page.get_by_role("button", name="Start now").click()
    answers = answers_today("nothing-to-flag")
    for part, number in zip(("day", "month", "year"), answers["date_of_birth"].split("-")[::-1],
                            strict=True):
        page.locator(f"[name='date_of_birth-{part}']").fill(str(int(number)))
    page.get_by_role("button", name="Save and come back later").click()
    audit.check(page, "saved")
    page.goto("/a/demo/resume")
    audit.check(page, "resume")
    page.get_by_role("button", name="Continue").click()
    audit.check(page, "resume-error")
    page.goto("/a/demo/d/no-such-draft/about")
    expect(page.get_by_role("heading", name="This page cannot be found")).to_be_visible()
    audit.check(page, "not-found")
    assert not audit.problems, describe([audit.problems])
    context.close()
