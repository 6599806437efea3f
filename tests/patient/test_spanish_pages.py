"""The patient's pages in Spanish leave no English sentence behind, and the check that says
so (tests.spanish.english_on_page) finds English when there is some.

The pages are asked for with `Accept-Language: es`, on an app given the committed catalog
compiled. Every English sentence of the catalog is looked for: the pages' own messages and
the checklist definition's wording.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from babel.messages import Catalog
from flask import Flask
from flask.testing import FlaskClient

from tests.answers import answers_today
from tests.patient.client import Patient, section_form
from tests.spanish import (
    english_on_page,
    english_sentences,
    visible_text,
    write_catalogs,
)

SPANISH = {"HTTP_ACCEPT_LANGUAGE": "es"}


@pytest.fixture
def spanish_app(patient_app: Callable[..., Flask], compiled_catalogs: Path) -> Flask:
    """Return an app that has the Spanish catalog."""
    return patient_app(BABEL_TRANSLATION_DIRECTORIES=str(compiled_catalogs))


def english_left(html: str) -> list[str]:
    """Return the catalog's English sentences found in a page."""
    return english_on_page(visible_text(html))


def spanish_patient(app: Flask) -> tuple[Patient, FlaskClient]:
    """Return a patient whose browser asks for Spanish, having pressed Empezar ahora."""
    client = app.test_client()
    client.environ_base.update(SPANISH)
    patient = Patient(app, client)
    patient.start()
    return patient, client


def test_the_start_page_in_spanish_has_no_english_sentence(spanish_app: Flask) -> None:
    client = spanish_app.test_client()
    page = client.get("/a/demo/", headers={"Accept-Language": "es"})
    assert page.status_code == 200
    assert "Prepárese para la IVIG en casa" in page.text
    assert english_left(page.text) == []


def test_the_same_check_finds_the_english_start_page(spanish_app: Flask) -> None:
    page = spanish_app.test_client().get("/a/demo/", headers={"Accept-Language": "en"})
    found = english_left(page.text)
    assert "Get ready for IVIG at home" in found
    assert "There is no time limit. You can stop and come back later with a code." in found


def test_a_step_and_its_errors_in_spanish_have_no_english_sentence(spanish_app: Flask) -> None:
    patient, _client = spanish_patient(spanish_app)
    step = patient.get("about")
    assert step.status_code == 200 and "Guardar y volver más tarde" in step.text
    assert english_left(step.text) == []
    refused = patient.post("about", {**section_form("about", {}), "date_of_birth-day": "31",
                                     "date_of_birth-month": "2", "date_of_birth-year": "1958"})
    assert refused.status_code == 400
    assert "Hay un problema" in refused.text and "debe ser una fecha que exista" in refused.text
    assert english_left(refused.text) == []


def test_the_help_now_page_in_spanish_has_no_english_sentence(spanish_app: Flask) -> None:
    patient, client = spanish_patient(spanish_app)
    answers = answers_today("emergency")
    patient.complete_until("about", answers)
    sent = patient.answer("today", answers)
    assert "/help-now/" in sent.headers["Location"]
    page = client.get(sent.headers["Location"])
    assert page.status_code == 200
    assert "Llame al 911 ahora" in page.text and "Continuar el cuestionario" in page.text
    assert english_left(page.text) == []


def test_english_is_looked_for_between_placeholders_from_three_words() -> None:
    catalog = Catalog(locale="es")
    catalog.add("Call %(agency)s today on %(phone)s.", "Llame hoy a %(agency)s al %(phone)s.")
    catalog.add("A nurse at %(agency)s will look at your answers.",
                "Una enfermera de %(agency)s va a revisar sus respuestas.")
    catalog.add("Continue the checklist", "Continuar el cuestionario")
    catalog.add("Not translated yet, so not looked for", "")
    catalog.add("Error: it is the same", "Error: it is the same")
    assert english_sentences(catalog) == ["A nurse at", "Continue the checklist",
                                          "will look at your answers."]
    page = "Llame hoy a Harbour al 555. A nurse at   Harbour will look at your answers."
    assert english_on_page(page, catalog) == ["A nurse at", "will look at your answers."]
    assert english_on_page("Continuar el cuestionario", catalog) == []


def test_the_visible_text_includes_what_is_read_out_and_shown_by_the_script() -> None:
    html = ('<html><head><title>Not this</title><script>var no = "Not this";</script></head>'
            '<body><p>One<span class="visually-hidden"> two</span></p>'
            '<div data-failed-text="Three four" aria-label="Five">Six</div></body></html>')
    assert visible_text(html) == "One two Three four Five Six"


def test_each_app_reads_the_catalogs_of_its_own_folder(spanish_app: Flask,
                                                      patient_app: Callable[..., Flask],
                                                      tmp_path: Path) -> None:
    """Apps in one process keep their loaded catalogs apart (the tests make many apps)."""
    first = spanish_app.test_client().get("/a/demo/", headers={"Accept-Language": "es"})
    assert ">Empezar ahora<" in first.text
    folder = write_catalogs(tmp_path / "other", es={"Start now": "Comenzar ya"})
    app = patient_app(BABEL_TRANSLATION_DIRECTORIES=str(folder))
    second = app.test_client().get("/a/demo/", headers={"Accept-Language": "es"})
    assert ">Comenzar ya<" in second.text and ">Empezar ahora<" not in second.text


def test_the_check_page_in_spanish_has_no_english_sentence(spanish_app: Flask) -> None:
    patient, _client = spanish_patient(spanish_app)
    patient.complete_before("confirm", answers_today("nothing-to-flag"))
    page = patient.get("confirm")
    assert page.status_code == 200
    assert "Revise sus respuestas" in page.text and ">Cambiar<" in page.text
    assert "No se preguntó porque" in page.text  # a follow-up not asked, said in Spanish
    assert english_left(page.text) == []


def test_saved_resume_invitation_and_error_pages_in_spanish_have_no_english_sentence(
        spanish_app: Flask) -> None:
    from datetime import date, timedelta

    from ivig_home.cli import cli
    from tests.patient.client import token_in

    patient, client = spanish_patient(spanish_app)
    patient.complete_until("about", answers_today("nothing-to-flag"), step=True)
    saved = patient.post("about-who", section_form("about-who", {}), action="save")
    assert saved.status_code == 200 and english_left(saved.text) == []
    code = re.search(r"[3-9A-Y]{4}-[3-9A-Y]{4}", saved.text)
    assert code, "no resume code on the saved page"
    resume = client.get("/a/demo/resume")
    assert resume.status_code == 200 and english_left(resume.text) == []
    wrong = client.post("/a/demo/resume", data={
        "csrf_token": token_in(resume.text), "code": code.group(0),
        "date_of_birth-day": "1", "date_of_birth-month": "1", "date_of_birth-year": "1950"})
    assert english_left(wrong.text) == []
    infusion = (date.today() + timedelta(days=3)).isoformat()
    made = spanish_app.test_cli_runner().invoke(cli, [
        "invite", "demo", "--name", "Ana Ruiz", "--date-of-birth", "1971-04-02",
        "--infusion-date", infusion])
    link = made.output.strip().splitlines()[-1]
    invitation = client.get(link[link.index("/a/"):])
    assert invitation.status_code == 200 and english_left(invitation.text) == []
    refused = client.post(link[link.index("/a/"):], data={"csrf_token": "forged"})
    assert english_left(refused.text) == []
    for missing in ("/a/demo/d/no-such-draft/about", "/a/no-such-agency/"):
        page = client.get(missing)
        assert page.status_code == 404 and english_left(page.text) == [], missing
        assert "No encontramos esta página" in page.text
    for shown, heading in ((saved, "Sus respuestas están guardadas"),
                           (resume, "Siga con su cuestionario"), (wrong, "Hay un problema"),
                           (invitation, "Su cuestionario antes de su infusión del"),
                           (refused, "Esta página estuvo abierta mucho tiempo")):
        assert heading in visible_text(shown.text)
