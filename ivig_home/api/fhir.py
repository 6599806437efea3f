"""The checklist as a FHIR R4 Questionnaire, and a submission as a QuestionnaireResponse.

linkIds are the checklist's item ids (sections are groups with the section id), answer
codes are the answer values of the JSON format, and `when` conditions become enableWhen.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ivig_home.checklist import NOT_A_DECISION, Checklist, Item, is_asked, load
from ivig_home.checklist.definition import CHOICE_TYPES, COUNT_MAX

CANONICAL = "urn:ivig-home:questionnaire:ivig_home"
REFERENCE_SYSTEM = "urn:ivig-home:reference"
EXTENSION = "http://hl7.org/fhir/StructureDefinition/"
FHIR_TYPES = {"yesno": "choice", "ability": "choice", "purpose": "choice", "choice": "choice",
              "multi": "choice", "count": "integer", "date": "date", "text": "string",
              "ack": "boolean"}


def answer_system(item: Item) -> str:
    """Return the code system of an item's answers (shared by items of one built-in type)."""
    owner = item.type if item.type in CHOICE_TYPES else item.id
    return f"urn:ivig-home:answers:{owner}"


def coding(item: Item, value: str) -> dict[str, str]:
    """Return the Coding for one answer value of a choice or multi item."""
    return {"system": answer_system(item), "code": value, "display": item.display(value)}


def questionnaire(checklist: Checklist | None = None) -> dict[str, Any]:
    """Return the checklist definition as a FHIR R4 Questionnaire resource."""
    checklist = checklist or load()
    return {
        "resourceType": "Questionnaire",
        "id": f"{checklist.id.replace('_', '-')}-{checklist.version}",
        "url": CANONICAL,
        "version": checklist.version,
        "name": "IvigHomeReadinessChecklist",
        "title": checklist.title,
        "status": "active",
        "subjectType": ["Patient"],
        "description": NOT_A_DECISION,
        "item": [
            {"linkId": section.id, "type": "group", "text": section.title,
             "item": [question(item, checklist) for item in section.items]}
            for section in checklist.sections
        ],
    }


def question(item: Item, checklist: Checklist) -> dict[str, Any]:
    """Return one checklist item as a Questionnaire item."""
    entry: dict[str, Any] = {"linkId": item.id, "text": item.question,
                             "type": "text" if item.multiline else FHIR_TYPES[item.type],
                             "required": item.required}
    if item.type == "multi":
        entry["repeats"] = True
    if item.options:
        entry["answerOption"] = [{"valueCoding": coding(item, option.value)}
                                 for option in item.options]
    if item.type == "text":
        entry["maxLength"] = item.max_length
    if item.type == "count":
        entry["extension"] = [{"url": EXTENSION + "minValue", "valueInteger": 0},
                              {"url": EXTENSION + "maxValue", "valueInteger": COUNT_MAX}]
    if item.when is not None:
        entry["enableWhen"] = [enable_when(item, checklist)]
    if item.hint:
        entry["item"] = [{"linkId": f"{item.id}.hint", "type": "display", "text": item.hint}]
    return entry


def enable_when(item: Item, checklist: Checklist) -> dict[str, Any]:
    """Return the enableWhen of an item asked only under a condition."""
    when = item.when
    assert when is not None  # noqa: S101 (only called for items with a condition)
    if when.equals is not None:
        other = checklist.items[when.item]
        return {"question": when.item, "operator": "=",
                "answerCoding": {"system": answer_system(other), "code": when.equals}}
    return {"question": when.item, "operator": ">=", "answerInteger": when.at_least or 0}


def questionnaire_response(answers: dict[str, Any], *, reference: str, authored: datetime,
                           checklist: Checklist | None = None,
                           version: str | None = None) -> dict[str, Any]:
    """Return a submission's answers as a FHIR R4 QuestionnaireResponse resource.

    `version` is the checklist version the answers were assessed with (the submission's),
    when it is not the current one.
    """
    checklist = checklist or load()
    groups = []
    for section in checklist.sections:
        items = [answered for item in section.items
                 if (answered := answered_item(item, answers)) is not None]
        if items:
            groups.append({"linkId": section.id, "text": section.title, "item": items})
    return {
        "resourceType": "QuestionnaireResponse",
        "id": reference,
        "identifier": {"system": REFERENCE_SYSTEM, "value": reference},
        "questionnaire": f"{CANONICAL}|{version or checklist.version}",
        "status": "completed",
        "authored": authored.isoformat(timespec="seconds"),
        "item": groups,
    }


def answered_item(item: Item, answers: dict[str, Any]) -> dict[str, Any] | None:
    """Return one answered item, or None when it was not asked or left blank."""
    value = answers.get(item.id)
    if not is_asked(item, answers) or value is None or value == "" or value == []:
        return None
    return {"linkId": item.id, "text": item.question, "answer": answer_values(item, value)}


def answer_values(item: Item, value: Any) -> list[dict[str, Any]]:
    """Return the FHIR answer entries for one stored answer."""
    if item.type == "multi":
        return [{"valueCoding": coding(item, str(v))} for v in value]
    if item.options:
        return [{"valueCoding": coding(item, str(value))}]
    kind = {"count": "valueInteger", "date": "valueDate", "ack": "valueBoolean"}
    return [{kind.get(item.type, "valueString"): value}]
