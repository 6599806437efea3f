"""The care team's area in Chromium: a nurse's review from sign-in to both PDFs; axe-core.

Screenshots of every staff page at 1280 and 375 px go to out/screenshots/staff-*.png.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from ivig_home.db import db
from ivig_home.models import IssuedPdf, Submission
from tests.browser import SCREENSHOTS, serving, sideways_scroll
from tests.pdf_tools import loose, text_of, ticked
from tests.staff.browsing import axe_violations
from tests.staff.browsing import open_page as _page
from tests.staff.browsing import sign_in as _sign_in
from tests.staff.support import World, build_world

pytestmark = pytest.mark.browser
WIDTHS = (1280, 375)




def test_a_nurse_reviews_the_most_urgent_submission_and_downloads_both_pdfs(
        browser: Any, live: tuple[str, World], tmp_path: Path) -> None:
    url, world = live
    page = _page(browser, url)
    _sign_in(page, "nurse@demo.test")
    assert page.locator(".new-count").inner_text().startswith("3 new")
    first = page.locator("tbody tr").first
    assert "1 emergency" in first.inner_text() and "Mei Chen" in first.inner_text()
    first.locator("a.queue__link").click()
    page.wait_for_url("**/staff/submissions/*")
    assert page.locator("h1").inner_text().startswith("Submission")
    flags = page.locator("article.flag")
    count = flags.count()
    assert count == 5
    choices = [["Escalated", "Contacted patient"], ["Contacted patient"], ["Contacted patient"],
               ["Acknowledged"], ["Not applicable"]]
    for number in range(count):
        flag = page.locator("article.flag").nth(number)
        for choice in choices[number]:
            flag.get_by_label(choice, exact=True).check()
        if number == 0:
            flag.locator("textarea").fill("Called 911 with the patient's daughter on the line.")
    page.get_by_role("button", name="Save", exact=True).click()  # one Save for every item
    page.wait_for_load_state()
    for number in range(count):
        saved = page.locator("article.flag").nth(number).locator(".recorded")
        assert f"Recorded: {' and '.join(sorted(choices[number]))}" in saved.inner_text()
    page.get_by_role("button", name="Mark reviewed and issue the reviewed PDF").click()
    page.wait_for_load_state()
    assert "Marked reviewed. The reviewed PDF is ready to download." in page.content()

    downloads = {}
    for label in ("Download the summary as issued", "Download the reviewed summary"):
        with page.expect_download() as info:
            page.get_by_role("link", name=label).click()
        target = tmp_path / info.value.suggested_filename
        info.value.save_as(target)
        downloads[label] = target
    original, reviewed = downloads.values()
    assert original.name.startswith("ivig-summary-") and "Mei" not in original.name
    assert reviewed.name.endswith("-reviewed.pdf")
    with world.app.app_context():
        submission = db.session.get(Submission, world.own["emergency"])
        assert submission.status == "reviewed"
        issued = db.session.get(IssuedPdf, submission.id)
        assert original.read_bytes() and issued.sha256 == submission.pdf_sha256
    digest = hashlib.sha256(original.read_bytes()).hexdigest()
    assert digest == submission.pdf_sha256
    text = loose(text_of(reviewed.read_bytes()))
    assert loose(digest) in text
    assert "Reviewed by Jo Rivera" in text
    assert loose("Called 911 with the patient's daughter on the line.") in text
    # Each flag's card draws its four boxes in one order; every chosen one is ticked.
    order = ("Acknowledged", "Contacted patient", "Escalated", "Not applicable")
    expected = [label for chosen in choices for label in order if label in chosen]
    assert ticked(reviewed.read_bytes()) == expected and "(ticked)" not in text
    page.context.close()


STAFF_PAGES = [
    ("login", None, "/staff/login"),
    ("login-error", None, "/staff/login#error"),
    ("queue", "nurse@demo.test", "/staff/"),
    ("queue-filtered", "nurse@demo.test", "/staff/?severity=none&reference=nope"),
    ("submission", "nurse@demo.test", "/staff/submissions/{risks}"),
    ("submission-error", "nurse@demo.test", "/staff/submissions/{risks}#error"),
    ("password", "nurse@demo.test", "/staff/password"),
    ("not-found", "nurse@demo.test", "/staff/submissions/{other}"),
    ("admin-only", "nurse@demo.test", "/staff/users"),
    ("users", "admin@demo.test", "/staff/users"),
    ("audit", "admin@demo.test", "/staff/audit"),
    ("settings", "admin@demo.test", "/staff/settings"),
]


def _open(page: Any, path: str, world: World) -> None:
    """Open a staff page; '#error' pages are reached by sending their form wrongly."""
    path = path.format(risks=world.own["risks"], other=world.other["risks"])
    if path == "/staff/login#error":
        page.goto("/staff/login")
        page.get_by_role("button", name="Sign in").click()
    elif path.endswith("#error"):
        page.goto(path.removesuffix("#error"))
        page.locator("article.flag").first.locator("textarea").fill("A note, no box ticked.")
        page.get_by_role("button", name="Save", exact=True).click()
    else:
        page.goto(path)
    page.wait_for_load_state()


@pytest.mark.parametrize("name,email,path", STAFF_PAGES, ids=[p[0] for p in STAFF_PAGES])
def test_every_staff_page_passes_axe_at_both_widths(browser: Any, live: tuple[str, World],
                                                    name: str, email: str | None,
                                                    path: str) -> None:
    url, world = live
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = _page(browser, url)
    if email:
        _sign_in(page, email)
    _open(page, path, world)
    if name.endswith("error"):
        assert page.title().startswith("Error:")
    problems = {}
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        violations = axe_violations(page)
        if violations:
            problems[width] = violations
        overflow = sideways_scroll(page)
        if overflow > 0:
            problems[f"{width} sideways scroll"] = overflow
        page.screenshot(path=str(SCREENSHOTS / f"staff-{name}-{width}.png"), full_page=True)
    page.context.close()
    assert not problems, json.dumps(problems, indent=1)


def test_the_skip_link_and_focus_are_visible(browser: Any, live: tuple[str, World]) -> None:
    url, _ = live
    page = _page(browser, url)
    page.goto("/staff/login")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert skip.evaluate("el => el === document.activeElement")
    box = skip.bounding_box()
    assert box is not None and box["y"] >= 0  # shown on screen when focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.context.close()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_the_secure_cookie_works_on_a_local_address(
        browser: Any, host: str, make_staff_app: Callable[..., Any]) -> None:
    app = make_staff_app(SESSION_COOKIE_SECURE=True)
    build_world(app)
    with serving(app) as url:
        page = _page(browser, url.replace("127.0.0.1", host))
        _sign_in(page, "nurse@demo.test")
        assert page.title() == "Queue – IVIG home checklist: care team"
        cookie = next(c for c in page.context.cookies() if c["name"] == "session")
        assert cookie["secure"] and cookie["httpOnly"] and cookie["sameSite"] == "Lax"
        page.context.close()


def test_filing_reopening_and_filing_again_pass_axe(browser: Any,
                                                    live: tuple[str, World]) -> None:
    """A filed review, the reason's error, the re-opened review and the two filed reviews."""
    url, world = live
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = _page(browser, url)
    _sign_in(page, "nurse@demo.test")
    page.goto(f"/staff/submissions/{world.own['clear']}")
    problems: dict[str, Any] = {}

    def check(name: str) -> None:
        page.wait_for_load_state()
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            violations = axe_violations(page)
            if violations:
                problems[f"{name} {width}"] = violations
            page.screenshot(path=str(SCREENSHOTS / f"staff-{name}-{width}.png"), full_page=True)

    page.get_by_role("button", name="Mark reviewed and issue the reviewed PDF").click()
    check("review-filed")
    page.get_by_role("button", name="Re-open review").click()
    assert page.title().startswith("Error:")
    assert page.get_by_text("Enter the reason for re-opening the review.").first.is_visible()
    check("reopen-error")
    page.get_by_label("Reason for re-opening").fill("Called the patient after filing.")
    page.get_by_role("button", name="Re-open review").click()
    assert page.get_by_text("Reason: Called the patient after filing.").first.is_visible()
    check("review-reopened")
    page.get_by_role("button", name="Mark reviewed and issue the reviewed PDF").click()
    assert page.get_by_role("heading", name="Filed reviews").is_visible()
    check("review-filed-twice")
    page.context.close()
    assert not problems, json.dumps(problems, indent=1)


@pytest.mark.parametrize("script", [True, False], ids=["javascript", "no-javascript"])
def test_ticking_and_saving_by_keyboard(browser: Any, make_staff_app: Callable[..., Any],
                                        script: bool) -> None:
    """Space ticks a box, Enter in the form saves the page; an error's link leads to the item."""
    variant = "js" if script else "no-js"
    app = make_staff_app()
    world = build_world(app)
    with serving(app) as url:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=url,
                                      java_script_enabled=script)
        page = context.new_page()
        _sign_in(page, "nurse@demo.test")
        page.goto(f"/staff/submissions/{world.own['risks']}")
        third = page.locator("article.flag").nth(2)
        third.get_by_role("checkbox").first.focus()
        page.keyboard.press("Space")  # Acknowledged
        page.keyboard.press("Tab")
        page.keyboard.press("Space")  # and Contacted patient
        with page.expect_navigation():
            page.keyboard.press("Enter")  # Enter in the form: the page's Save
        page.wait_for_load_state()
        assert page.url.endswith("#review")  # no rule id (nothing answered) in a URL
        expect(page.locator("article.flag").nth(2).locator(".recorded")).to_contain_text(
            "Recorded: Acknowledged and Contacted patient")
        assert "Saved 1 item." in page.locator(".message--success").inner_text()

        # A note without a box on item 4: nothing saved, the list names item 4 and leads to it.
        fourth = page.locator("article.flag").nth(3)
        fourth.locator("textarea").fill("Left a message.")
        page.get_by_role("button", name="Save", exact=True).click()
        page.wait_for_load_state()
        assert page.title().startswith("Error:")
        link = page.locator(".error-summary a").first
        assert link.inner_text().startswith("Item 4 (")
        if script:  # the list takes the focus; its link puts it in item 4's first box
            assert page.evaluate("document.activeElement.classList.contains('error-summary')")
            link.click()
            assert page.evaluate(
                "document.activeElement.closest('article').getAttribute('aria-labelledby')"
            ) == "item-4"
        assert page.locator("article.flag").nth(3).locator("textarea").input_value() == (
            "Left a message.")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"staff-item-error-{variant}.png"))
        problems = axe_violations(page) if script else []
        context.close()
    assert not problems, json.dumps(problems, indent=1)
