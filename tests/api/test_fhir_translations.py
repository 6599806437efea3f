"""The Questionnaire in the app's other languages: each text a patient reads carries its
translations (FHIR's translation extension), one per compiled catalogue other than English,
only where a translation differs from the English."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from fhir.resources.R4B.questionnaire import Questionnaire
from flask import Flask

from ivig_home.api import fhir
from tests.spanish import write_catalogs

TRANSLATION = "http://hl7.org/fhir/StructureDefinition/translation"


def fetched(app: Flask) -> dict[str, Any]:
    """Fetch the Questionnaire from /fhir as a renderer does; it validates."""
    response = app.test_client().get(f"/fhir/Questionnaire/{fhir.questionnaire()['id']}")
    assert response.status_code == 200
    resource: dict[str, Any] = response.get_json()
    Questionnaire.model_validate(resource)
    return resource


def in_languages(element: dict[str, Any] | None) -> dict[str, str]:
    """Return the translations an element (`_text`, `_display`) carries, by language."""
    found = {}
    for extension in (element or {}).get("extension", []):
        if extension["url"] == TRANSLATION:
            parts = {part["url"]: part for part in extension["extension"]}
            found[parts["lang"]["valueCode"]] = parts["content"]["valueString"]
    return found


def questions(resource: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["linkId"]: item for group in resource["item"] for item in group["item"]}


def children(question: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {child["linkId"]: child for child in question.get("item", [])}


def option(question: dict[str, Any], code: str) -> dict[str, Any]:
    coding: dict[str, Any] = next(o["valueCoding"] for o in question["answerOption"]
                                  if o["valueCoding"]["code"] == code)
    return coding


def test_a_renderer_finds_the_spanish_of_the_questions_in_the_questionnaire(
        sqlite_apps: Callable[..., Flask], compiled_catalogs: Path) -> None:
    resource = fetched(sqlite_apps(BABEL_TRANSLATION_DIRECTORIES=str(compiled_catalogs)))
    groups = {group["linkId"]: group for group in resource["item"]}
    assert in_languages(groups["today"].get("_text")) == {"es": "Cómo se siente hoy"}
    offered = questions(resource)
    breathing = offered["breathing_trouble_now"]
    assert breathing["text"] == "Do you have trouble breathing right now?"
    assert in_languages(breathing.get("_text")) == {
        "es": "¿Tiene dificultad para respirar en este momento?"}
    hint = children(offered["swallowing_trouble_now"])["swallowing_trouble_now.hint"]
    assert in_languages(hint.get("_text"))["es"].startswith("Por ejemplo, la comida")
    headache = option(offered["prior_reactions"], "headache")
    assert headache["display"] == "Headache"
    assert in_languages(headache.get("_display")) == {"es": "Dolor de cabeza"}


def test_each_language_gets_a_translation_where_it_differs_from_the_english(
        sqlite_apps: Callable[..., Flask], tmp_path: Path) -> None:
    folder = write_catalogs(tmp_path, es={
        "Do you have trouble breathing right now?": "¿Tiene dificultad para respirar?",
        "No": "No",
        "Not sure": "No sé",
        "Call 911 now": "Llame al 911 ahora",
        "Or your local emergency number. Do not wait. Do not drive yourself.":
            "O a su número local de emergencias. No espere. No maneje.",
        "Call your care team today": "Llame hoy a su equipo de atención",
        "A rough date is fine. For example, 15 9 2026.":
            "Una fecha aproximada está bien. Por ejemplo, 15 9 2026.",
        "The day, month and year.": "El día, el mes y el año.",
    }, fr={"Do you have trouble breathing right now?": "Avez-vous du mal à respirer ?"})
    offered = questions(fetched(sqlite_apps(BABEL_TRANSLATION_DIRECTORIES=str(folder))))
    breathing = offered["breathing_trouble_now"]
    assert in_languages(breathing["_text"]) == {"es": "¿Tiene dificultad para respirar?",
                                                "fr": "Avez-vous du mal à respirer ?"}
    # The answers as the patient reads them: LOINC's "Unknown" is the app's "Not sure".
    assert in_languages(option(breathing, "LA4489-6").get("_display")) == {"es": "No sé"}
    assert "_display" not in option(breathing, "LA32-8")  # "No" is the same in Spanish
    help_now = children(breathing)
    emergency = help_now["breathing_trouble_now.emergency"]["_text"]["extension"]
    assert emergency[0]["url"].endswith("/rendering-style")  # still bold and dark red
    assert in_languages({"extension": emergency}) == {
        "es": "Llame al 911 ahora. O a su número local de emergencias. No espere. No maneje."}
    # Half a message in Spanish would be worse than the English one.
    assert in_languages(help_now["breathing_trouble_now.urgent"]["_text"]) == {}
    last = children(offered["last_infusion_date"])["last_infusion_date.hint"]
    assert last["text"] == "A rough date is fine. The day, month and year."
    assert in_languages(last["_text"]) == {
        "es": "Una fecha aproximada está bien. El día, el mes y el año."}


def test_an_english_only_app_serves_no_translations(sqlite_apps: Callable[..., Flask],
                                                    tmp_path: Path) -> None:
    app = sqlite_apps(BABEL_TRANSLATION_DIRECTORIES=str(tmp_path))
    response = app.test_client().get("/api/v1/questionnaire")
    assert response.status_code == 200 and TRANSLATION not in response.get_data(as_text=True)
