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
from tests.browser import LiveServer, serving
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
