"""In Chromium: an agency's page on another site embeds the form with the one-line snippet,
with every cookie of the app blocked, and a patient completes, saves, resumes, sends and
downloads; the page hears only the allowed events; a site not on the list cannot frame it."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import select

from ivig_home.agencies import registry
from ivig_home.agencies import registry as agencies
from ivig_home.checklist import steps as checklist_steps
from ivig_home.db import db
from ivig_home.models import Submission
from tests.answers import answers_today
from tests.apps import dispose, sqlite_app
from tests.browser import SCREENSHOTS, SEND_BUTTON
from tests.patient.embedding import (
    FRAME_URL,
    HostPages,
    Site,
    axe_violations,
    cookieless_context,
    embedded_frame,
    host_page,
    serve_app,
    serve_host,
)
from tests.patient.journey import SECTIONS, fill_step
from tests.pdf_tools import text_of
from tests.staff.support import PASSWORD

pytestmark = pytest.mark.browser
SLUG = "harbour"
AGENCY_NAME = "Harbour Home Infusion"
EVENT_KEYS = {"loaded": {"type"}, "step": {"type", "step"}, "submitted": {"type", "reference"}}
RAW_KEYS = {"source", "type", "step", "reference", "height"}


@dataclass
class Embedding:
    """The app, the agency's site that may frame it, and one that may not."""

    app: Flask
    app_site: Site
    host: Site
    stranger: Site
    pages: HostPages


@pytest.fixture
def chromium(browser: Any) -> Any:
    """Return the browser type of the session's Chromium (one Playwright per thread)."""
    return browser.browser_type


@pytest.fixture
def embedding(tmp_path: Path, sqlite_template: Path,
              monkeypatch: pytest.MonkeyPatch) -> Iterator[Embedding]:
    """Serve the app on localhost and two agency sites on 127.0.0.1 (other sites)."""
    app = sqlite_app(tmp_path / "instance", sqlite_template, monkeypatch, demo=False,
                     START_RATE_LIMIT="1000 per minute", RESUME_RATE_LIMIT="1000 per minute",
                     LOG_LEVEL="WARNING")  # the servers outlive each test by a moment
    pages = HostPages()
    host, stranger = serve_host(pages), serve_host(pages)
    with app.app_context():
        agencies.create_agency(SLUG, AGENCY_NAME, "555-0142", colour="#0b3d2e",
                               allowed_origins=[host.url])
    app_site = serve_app(app)
    pages.pages["/"] = host_page(app_site.url, SLUG)
    yield Embedding(app, app_site, host, stranger, pages)
    for site in (app_site, host, stranger):
        site.stop()
    dispose(app)


def frame_height(page: Any) -> float:
    return float(page.evaluate("document.querySelector('iframe').getBoundingClientRect().height"))


def settled_height(page: Any, frame: Any) -> tuple[float, float]:
    """Wait until the iframe is as tall as the page inside it; return both heights."""
    deadline = time.monotonic() + 5
    while True:
        inner = frame.evaluate("Math.ceil(document.documentElement.getBoundingClientRect()"
                               ".height)")
        outer = frame_height(page)
        if abs(inner - outer) <= 2 or time.monotonic() > deadline:
            return inner, outer
        time.sleep(0.05)


def go(frame: Any, target: Any) -> None:
    """Click a button or link in the frame and wait for the frame's next page."""
    with frame.expect_navigation():
        target.click()


def drive(page: Any, frame: Any, answers: dict[str, Any]) -> dict[str, Any]:
    """Complete the checklist inside the frame, saving and resuming on the way."""
    seen: dict[str, Any] = {"heights": [], "saved": False, "violations": {}}
    go(frame, frame.get_by_role("button", name="Start now"))
    done: set[str] = set()
    for _ in range(40):
        match = FRAME_URL.search(frame.url)
        assert match, frame.url
        name = match["rest"]
        inner, outer = settled_height(page, frame)
        assert abs(inner - outer) <= 2, (name, inner, outer)
        seen["heights"].append(outer)
        if name in ("about", "confirm", "sent"):
            seen["violations"][name] = axe_violations(frame)
        if name == "sent":
            return seen
        if name.startswith("help-now/"):
            go(frame, frame.get_by_role("button", name="Continue the checklist"))
            continue
        fill_step(frame, name, answers, done)
        if name == "about":  # each answer was saved as it was given, without a cookie
            expect(frame.locator("[data-autosave-saved]")).to_be_visible()
            expect(frame.locator("[data-autosave-failed]")).to_have_text("")
        if name == "treatment" and not seen["saved"]:
            save_and_resume(page, frame, answers["date_of_birth"])
            seen["saved"] = True
            done -= {item.id for item in SECTIONS["treatment"].items}  # fill them again
            continue
        button = SEND_BUTTON if name == "confirm" else "Continue"
        go(frame, frame.get_by_role("button", name=button))
    raise AssertionError("the checklist did not end after 40 pages")


def save_and_resume(page: Any, frame: Any, birth: str) -> None:
    """Save; the link to keep opens the agency's whole page in a new tab; then come back
    with the code and the date of birth inside the frame."""
    go(frame, frame.get_by_role("button", name="Save and come back later"))
    code = frame.locator(".resume-code span[aria-hidden]").inner_text()
    with page.context.expect_page() as opened:
        frame.locator(".resume-link a").click()
    kept = opened.value
    kept.wait_for_load_state()
    assert "/embed/" not in kept.url and "host=" not in kept.url
    assert kept.locator(".site-header__name").inner_text() == AGENCY_NAME
    assert "Questions? Call" in kept.locator(".site-header").inner_text()
    assert "call 911" in kept.locator(".site-footer").inner_text()
    assert kept.locator("#code").input_value() == code
    kept.close()
    address = urlsplit(frame.url)
    frame.goto(f"{address.scheme}://{address.netloc}{address.path.split('/d/', 1)[0]}/"
               f"?{address.query}")  # the frame's start page, as the saved page says
    go(frame, frame.get_by_role("link", name="Continue a checklist you saved"))
    frame.locator("#code").fill(code)
    year, month, day = birth.split("-")
    for part, value in (("day", day), ("month", month), ("year", year)):
        frame.locator(f"[name='date_of_birth-{part}']").fill(str(int(value)))
    go(frame, frame.get_by_role("button", name="Continue"))
    assert "/treatment" in frame.url, frame.url


def test_a_patient_completes_the_embedded_checklist_with_every_cookie_blocked(
        chromium: Any, embedding: Embedding, tmp_path: Path) -> None:
    answers = answers_today("clinical-risk-factors")
    with cookieless_context(chromium, tmp_path / "profile", embedding.app_site.url) as context:
        probe = context.new_page()
        probe.goto(f"{embedding.app_site.url}/a/{SLUG}/")
        # Even on the app's own site, as the first party, no cookie can be stored.
        assert probe.evaluate("document.cookie = 'probe=1'; document.cookie") == ""
        probe.close()
        page = context.new_page()
        set_cookies: list[str] = []
        page.on("response", lambda r: set_cookies.extend(
            [r.url] if "set-cookie" in r.headers else []))
        page.goto(embedding.host.url + "/")
        frame = embedded_frame(page, SLUG)
        assert page.locator("iframe").get_attribute("title") == "IVIG home-infusion checklist"
        link = page.get_by_role("link", name="Open the checklist in a new tab")
        assert link.get_attribute("href") == f"{embedding.app_site.url}/a/{SLUG}/"
        assert axe_violations(page.main_frame) == []  # what the snippet adds to the page
        seen = drive(page, frame, answers)
        with page.expect_download() as download:
            frame.get_by_role("link", name="Download the summary your care team gets (PDF)").click()
        pdf = Path(download.value.path()).read_bytes()
        events = page.evaluate("window.ivigEvents")
        raw = page.evaluate("window.ivigRaw")
    reference = frame_reference(embedding)
    text = " ".join(text_of(pdf).split())
    assert AGENCY_NAME in text and reference in text
    assert set_cookies == []
    assert seen["saved"]
    assert len(set(seen["heights"])) >= 3, seen["heights"]  # the frame followed its pages
    assert seen["violations"] == {"about": [], "confirm": [], "sent": []}, seen["violations"]
    assert_only_allowed_events(events, raw, reference, answers, embedding)


def frame_reference(embedding: Embedding) -> str:
    """Return the reference of the one submission the agency received."""
    with embedding.app.app_context():
        agency = registry.get_agency(SLUG)
        assert agency is not None
        rows = list(db.session.scalars(
            select(Submission).where(Submission.agency_id == agency.id)))
        assert len(rows) == 1
        return str(rows[0].reference)


def assert_only_allowed_events(events: list[dict[str, Any]], raw: list[dict[str, Any]],
                               reference: str, answers: dict[str, Any],
                               embedding: Embedding) -> None:
    """The host heard loaded, step numbers and the reference, and nothing else."""
    for event in events:
        assert set(event) == EVENT_KEYS[event["type"]], event
    steps = [e["step"] for e in events if e["type"] == "step"]
    total = len(checklist_steps.sections())
    assert steps and all(isinstance(s, int) and 1 <= s <= total for s in steps)
    assert max(steps) == total
    assert [e for e in events if e["type"] == "submitted"] == [
        {"type": "submitted", "reference": reference}]
    assert events[0] == {"type": "loaded"}
    for message in raw:
        assert message["origin"] == embedding.app_site.url
        assert set(message["data"]) <= RAW_KEYS and message["data"]["source"] == "ivig-home"
    heard = json.dumps(raw)
    for value in answers.values():
        if isinstance(value, str) and len(value) > 3 and value not in ("self", "helper"):
            assert value not in heard, value


def test_a_site_not_on_the_list_cannot_frame_the_form(browser: Any,
                                                      embedding: Embedding) -> None:
    embed_url = f"{embedding.app_site.url}/embed/{SLUG}/?host={embedding.stranger.url}"
    with urllib.request.urlopen(embed_url) as response:  # noqa: S310 (a local test server)
        policy = response.headers["Content-Security-Policy"]
    assert f"frame-ancestors {embedding.host.url}" in policy
    assert embedding.stranger.url not in policy
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(embedding.stranger.url + "/")
        page.wait_for_selector("iframe")
        time.sleep(1.5)
        frame = page.frames[1]
        # Chromium replaces the refused page with its own error page: none of the form is
        # there, and the host page heard nothing.
        assert frame.url.startswith("chrome-error://")
        assert frame.evaluate("document.querySelectorAll('form, input, main').length") == 0
        assert AGENCY_NAME not in frame.evaluate("document.documentElement.innerText")
        assert page.evaluate("window.ivigEvents") == []
        assert page.evaluate("window.ivigRaw") == []
        assert page.get_by_role("link", name="Open the checklist in a new tab").is_visible()
    finally:
        context.close()


def test_a_refused_frame_gives_way_to_a_link_and_an_allowed_one_stays(
        browser: Any, embedding: Embedding) -> None:
    """On a site not on the list the browser shows nothing of the form: after a few seconds
    the host page shows a sentence and the link, not a large broken frame. On the agency's
    own site the frame stays.

    The three pages wait out the snippet's seconds together, each in its own context."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    contexts = [browser.new_context(viewport={"width": width, "height": 900})
                for width in (375, 1280)]
    contexts.append(browser.new_context())
    try:
        refused = {}
        for width, context in zip((375, 1280), contexts, strict=False):
            refused[width] = context.new_page()
            refused[width].goto(embedding.stranger.url + "/")
        allowed = contexts[-1].new_page()
        allowed.goto(embedding.host.url + "/")
        embedded_frame(allowed, SLUG)
        loaded = time.monotonic()
        for width, page in refused.items():
            box = page.locator(".ivig-home-embed")
            expect(box).to_contain_text("The checklist cannot be shown on this page.",
                                        timeout=10_000)
            expect(page.locator("iframe")).to_be_hidden()
            link = page.get_by_role("link", name="Open the checklist in a new tab")
            expect(link).to_be_visible()
            assert link.get_attribute("href") == f"{embedding.app_site.url}/a/{SLUG}/"
            assert box.bounding_box()["height"] < 200
            page.screenshot(path=str(SCREENSHOTS / f"embed-refused-{width}.png"))
        # Longer than the snippet waits for "loaded".
        allowed.wait_for_timeout(max(0, 7000 - (time.monotonic() - loaded) * 1000))
        expect(allowed.locator("iframe")).to_be_visible()
        assert "cannot be shown" not in allowed.inner_text("body")
    finally:
        for context in contexts:
            context.close()


def test_the_snippet_ignores_messages_from_any_other_frame(browser: Any,
                                                           embedding: Embedding) -> None:
    forger = ("<script>parent.postMessage({source: 'ivig-home', type: 'submitted', "
              "reference: 'FAKE-0001'}, '*');</script>")
    embedding.pages.pages["/forger"] = f"<!doctype html><title>x</title>{forger}"
    embedding.pages.pages["/"] = host_page(
        embedding.app_site.url, SLUG,
        extra=f'<iframe title="Other" src="{embedding.stranger.url}/forger"></iframe>')
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(embedding.host.url + "/")
        embedded_frame(page, SLUG)
        page.wait_for_function("window.ivigRaw.some(m => m.data && m.data.reference)")
        assert "FAKE-0001" not in json.dumps(page.evaluate("window.ivigEvents"))
    finally:
        context.close()


def test_the_agency_page_reads_well_and_passes_axe(browser: Any, world: Any) -> None:
    """Sign in as the demo administrator, save a change and a bad value; axe on each page."""
    site = serve_app(world.app)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"{site.url}/staff/login")
        page.get_by_label("Email address").fill("admin@demo.test")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("link", name="Agency").click()
        assert axe_violations(page.main_frame) == []
        page.get_by_label("Colour").fill("#ffcc00")
        page.get_by_role("button", name="Save the agency's details").click()
        assert "the form uses a darker shade of it, #" in page.inner_text("main")
        page.get_by_label("Phone number patients should call").fill("call us")
        page.get_by_role("button", name="Save the agency's details").click()
        assert page.title().startswith("Error: ")
        assert axe_violations(page.main_frame) == []
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "staff-agency-error.png"), full_page=True)
    finally:
        context.close()
        site.stop()
