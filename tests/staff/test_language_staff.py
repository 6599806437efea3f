"""A checklist completed in Spanish, as the care team sees it: a tag in the queue,
"Completed in Spanish" on its page and on page 1 of the PDF (in English, even when made
during the patient's Spanish request), typed answers marked; the patient's own copy in
Spanish; the language in the JSON API and FHIR; `edit-agency --languages`."""

from __future__ import annotations

import io
import re
from typing import Any

import pikepdf
import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import get_locale
from playwright.sync_api import expect

from ivig_home.agencies import api_tokens as tokens
from ivig_home.agencies import registry
from ivig_home.cli import cli
from ivig_home.db import db
from ivig_home.intake import submissions
from ivig_home.models import Submission
from ivig_home.staff import accounts
from tests.api.fhir_support import bearer, post, response_of
from tests.browser import serving
from tests.patient.client import Patient, clean
from tests.pdf_tools import loose, text_of
from tests.staff.browsing import axe_violations, open_page
from tests.staff.browsing import sign_in as sign_in_with_keyboard
from tests.staff.support import PASSWORD, STAFF_CONFIG, sign_in

MEDICINES = "Tomo piridostigmina dos veces al día"
NOTE = "Me dan miedo las agujas"
MARK = "written in Spanish: may need interpretation"


@pytest.fixture(scope="module")
def spanish(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Any) -> Any:
    """A patient who filled in the demo agency's checklist in Spanish and sent it (one app
    for the module: a checklist through the form takes a while)."""
    from tests.apps import dispose, sqlite_app

    with pytest.MonkeyPatch.context() as monkeypatch:
        app = sqlite_app(tmp_path_factory.mktemp("spanish"), sqlite_template, monkeypatch,
                         **STAFF_CONFIG)
    with app.app_context():
        demo = registry.ensure_demo_agency()
        accounts.create_user(demo, "nurse@demo.test", "nurse", PASSWORD, "Jo Rivera")
        accounts.create_user(demo, "admin@demo.test", "admin", PASSWORD, "Ada Okafor")
    client = app.test_client()
    patient = Patient(app, client)
    patient.start()
    assert patient.post("about", {"lang": "es"}, action="").status_code == 303
    patient.complete_until("before", clean(medications=MEDICINES, notes_for_team=NOTE))
    sent = patient.post("confirm", {"shown": ["ack_not_decision", "ack_accurate"],
                                    "ack_not_decision": "true", "ack_accurate": "true"},
                        action="submit")
    assert sent.status_code == 303 and sent.headers["Location"].endswith("/sent")
    with app.app_context():
        submission_id = patient.draft().submission_id
    yield app, patient, submission_id
    dispose(app)


def nurse(app: Flask, email: str = "nurse@demo.test") -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, email).status_code == 303
    return client


def test_the_agency_settings_say_which_languages_are_offered(spanish: Any) -> None:
    app, _, _ = spanish
    page = nurse(app, "admin@demo.test").get("/staff/agency").text
    assert "Patients can fill in the checklist in English and Spanish; English unless" in page
    assert "ivig-home edit-agency demo --languages" in page


def document_language(pdf: bytes) -> str:
    with pikepdf.open(io.BytesIO(pdf)) as document:
        return str(document.Root.Lang)


def test_the_submission_stores_the_language_it_was_completed_in(spanish: Any) -> None:
    app, _, submission_id = spanish
    with app.app_context():
        assert db.session.get(Submission, submission_id).language == "es"


def test_the_queue_tags_a_spanish_checklist(spanish: Any) -> None:
    app, _, _ = spanish
    page = nurse(app).get("/staff/").text
    assert '<span class="badge badge--language">Spanish</span>' in page


def test_the_submission_page_says_spanish_and_marks_typed_answers_in_english(
        spanish: Any) -> None:
    app, _, submission_id = spanish
    page = nurse(app).get(f"/staff/submissions/{submission_id}").text
    assert "<strong>Completed in Spanish</strong>" in page
    assert page.count(f"({MARK})") >= 2  # the medicines and the note, as written
    assert MEDICINES in page and NOTE in page
    assert "What medicines do you take?" in page  # the questions in English
    assert "¿Qué medicinas toma?" not in page
    assert '<html lang="en">' in page


def test_the_care_teams_pdf_is_english_and_says_completed_in_spanish(spanish: Any) -> None:
    app, _, submission_id = spanish
    pdf = nurse(app).get(f"/staff/submissions/{submission_id}/summary.pdf").data
    first = loose(text_of(pdf, 1, 1))
    assert "Completed in Spanish" in first
    whole = loose(text_of(pdf))
    assert loose(MARK) in whole and loose(MEDICINES) in whole
    assert "What medicines do you take?" in whole and "¿Qué medicinas" not in whole
    assert document_language(pdf) == "en"


def test_the_patients_own_copy_is_in_spanish(spanish: Any) -> None:
    app, patient, _ = spanish
    response = patient.get("summary.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = response.data
    assert document_language(pdf) == "es"
    text = loose(text_of(pdf))
    assert "¿Qué medicinas toma?" in text and loose(MEDICINES) in text
    assert re.search(r"\d{1,2} de [a-z]+ de \d{4}", text), text[:400]
    assert "What medicines do you take?" not in text
    # No English sentence of the catalog, and nothing of the care team's review: why an item
    # is flagged, its sources and rule, the boxes and the signature stay on their copy.
    from tests.spanish import english_on_page
    assert english_on_page(text_of(pdf)) == []
    for words in ("Why flagged", "Rule id", "Acknowledged", "Reviewer name", "Page 1 of"):
        assert words not in text, words
    assert "Página 1 de" in text and "Sus medicinas" in text
    # Its own labels too, and the statement that the checklist decides nothing.
    for words in ("Necesita atención", "Todas las respuestas", "Fecha de nacimiento:",
                  "Cuestionario para prepararse para la infusión de IVIG en casa"):
        assert loose(words) in text, words
    # The sent page offers it in Spanish.
    sent = patient.get("sent").text
    assert '<html lang="es">' in sent


def test_the_api_and_fhir_give_the_language(spanish: Any) -> None:
    app, _, submission_id = spanish
    with app.app_context():
        token = tokens.create_token(registry.get_agency("demo"), "tests")[1]  # type: ignore[arg-type]
    client = app.test_client()
    listed = client.get("/api/v1/submissions", headers=bearer(token)).get_json()
    assert [row["language"] for row in listed["data"]] == ["es"]
    one = client.get(f"/api/v1/submissions/{submission_id}", headers=bearer(token)).get_json()
    assert one["language"] == "es"
    resource = client.get(f"/api/v1/submissions/{submission_id}/fhir",
                          headers=bearer(token)).get_json()
    assert resource["language"] == "es"
    read = client.get(f"/fhir/QuestionnaireResponse/{submission_id.replace('_', '.')}",
                      headers=bearer(token)).get_json()
    assert read["language"] == "es"
    document = client.get("/api/v1/openapi.json").get_json()
    brief = document["components"]["schemas"]["SubmissionBrief"]
    assert "language" in brief["required"] and "Spanish" in brief["properties"]["language"][
        "description"]


@pytest.mark.parametrize(("posted", "stored"), [(None, "en"), ("es", "es"), ("es-US", "es"),
                                                ("en", "en")])
def test_a_posted_questionnaire_response_keeps_its_language(app: Flask, posted: str | None,
                                                            stored: str) -> None:
    with app.app_context():
        token = tokens.create_token(registry.get_agency("demo"), "tests")[1]  # type: ignore[arg-type]
    resource = response_of("nothing-to-flag")
    resource.pop("language", None)
    if posted is not None:
        resource["language"] = posted
    response = post(app.test_client(), token, resource)
    assert response.status_code == 201, response.text
    assert response.get_json()["language"] == stored
    with app.app_context():
        found = db.session.scalars(db.select(Submission)).one()
        assert found.language == stored


@pytest.mark.parametrize("posted", ["fr", "klingon", 7])
def test_a_language_the_checklist_is_not_offered_in_is_refused(app: Flask, posted: Any) -> None:
    with app.app_context():
        token = tokens.create_token(registry.get_agency("demo"), "tests")[1]  # type: ignore[arg-type]
    resource = {**response_of("nothing-to-flag"), "language": posted}
    response = post(app.test_client(), token, resource)
    assert response.status_code == 422
    assert "QuestionnaireResponse.language" in response.text
    with app.app_context():
        assert submissions.get_submission("x") is None
        assert db.session.scalars(db.select(Submission)).first() is None


def test_edit_agency_languages(app: Flask) -> None:
    runner = app.test_cli_runner()
    refused = runner.invoke(cli, ["edit-agency", "demo", "--languages", "en,fr"])
    assert refused.exit_code == 2
    assert "error: No translation of the checklist into 'fr' ships with ivig_home" \
        in refused.output
    done = runner.invoke(cli, ["edit-agency", "demo", "--languages", "es,en"])
    assert done.exit_code == 0, done.output
    assert "languages:       es, en (default es)" in done.output
    made = runner.invoke(cli, ["create-agency", "solo", "--name", "Solo Care", "--phone",
                               "555-0113", "--time-zone", "America/Chicago"])
    assert "languages:       en (default en)" in made.output
    with app.app_context():
        assert registry.get_agency("demo").languages == "es,en"  # type: ignore[union-attr]


@pytest.mark.browser
def test_the_queue_with_a_spanish_tag_fits_1280_px_and_passes_axe(browser: Any,
                                                                    spanish: Any) -> None:
    app, _, _ = spanish
    with serving(app) as url:
        page = open_page(browser, url)
        sign_in_with_keyboard(page, "nurse@demo.test")
        expect(page.locator(".badge--language")).to_have_text("Spanish")
        for width in (1280, 375):
            page.set_viewport_size({"width": width, "height": 900})
            assert page.evaluate("document.documentElement.scrollWidth"
                                 " - document.documentElement.clientWidth") <= 0, width
            assert axe_violations(page) == [], width
        page.context.close()


def test_the_care_teams_pages_stay_english_for_a_spanish_browser(spanish: Any) -> None:
    app, _, submission_id = spanish
    client = nurse(app)
    for path in ("/staff/", f"/staff/submissions/{submission_id}"):
        page = client.get(path, headers={"Accept-Language": "es"}).text
        assert '<html lang="en">' in page and "Skip to main content" in page, path
    spanish_browser = {"Accept-Language": "es"}
    for path, language in (("/staff/", "en"), ("/api/v1/submissions", "en"),
                           ("/fhir/metadata", "en"), ("/no-such-page", "es")):
        with app.test_request_context(path, headers=spanish_browser):
            # The request's blueprint is known from its URL (no view runs here).
            assert str(get_locale()) == language, path
