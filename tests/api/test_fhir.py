"""The FHIR Questionnaire any renderer can fill safely, and QuestionnaireResponses valid against
it: every accepted answer offered, "none of these", the help-now messages, standard yes/no
codes, renderer-neutral hints, and a lossless round trip back to the JSON answers format."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from ivig_home.api import fhir
from ivig_home.checklist import Item, is_asked, load
from ivig_home.checklist.steps import help_now_answers
from tests.answers import clean

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.json"))
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
AUTHORED = datetime(2026, 11, 21, 9, 14, tzinfo=UTC)


def questions(resource: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["linkId"]: item for group in resource["item"] for item in group["item"]}


def children(question: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {child["linkId"]: child for child in question.get("item", [])}


def option_keys(question: dict[str, Any]) -> set[tuple[str, str]]:
    return {(o["valueCoding"]["system"], o["valueCoding"]["code"])
            for o in question.get("answerOption", [])}


def export(answers: dict[str, Any]) -> dict[str, Any]:
    return fhir.questionnaire_response(answers, reference="HKT-4829", authored=AUTHORED)


def accepted_values(item: Item) -> list[Any]:
    """Return every answer the app accepts for a coded item (a multi's empty list too)."""
    if item.type == "multi":
        return [[value] for value in item.values] + [[]]
    return list(item.values)


def test_the_questionnaire_validates_and_follows_the_definitions_version() -> None:
    resource = fhir.questionnaire()
    Questionnaire.model_validate(resource)
    checklist = load()
    assert resource["version"] == checklist.version
    assert resource["id"].endswith(checklist.version)


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_example_exports_a_valid_response_that_reads_back_the_same(path: Path) -> None:
    answers = json.loads(path.read_text())["answers"]
    resource = export(answers)
    QuestionnaireResponse.model_validate(resource)
    kept = {key: value for key, value in answers.items() if value not in ("", None)
            and is_asked(load().items[key], answers)}
    assert fhir.answers(resource) == kept


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_exported_answer_is_one_the_questionnaire_offers(path: Path) -> None:
    offered = questions(fhir.questionnaire())
    resource = export(json.loads(path.read_text())["answers"])
    for group in resource["item"]:
        for entry in group["item"]:
            question = offered[entry["linkId"]]
            for answer in entry["answer"]:
                if "valueCoding" in answer:
                    coding = answer["valueCoding"]
                    assert (coding["system"], coding["code"]) in option_keys(question)
                    assert any(o["valueCoding"] == coding for o in question["answerOption"])
                else:
                    assert question["type"] in ("integer", "date", "string", "text", "boolean")


def test_every_answer_the_app_accepts_has_an_answer_option() -> None:
    offered = questions(fhir.questionnaire())
    coded = [item for item in load().items.values() if item.options]
    assert coded
    for item in coded:
        question = offered[item.id]
        for value in accepted_values(item):
            entries = fhir.answer_values(item, value)
            for entry in entries:
                coding = entry["valueCoding"]
                assert (coding["system"], coding["code"]) in option_keys(question), (item.id,
                                                                                     value)
            assert fhir.read_answer(item, entries) == value
        assert len(option_keys(question)) == len(question["answerOption"])  # no duplicates


def test_yes_no_answers_are_loinc_codes_and_other_choices_keep_the_apps_own() -> None:
    offered = questions(fhir.questionnaire())
    for item in load().items.values():
        systems = {system for system, _ in option_keys(offered[item.id])}
        if item.type == "yesno":
            assert option_keys(offered[item.id]) == {
                ("http://loinc.org", "LA33-6"), ("http://loinc.org", "LA32-8"),
                ("http://loinc.org", "LA4489-6")}
        elif item.options:
            assert systems == {fhir.answer_system(item)}
            assert systems.pop().startswith("urn:ivig-home:answers:")


def test_prior_reactions_offers_none_of_these_and_an_empty_list_exports_it() -> None:
    question = questions(fhir.questionnaire())["prior_reactions"]
    none = [o for o in question["answerOption"] if o["valueCoding"]["code"] == "none"]
    assert len(none) == 1 and none[0]["valueCoding"]["display"] == "None of these"
    assert none[0]["extension"] == [{
        "url": "http://hl7.org/fhir/StructureDefinition/questionnaire-optionExclusive",
        "valueBoolean": True}]
    answers = clean(supervised_infusions=3, prior_problems="yes", prior_reactions=[],
                    split_dose_discussed="yes")["answers"]
    resource = export(answers)
    QuestionnaireResponse.model_validate(resource)
    answered = {entry["linkId"]: entry for group in resource["item"] for entry in group["item"]}
    assert answered["prior_reactions"]["answer"] == [{"valueCoding": {
        "system": "urn:ivig-home:answers:prior_reactions", "code": "none",
        "display": "None of these"}}]
    assert fhir.answers(resource)["prior_reactions"] == []
    # Not asked (no problems before): no answer at all, as before.
    unasked = export(clean(supervised_infusions=3, prior_problems="no")["answers"])
    assert "prior_reactions" not in fhir.answers(unasked)


def test_the_911_message_is_shown_on_each_emergency_answer_and_the_care_team_on_urgent() -> None:
    offered = questions(fhir.questionnaire())
    emergencies = 0
    for item in load().items.values():
        raised = help_now_answers(item)
        shown = children(offered[item.id])
        for severity in ("emergency", "urgent"):
            display = shown.get(f"{item.id}.{severity}")
            if severity not in raised:
                assert display is None
                continue
            assert display is not None and display["type"] == "display"
            wanted = {fhir.coding(item, value)["code"] for value in raised[severity]}
            conditions = display["enableWhen"]
            assert {c["answerCoding"]["code"] for c in conditions} == wanted
            assert {(c["question"], c["operator"]) for c in conditions} == {(item.id, "=")}
            assert display.get("enableBehavior") == ("any" if len(wanted) > 1 else None)
            if severity == "emergency":
                emergencies += 1
                assert display["text"].startswith("Call 911 now")
            else:
                assert display["text"].startswith("Call your care team today")
                assert "911" in display["text"]
    assert emergencies == 4  # breathing, swallowing, stroke signs, clot signs


def test_the_help_now_messages_are_the_words_the_question_pages_use() -> None:
    macros = (TEMPLATES / "macros" / "forms.html").read_text() + (
        TEMPLATES / "macros" / "help_now.html").read_text()
    for sentence in ("Call 911 now", "Or your local emergency number. Do not wait. Do not drive "
                     "yourself.", "Call your care team today", "If it gets worse, or you have "
                     "trouble breathing or swallowing, call 911."):
        assert sentence in macros
        assert sentence in fhir.EMERGENCY_TEXT + " " + fhir.URGENT_TEXT


def test_hints_speak_of_the_date_not_of_the_apps_boxes() -> None:
    offered = questions(fhir.questionnaire())
    texts = [child.get("text", "") for question in offered.values()
             for child in question.get("item", [])]
    assert not [text for text in texts if fhir.BOX_EXAMPLE.search(text)]
    assert children(offered["date_of_birth"])["date_of_birth.hint"]["text"] == (
        "The day, month and year.")
    assert children(offered["last_infusion_date"])["last_infusion_date.hint"]["text"] == (
        "A rough date is fine. The day, month and year.")
    # The app's own form keeps its hint for its day, month and year boxes.
    assert load().items["date_of_birth"].hint == "For example, 27 3 1958."


def test_no_questionnaire_text_says_a_patient_is_eligible_or_safe() -> None:
    text = json.dumps(fhir.questionnaire()).lower()
    for word in ("eligible", "approved", "cleared", "you are safe", "safe to"):
        assert word not in text


def test_every_choice_asks_for_buttons_one_tap_each_not_a_drop_down_list() -> None:
    offered = questions(fhir.questionnaire())
    for item in load().items.values():
        extensions = {e["url"].rsplit("/", 1)[1]: e
                      for e in offered[item.id].get("extension", [])}
        if not item.options:
            assert not {"questionnaire-itemControl",
                        "questionnaire-choiceOrientation"} & set(extensions), item.id
            continue
        assert extensions["questionnaire-itemControl"]["valueCodeableConcept"] == {"coding": [{
            "system": "http://hl7.org/fhir/questionnaire-item-control",
            "code": "check-box" if item.type == "multi" else "radio-button",
            "display": "Check-box" if item.type == "multi" else "Radio Button"}]}
        # Yes / No / Unknown fit on a line; longer answers go one a line.
        orientation = extensions.get("questionnaire-choiceOrientation", {}).get("valueCode")
        assert orientation == (None if item.type == "yesno" else "vertical"), item.id
