"""The care team's area in Chromium: a nurse's review from sign-in to both PDFs; axe-core.

Screenshots of every staff page at 1280 and 375 px go to out/screenshots/staff-*.png.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from ivig_home import timezones
from ivig_home.db import db
from ivig_home.models import Agency, IssuedPdf, Submission
from ivig_home.patients.matching import patient_ids_of
from tests.apps import QUICK_STOP, SQLITE_FILE, dispose, make_app
from tests.browser import AXE, AXE_TAGS, SCREENSHOTS
from tests.pdf_tools import loose, text_of
from tests.staff.support import PASSWORD, STAFF_CONFIG, World, build_world, submit_for

pytestmark = pytest.mark.browser
WIDTHS = (1280, 375)


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """Serve an app on a free port of 127.0.0.1, in threads; yield its address."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs=QUICK_STOP, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def live(world_template: tuple[Path, World],
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, World]]:
    """Serve a copy of the two agencies."""
    template, built = world_template
    instance = tmp_path_factory.mktemp("staff-live") / "instance"
    shutil.copytree(template, instance)
    with pytest.MonkeyPatch.context() as monkeypatch:
        app = make_app(instance, f"sqlite:///{instance / SQLITE_FILE}", monkeypatch,
                       **STAFF_CONFIG)
    with serving(app) as url:
        yield url, World(app, built.own, built.other)
    dispose(app)


def _page(browser: Any, url: str, width: int = 1280) -> Any:
    context = browser.new_context(viewport={"width": width, "height": 900}, base_url=url,
                                  accept_downloads=True)
    return context.new_page()


def _sign_in(page: Any, email: str) -> None:
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
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, so the page's strict CSP stays in force.
        page.evaluate(AXE.read_text())
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    return [{"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"]]


def test_a_nurse_reviews_the_most_urgent_submission_and_downloads_both_pdfs(
        browser: Any, live: tuple[str, World], tmp_path: Path) -> None:
    url, world = live
    page = _page(browser, url)
    _sign_in(page, "nurse@demo.test")
    assert page.locator(".new-count").inner_text().startswith("3 new")
    first = page.locator("tbody tr").first
    assert "1 emergency" in first.inner_text() and "Mei Chen" in first.inner_text()
    first.locator("a").click()
    page.wait_for_url("**/staff/submissions/*")
    assert page.locator("h1").inner_text().startswith("Submission")
    flags = page.locator("article.flag")
    count = flags.count()
    assert count == 5
    choices = ["Escalated", "Contacted patient", "Contacted patient", "Acknowledged",
               "Not applicable"]
    for number in range(count):
        flag = page.locator("article.flag").nth(number)
        flag.get_by_label(choices[number], exact=True).check()
        if number == 0:
            flag.locator("textarea").fill("Called 911 with the patient's daughter on the line.")
        flag.get_by_role("button", name=f"Save item {number + 1}", exact=True).click()
        page.wait_for_load_state()
        saved = page.locator("article.flag").nth(number).locator(".recorded")
        assert f"Recorded: {choices[number]}" in saved.inner_text()
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
    assert "\u2612 Escalated (ticked)" in text
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
        page.get_by_role("button", name="Save item 1", exact=True).click()
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
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth")
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


# Text put into a status or alert region once the page is parsed: what a screen reader
# reads out (text a region has as the page loads is not announced).
ANNOUNCED = """window.announced = [];
window.addEventListener("DOMContentLoaded", () => new MutationObserver(records => {
    for (const record of records) {
        const region = record.target.closest("[role=status], [role=alert]");
        if (region && record.addedNodes.length) window.announced.push(region.textContent);
    }
}).observe(document.body, {childList: true, subtree: true}));"""
FOCUSED = """() => {
    const active = document.activeElement;
    const article = active && active.closest("article");
    return {id: active ? active.id : null, tag: active ? active.tagName : null,
            item: article ? article.getAttribute("aria-labelledby") : null};
}"""


@pytest.mark.parametrize("script", [True, False], ids=["javascript", "no-javascript"])
def test_save_item_3_by_keyboard_comes_back_to_item_3_saying_so(
        browser: Any, make_staff_app: Callable[..., Any], script: bool) -> None:
    """After an item's own Save button (or its error) focus is in that item, not at the top."""
    variant = "js" if script else "no-js"
    app = make_staff_app()
    world = build_world(app)
    with serving(app) as url:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=url,
                                      java_script_enabled=script)
        context.add_init_script(ANNOUNCED)
        page = context.new_page()
        _sign_in(page, "nurse@demo.test")
        page.goto(f"/staff/submissions/{world.own['risks']}")
        third, fourth = (page.locator("article", has=page.get_by_role(
            "button", name=re.compile(rf"^(Save|Change) item {number}$"))) for number in (3, 4))
        third.get_by_role("radio").first.focus()
        page.keyboard.press("Space")  # Acknowledged
        page.keyboard.press("Tab")  # the note
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Save item 3"
        with page.expect_navigation():
            page.keyboard.press("Enter")
        page.wait_for_load_state()
        assert page.evaluate(FOCUSED) == {"id": "item-3", "tag": "H4", "item": "item-3"}
        assert page.url.endswith("#item-3")  # a number: no rule id (nothing answered) in a URL
        expect(third.locator(".flag__message[role=status]")).to_have_text("Item 3 saved.")
        if script:  # filled again after the page settled: read out by a screen reader
            assert page.evaluate("window.announced") == ["Item 3 saved."]
        assert "Recorded: Acknowledged" in third.inner_text()
        box = third.locator("h4").bounding_box()
        assert box is not None and 0 <= box["y"] < 900  # in view
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"staff-item-saved-{variant}.png"))
        problems: dict[str, Any] = {}
        if script:  # axe-core runs in the page, so only with JavaScript (the markup is the same)
            problems["saved"] = axe_violations(page)
        page.keyboard.press("Tab")  # on from the item, not from the top of the page
        assert page.evaluate(FOCUSED)["item"] == "item-3"

        # An error on item 4 (a note, no choice): nothing saved, back at item 4 saying why.
        fourth.locator("textarea").focus()
        page.keyboard.type("Left a message.")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Save item 4"
        with page.expect_navigation():
            page.keyboard.press("Enter")
        page.wait_for_load_state()
        assert page.title().startswith("Error:") and page.url.endswith("/flags#item-4")
        assert page.evaluate(FOCUSED) == {"id": "item-4", "tag": "H4", "item": "item-4"}
        said = "Nothing was saved. Choose what was done about this item."
        expect(fourth.locator(".flag__message[role=alert]")).to_have_text(said)
        if script:
            assert page.evaluate("window.announced") == [said]
        assert fourth.locator("textarea").input_value() == "Left a message."
        page.screenshot(path=str(SCREENSHOTS / f"staff-item-error-{variant}.png"))
        if script:
            problems["error"] = axe_violations(page)
        context.close()
    assert not any(problems.values()), json.dumps(problems, indent=1)
    assert len(problems) == (2 if script else 0)


def test_the_patient_pages_pass_axe_at_both_widths_and_a_link_is_made_by_keyboard(
        browser: Any, live: tuple[str, World]) -> None:
    url, world = live
    with world.app.app_context():  # coming infusions, and a second checklist for George
        demo = db.session.get(Agency, world.own["agency"])
        today = timezones.today(demo.time_zone)
        day = lambda n: (today + timedelta(days=n)).isoformat()  # noqa: E731
        george = submit_for(demo, "clinical-risk-factors", planned_infusion_date=day(1)).id
        submit_for(demo, "nothing-to-flag", planned_infusion_date=day(9))
        planned = {"george": george, "patient": patient_ids_of([george])[george]}
    page = _page(browser, url)
    _sign_in(page, "nurse@demo.test")
    problems: dict[str, Any] = {}
    for name, path in (("patients", "/staff/patients"),
                       ("patient", f"/staff/patients/{planned['patient']}"),
                       ("submission-patient", f"/staff/submissions/{planned['george']}")):
        page.goto(path)
        page.wait_for_load_state()
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            if name == "submission-patient":
                page.locator("details.patient-link__more").evaluate("box => box.open = true")
            if violations := axe_violations(page):
                problems[f"{name} {width}"] = violations
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth")
            if overflow > 0:
                problems[f"{name} {width} sideways scroll"] = overflow
            page.screenshot(path=str(SCREENSHOTS / f"staff-patients-{name}-{width}.png"),
                            full_page=True)
    assert not problems, json.dumps(problems, indent=1)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.reload()  # the patient box closed again: link George's checklist to Mei by keyboard
    page.get_by_text("This checklist is about someone else").focus()
    page.keyboard.press("Enter")  # opens the choices
    page.get_by_label("Link this checklist to another patient").focus()
    page.keyboard.press("ArrowDown")  # Ana Ruiz
    page.keyboard.press("ArrowDown")  # Mei Chen (sorted by name)
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Linked. The submission is now on the patient you chose.")
           ).to_be_visible()
    with world.app.app_context():
        moved = patient_ids_of([planned["george"], world.own["emergency"]])
    assert page.url.endswith("#patient") and len(set(moved.values())) == 1
    page.goto(f"/staff/patients/{moved[planned['george']]}")  # Mei's page: invite her
    page.get_by_label("Planned infusion date").fill(day(2))
    page.get_by_role("button", name="Make the invitation").click()
    expect(page.get_by_text("it is shown only now")).to_be_visible()
    assert not axe_violations(page)
    page.screenshot(path=str(SCREENSHOTS / "staff-patients-invited-1280.png"), full_page=True)
    page.context.close()
