"""Check a patient page in Chromium the way the browser tests do: axe-core, 7:1 contrast,
landmarks, targets and text sizes, reflow at 320 px, and screenshots."""

from __future__ import annotations

from typing import Any

from tests.browser import SCREENSHOTS, SEND_BUTTON, sideways_scroll
from tests.patient.journey import SECTIONS, patient_page_violations

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
        if violations := patient_page_violations(page):
            self.problems[key] = violations
        for label, script in (("targets under 44px", SMALL_TARGETS),
                              ("text under 19px", TEXT_SIZE)):
            found = page.evaluate(script)
            if found:
                self.problems[f"{key}: {label}"] = found
        page.set_viewport_size({"width": 320, "height": 700})
        overflow = sideways_scroll(page)
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
        if name in SECTIONS and any(item.required and item.type != "multi"
                                    for item in SECTIONS[name].items):
            # (A step of optional questions or tick boxes only has no error to show.)
            button = SEND_BUTTON if name == "confirm" else "Continue"
            page.get_by_role("button", name=button).click()
            page.wait_for_load_state()
            assert page.title().startswith("Error: "), page.title()
            assert page.evaluate("document.activeElement.classList.contains('error-summary')")
            self.check(page, f"{key}-error")
