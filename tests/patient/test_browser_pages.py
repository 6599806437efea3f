"""Every patient page passes axe-core (WCAG 2.2 A and AA, and every part in a landmark), reflows
at 320 px and is screenshot."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.answers import answers_today
from tests.browser import SCREENSHOTS, LiveServer
from tests.patient.journey import SECTIONS, complete, describe, patient_page_violations
from tests.patient.page_audit import PageAudit

pytestmark = pytest.mark.browser


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


def test_the_one_axe_pass_of_a_page_finds_each_kind_of_problem(page: Any) -> None:
    page.goto("/a/demo/")
    assert not patient_page_violations(page), describe(patient_page_violations(page))
    page.evaluate("""() => {
        const main = document.querySelector('main');
        main.append(document.createElement('input'));  // no label: WCAG A
        const grey = Object.assign(document.createElement('p'), {textContent: 'Pale words'});
        grey.style.color = '#767676';  // 4.5:1 on white: AA passes, 7:1 does not
        grey.style.background = '#ffffff';
        main.append(grey);
        main.before(Object.assign(document.createElement('a'), {href: '#', textContent: 'Loose'}));
    }""")
    found = {violation["id"] for violation in patient_page_violations(page)}
    assert {"label", "color-contrast-enhanced", "region"} <= found, found
