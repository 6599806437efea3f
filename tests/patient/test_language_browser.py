"""In Chromium: the language switch, with and without JavaScript and in the embedded form
with every cookie blocked: it keeps what was typed on the page, changes the page's language
(<html lang>), and its targets are at least 44 by 44 px."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from ivig_home.agencies import registry
from tests.apps import dispose, sqlite_app
from tests.browser import LiveServer
from tests.patient.embedding import (
    HostPages,
    Site,
    cookieless_context,
    embedded_frame,
    host_page,
    serve_app,
    serve_host,
)

pytestmark = pytest.mark.browser
NAME = "María José Pérez-Núñez"
SLUG = "casa"


@pytest.fixture
def embedded(tmp_path: Path, sqlite_template: Path,
             monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Site, Site]]:
    """Serve the app on localhost and an agency's site offering English and Spanish, which
    frames it, on 127.0.0.1 (another site); yield the app and both sites."""
    app = sqlite_app(tmp_path / "instance", sqlite_template, monkeypatch, demo=False,
                     LOG_LEVEL="WARNING")
    pages = HostPages()
    host = serve_host(pages)
    with app.app_context():
        registry.create_agency(SLUG, "Casa Home Infusion", "555-0142",
                               allowed_origins=[host.url], languages="en,es")
    app_site = serve_app(app)
    pages.pages["/"] = host_page(app_site.url, SLUG)
    yield app, app_site, host
    app_site.stop()
    host.stop()
    dispose(app)


def go(frame: Any, target: Any) -> None:
    """Click a button or link in the frame and wait for the frame's next page."""
    with frame.expect_navigation():
        target.click()


def html_lang(page: Any) -> str:
    return str(page.evaluate("document.documentElement.lang"))


def switch_to(page: Any, language: str) -> None:
    """Press the switch's choice of a language (link or button) and wait for the page."""
    with page.expect_navigation():
        page.locator(f".language-switch__choice[lang='{language}']").click()


def type_on_the_first_step(page: Any) -> None:
    """Type a name and half a date of birth, staying in the box (no change event yet)."""
    page.locator("[name='patient_name']").fill(NAME)
    page.locator("[name='date_of_birth-year']").fill("1955")
    page.locator("[name='date_of_birth-year']").focus()


def check_a_switch_keeps_what_was_typed(page: Any, live_server: LiveServer) -> None:
    page.goto(f"{live_server.url}/a/demo/?lang=es")
    assert html_lang(page) == "es"
    choice = page.locator(".language-switch__choice[lang='en']")
    expect(choice).to_have_text("English")
    box = choice.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44, box
    with page.expect_navigation():
        page.locator("button[name='action'][value='start']").click()
    assert html_lang(page) == "es" and page.url.endswith("/about")
    expect(page.get_by_role("button", name="Continuar", exact=True)).to_be_visible()
    type_on_the_first_step(page)
    step_url = page.url
    switch_to(page, "en")
    assert page.url == step_url
    assert html_lang(page) == "en"
    assert page.locator("[name='patient_name']").input_value() == NAME
    expect(page.locator(".language-switch__current")).to_have_text("English")
    expect(page.get_by_role("button", name="Continue", exact=True)).to_be_visible()
    button = page.locator(".language-switch__choice[lang='es']")
    expect(button).to_have_text("Español")
    box = button.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44, box
    # Enter in a box still means Continue, not the switch before it in the page.
    page.locator("[name='patient_name']").press("Enter")
    page.wait_for_load_state()
    assert html_lang(page) == "en"


def test_switching_keeps_the_typed_answers_with_and_without_javascript(
        page: Any, page_without_js: Any, live_server: LiveServer) -> None:
    check_a_switch_keeps_what_was_typed(page, live_server)
    check_a_switch_keeps_what_was_typed(page_without_js, live_server)


def test_the_embedded_form_switches_language_with_every_cookie_blocked(
        browser: Any, embedded: tuple[Any, Site, Site], tmp_path: Path) -> None:
    _, app_site, host = embedded
    with cookieless_context(browser.browser_type, tmp_path / "profile", app_site.url) as context:
        page = context.new_page()
        page.goto(host.url + "/")
        frame = embedded_frame(page, SLUG)
        assert html_lang(frame) == "en"
        go(frame, frame.locator(".language-switch__choice[lang='es']"))
        assert html_lang(frame) == "es" and "/embed/" in frame.url
        go(frame, frame.locator("button[name='action'][value='start']"))
        assert html_lang(frame) == "es" and frame.url.split("?")[0].endswith("/about")
        type_on_the_first_step(frame)
        go(frame, frame.locator(".language-switch__choice[lang='en']"))
        assert html_lang(frame) == "en" and "/embed/" in frame.url
        assert frame.locator("[name='patient_name']").input_value() == NAME
        go(frame, frame.locator(".language-switch__choice[lang='es']"))
        assert html_lang(frame) == "es"
        assert frame.locator("[name='patient_name']").input_value() == NAME
        assert context.cookies() == []
