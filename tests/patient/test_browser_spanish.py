"""In Chromium set to Spanish: the start page, a step and the message a step shows the moment
an answer needs help now (patient.js) leave no English sentence of the catalog on screen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.answers import answers_today
from tests.apps import dispose, sqlite_app
from tests.browser import LiveServer, serving, sideways_scroll
from tests.patient.journey import arrive, fill_step
from tests.spanish import english_on_page

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def spanish_server(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path,
                   compiled_catalogs: Path) -> Iterator[LiveServer]:
    """Serve an app with the committed catalogs compiled."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        app = sqlite_app(tmp_path_factory.mktemp("spanish-live"), sqlite_template, monkeypatch,
                         BABEL_TRANSLATION_DIRECTORIES=str(compiled_catalogs))
    with serving(app) as url:
        yield LiveServer(app, url)
    dispose(app)


@pytest.fixture
def spanish_page(browser: Any, spanish_server: LiveServer) -> Iterator[Any]:
    """Yield a phone-sized page whose browser asks for Spanish (Accept-Language: es-US)."""
    context = browser.new_context(viewport={"width": 375, "height": 800}, locale="es-US",
                                  base_url=spanish_server.url)
    yield context.new_page()
    context.close()


def english_on_screen(page: Any) -> list[str]:
    """Return the catalog's English sentences in what the page shows now."""
    return english_on_page(page.inner_text("body"))


def test_a_patient_reads_the_checklist_in_spanish_with_its_script(spanish_page: Any) -> None:
    page = spanish_page
    page.goto("/a/demo/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Prepárese para la IVIG en casa")
    assert english_on_screen(page) == []
    page.get_by_role("button", name="Empezar ahora").click()
    for step_id in ("about", "about-who", "about-contact"):
        arrive(page, step_id)
        assert english_on_screen(page) == []
        fill_step(page, step_id, answers_today("nothing-to-flag"), set())
        page.get_by_role("button", name="Continuar", exact=True).click()
    arrive(page, "today")
    page.locator("#question-breathing_trouble_now input[value='yes']").check()
    alert = page.locator("#breathing_trouble_now-emergency")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("Llame al 911 ahora")
    expect(page.locator("[data-autosave-saved]")).to_be_visible()
    assert english_on_screen(page) == []


# The checklist's buttons in Spanish, from the catalog (tests/test_translations.py holds it
# complete): Continue, Continue the checklist (help now), Send to my care team.
CONTINUE, GO_ON, SEND = "Continuar", "Continuar el cuestionario", "Enviar a mi equipo de atención"


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_a_patient_completes_the_emergency_checklist_in_spanish_at_320_px(
        browser: Any, spanish_server: LiveServer, javascript: bool) -> None:
    """From the start page (?lang=es, the browser asking for English) to the sent page, the
    emergency path included: no English sentence of the catalog on any page, no sideways
    scroll at 320 px (400 % zoom), and with JavaScript axe-core on each kind of page."""
    from tests.patient.journey import where
    from tests.staff.browsing import axe_violations

    context = browser.new_context(viewport={"width": 320, "height": 700}, locale="en-US",
                                  base_url=spanish_server.url, java_script_enabled=javascript)
    page = context.new_page()
    answers = answers_today("emergency")
    problems: dict[str, Any] = {}
    page.goto("/a/demo/?lang=es")
    assert page.locator("html").get_attribute("lang") == "es"
    page.get_by_role("button", name="Empezar ahora").click()
    done: set[str] = set()
    audited: set[str] = set()
    seen: list[str] = []
    told: list[str] = []  # what each help-now page said
    for _ in range(60):
        page.wait_for_load_state()
        name = where(page)[1]
        seen.append(name)
        if english := english_on_screen(page):
            problems[f"{name}: English"] = english
        overflow = sideways_scroll(page)
        if overflow > 0:
            problems[f"{name}: sideways scroll"] = overflow
        kind = name.split("/")[0] if "/" in name else ("step" if name not in (
            "about", "confirm", "sent") else name)
        if javascript and kind not in audited:
            audited.add(kind)
            if violations := axe_violations(page):
                problems[f"{name}: axe"] = violations
        if name == "sent":
            break
        if name.startswith("help-now/"):
            told.append(page.inner_text("main"))
            page.get_by_role("button", name=GO_ON).click()
            continue
        fill_step(page, name, answers, done)
        page.get_by_role("button", name=SEND if name == "confirm" else CONTINUE,
                         exact=True).click()
    context.close()
    assert seen[-1] == "sent", seen
    assert any("Llame al 911 ahora" in text for text in told), told
    assert not problems, problems
