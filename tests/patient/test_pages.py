"""What every patient page keeps to: light, private, translatable, and in the agency's colour."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ivig_home.agencies import theme
from ivig_home.checklist import steps
from tests.answers import answers_today
from tests.patient.client import Patient, section_form, token_in
from tests.spanish import write_catalogs

STATIC = re.compile(r'(?:href|src)="(/[^"]+\.(?:css|js|svg))"')
HASH = re.compile(r"\.[0-9a-f]{12}(?=\.[a-z]+$)")  # in a static file's name


def test_a_step_page_with_its_css_and_script_weighs_under_100_kb(app: Flask,
                                                                client: FlaskClient) -> None:
    patient = Patient(app, client)
    patient.start()
    patient.complete_until("history", answers_today("nothing-to-flag"))
    page = patient.get("monitoring")
    files = STATIC.findall(page.text)
    assert {"/static/css/base.css", "/static/css/patient.css", "/static/js/patient.js",
            "/a/demo/theme.css"} <= {HASH.sub("", path) for path in files}
    total = len(page.data) + sum(len(client.get(path).data) for path in files)
    assert total < 100_000, total


def test_pages_link_only_to_their_own_files(app: Flask, client: FlaskClient) -> None:
    patient = Patient(app, client)
    patient.start()
    for html in (client.get("/a/demo/").text, patient.get("about").text,
                 client.get("/a/demo/resume").text):
        assert not re.search(r'(?:src|href)="(?:https?:)?//', html)
        assert "<script>" not in html and " style=" not in html and "<style" not in html


def test_nothing_personal_is_logged(app: Flask, client: FlaskClient,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    answers = answers_today("clinical-risk-factors")
    patient = Patient(app, client)
    patient.start()
    patient.complete_until("today", answers)
    saved = patient.post("treatment", section_form("treatment", answers), action="save")
    code = re.search(r"[3-9A-Z]{4}-[3-9A-Z]{4}", saved.text).group(0)
    logs = capsys.readouterr().err
    assert '"status": 303' in logs
    for secret in ("George", "Papadopoulos", "1955", "555-0100", code, patient.draft_id):
        assert secret not in logs


@pytest.mark.parametrize(("colour", "accent"), [
    ("#1d4f91", "#1d4f91"),
    ("#003078", "#003078"),
    ("#FA0", "#785000"),  # the same hue, darker
    ("#1d70b8", "#175b95"),
    ("not a colour", theme.DEFAULT_ACCENT),
    (None, theme.DEFAULT_ACCENT),
])
def test_the_agency_colour_is_darkened_until_it_keeps_7_to_1(colour: str | None,
                                                           accent: str) -> None:
    assert theme.accent(colour) == accent
    assert theme.contrast(theme.accent(colour), "#ffffff") >= 7


def test_the_theme_stylesheet_carries_the_accent(client: FlaskClient) -> None:
    response = client.get("/a/demo/theme.css")
    assert response.mimetype == "text/css"
    assert "--accent: #1d4f91;" in response.text


def test_a_second_language_needs_no_template_change(patient_app: Any, tmp_path: Path) -> None:
    folder = write_catalogs(tmp_path / "translations", es={
        "Continue": "Continuar",
        "Do you have trouble breathing right now?": "¿Tiene problemas para respirar ahora?",
        "Step %(number)s of %(total)s:": "Paso %(number)s de %(total)s:",
        "Select yes, no or not sure": "Elija sí, no o no estoy seguro"})
    app = patient_app(BABEL_TRANSLATION_DIRECTORIES=str(folder))
    client = app.test_client()
    # A browser that prefers Spanish starts a Spanish draft; its pages stay Spanish.
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es"
    patient = Patient(app, client)
    patient.start()
    patient.complete_until("about", answers_today("nothing-to-flag"))
    page = client.get(patient.url("today")).text
    assert "¿Tiene problemas para respirar ahora?" in page
    total = len(steps.sections())
    assert f"Paso 4 de {total}:" in page and ">Continuar<" in page
    assert '<html lang="es">' in page
    # The draft keeps its language whatever the browser says next; the switch changes it.
    del client.environ_base["HTTP_ACCEPT_LANGUAGE"]
    assert "¿Tiene problemas para respirar ahora?" in client.get(patient.url("today")).text
    assert patient.post("today", {"lang": "en"}, action="").status_code == 303
    assert "Do you have trouble breathing right now?" in client.get(patient.url("today")).text


def test_the_views_mount_a_second_time_without_the_site_chrome(patient_app: Any) -> None:
    """The same blueprint, mounted again at /embed/, shows its pages without the site header."""
    app = patient_app()
    client = app.test_client()
    page = client.get("/embed/demo/")
    assert page.status_code == 200
    assert "site-header" not in page.text and 'href="/embed/demo/theme.css"' in page.text
    started = client.post("/embed/demo/", data={"csrf_token": token_in(page.text)})
    assert re.search(r"^/embed/demo/d/[^/]+/about$", started.headers["Location"])
    step = client.get(started.headers["Location"])
    assert f"Step 1 of {len(steps.sections())}:" in step.text
    assert "site-header" not in step.text
    assert 'action="/embed/demo/d/' in step.text
    assert "site-header" in client.get("/a/demo/").text


def test_a_third_language_is_a_compiled_catalog_and_nothing_else(patient_app: Any,
                                                                 tmp_path: Path) -> None:
    from ivig_home.cli import cli
    from ivig_home.report.language import completed_in

    folder = write_catalogs(tmp_path / "translations", vi={"Start now": "Bắt đầu ngay"})
    app = patient_app(BABEL_TRANSLATION_DIRECTORIES=str(folder))
    result = app.test_cli_runner().invoke(cli, ["edit-agency", "demo", "--languages", "en,vi"])
    assert result.exit_code == 0, result.output
    page = app.test_client().get("/a/demo/?lang=vi").text
    assert '<html lang="vi">' in page and "Bắt đầu ngay" in page
    assert 'lang="vi"' in page and "Tiếng Việt" in page  # the switch names it in itself
    assert completed_in("vi") == "Completed in Vietnamese"  # what the care team reads
