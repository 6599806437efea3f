"""Chromium for the staff tests: the app served, a page on it, a nurse signed in, axe-core."""

from __future__ import annotations

from typing import Any

from tests.browser import AXE_TAGS, axe_run
from tests.staff.support import PASSWORD


def open_page(browser: Any, url: str, width: int = 1280) -> Any:
    """Return a new page of its own browser context, at this width, on the served app."""
    context = browser.new_context(viewport={"width": width, "height": 900}, base_url=url,
                                  accept_downloads=True)
    return context.new_page()


def sign_in(page: Any, email: str) -> None:
    """Sign in with the keyboard alone."""
    page.goto("/staff/login")
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")  # the brand link
    page.keyboard.press("Tab")
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/staff/")


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Run axe-core on the page for WCAG 2.2 A and AA; return the violations."""
    return axe_run(page, tags=AXE_TAGS)
