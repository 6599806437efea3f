"""The checklist as a FHIR R4 Questionnaire, and a submission as a QuestionnaireResponse.

linkIds are the checklist's item ids (sections are groups with the section id), and `when`
conditions become enableWhen. Yes/no answers are LOINC answer codes; every other answer is
coded with its answer value of the JSON answers format. A several-answer item also offers
"none of these" (the app's empty list). The emergency and urgent messages a question shows
at once are display items enabled by the answers that raise them. The texts a patient reads
carry their translations, one FHIR translation extension for each other language the app has
a compiled catalogue for. `answers()` reads a response back into the JSON answers format.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from ivig_home import i18n
from ivig_home.checklist import NOT_A_DECISION, Checklist, Item, is_asked, load
from ivig_home.checklist.definition import CHOICE_TYPES, COUNT_MAX
from ivig_home.checklist.steps import help_now_answers
from ivig_home.i18n import N_

CANONICAL = "urn:ivig-home:questionnaire:ivig_home"
REFERENCE_SYSTEM = "urn:ivig-home:reference"
EXTENSION = "http://hl7.org/fhir/StructureDefinition/"
TRANSLATION = EXTENSION + "translation"
FHIR_TYPES = {"yesno": "choice", "ability": "choice", "purpose": "choice", "choice": "choice",
              "multi": "choice", "count": "integer", "date": "date", "text": "string",
              "ack": "boolean"}
# Yes / No / Not sure as LOINC answer codes, one published code system for all three (the
# LOINC answer list LL361-7 and its Unknown), which EHRs already read. HL7's v2-0136 has only
# Y and N, so "not sure" would need a second system (data-absent-reason), whose codes say why
# a value is missing rather than being an answer. The displays are LOINC's.
LOINC = "http://loinc.org"
YESNO_CODES = {"yes": ("LA33-6", "Yes"), "no": ("LA32-8", "No"), "unsure": ("LA4489-6", "Unknown")}
# How a renderer shows a choice: every answer at once, one tap each (a drop-down list is two
# taps and small entries, hard for weak hands and drooping eyelids).
ITEM_CONTROL = "http://hl7.org/fhir/questionnaire-item-control"
ITEM_CONTROLS = {"radio-button": "Radio Button", "check-box": "Check-box"}
# "None of these": a several-answer item's empty list, which the app accepts.
NONE_CODE = "none"
NONE_DISPLAY = "None of these"
# The help-now messages, in the words the question pages use (templates/macros/forms.html and
# help_now.html). The Questionnaire serves every agency, so it names the care team, not a phone.
# Each is two of the pages' sentences, so a translation of the pages translates it too.
HELP_NOW_PARTS = {
    "emergency": ("Call 911 now",
                  "Or your local emergency number. Do not wait. Do not drive yourself."),
    "urgent": ("Call your care team today",
               "If it gets worse, or you have trouble breathing or swallowing, call 911."),
}


def help_now_text(heading: str, rest: str) -> str:
    """Return a help-now message as one text: its heading as a sentence, then the rest."""
    return f"{heading}. {rest}"


EMERGENCY_TEXT = help_now_text(*HELP_NOW_PARTS["emergency"])
URGENT_TEXT = help_now_text(*HELP_NOW_PARTS["urgent"])
HELP_NOW_TEXT = {"emergency": EMERGENCY_TEXT, "urgent": URGENT_TEXT}
# Set apart from the hints beside them, for renderers that read the style (LHC-Forms does); a
# dark red that keeps 7:1 contrast on white and on a renderer's pale backgrounds.
HELP_NOW_STYLE = {"url": EXTENSION + "rendering-style",
                  "valueString": "font-weight: bold; color: #8a0000;"}
# The app's date boxes are day, month and year; other renderers have their own date pickers,
# so the Questionnaire's hints speak of the date, not of how the app's boxes are filled. The
# example is the sentence around the three numbers, in any language ("Por ejemplo, 27 3 1958.").
BOX_EXAMPLE = re.compile(r"\s*[^.]*?\d{1,2} \d{1,2} \d{4}\.")
DATE_HINT = N_("The day, month and year.")


def translations(*texts: str,
                 put: Callable[..., str] = lambda text: text) -> list[dict[str, Any]]:
    """Return the translation extensions of a text `put` together from catalogue texts: one
    per other language of the app that translates every one of them, when the result differs
    from the English."""
    english = put(*texts)
    found = []
    for language in i18n.other_languages():
        with i18n.speaking(language):
            words = [i18n.gettext(text) for text in texts]
        if all(said != text for said, text in zip(words, texts, strict=True)):
            content = put(*words)
            if content != english:
                found.append({"url": TRANSLATION, "extension": [
                    {"url": "lang", "valueCode": language},
                    {"url": "content", "valueString": content}]})
    return found


def translated(element: dict[str, Any], key: str, *texts: str,
               put: Callable[..., str] = lambda text: text) -> dict[str, Any]:
    """Add to `element` the translations of its `key` (`_key`, beside any extension there);
    the texts and `put` make the English of element[key] from the catalogue's texts."""
    found = translations(*texts, put=put)
    if found:
        element.setdefault(f"_{key}", {}).setdefault("extension", []).extend(found)
    return element


def answer_system(item: Item) -> str:
    """Return the code system of an item's answers (shared by items of one built-in type)."""
    if item.type == "yesno":
        return LOINC
    owner = item.type if item.type in CHOICE_TYPES else item.id
    return f"urn:ivig-home:answers:{owner}"


def coding(item: Item, value: str) -> dict[str, str]:
    """Return the Coding for one answer value of a choice or multi item."""
    if item.type == "yesno":
        code, display = YESNO_CODES[value]
        return {"system": LOINC, "code": code, "display": display}
    if item.type == "multi" and value == NONE_CODE:
        return {"system": answer_system(item), "code": NONE_CODE, "display": NONE_DISPLAY}
    return {"system": answer_system(item), "code": value, "display": item.display(value)}


def answer_value(item: Item, system: str | None, code: str | None) -> str | None:
    """Return the JSON answer value of one Coding of an item's answers, or None if unknown."""
    if system != answer_system(item):
        return None
    if item.type == "yesno":
        return next((value for value, (known, _) in YESNO_CODES.items() if known == code), None)
    if item.type == "multi" and code == NONE_CODE:
        return NONE_CODE
    return code if code in item.values else None


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
            translated({"linkId": section.id, "type": "group", "text": section.title,
                        "item": [question(item, checklist) for item in section.items]},
                       "text", section.title)
            for section in checklist.sections
        ],
    }


def question(item: Item, checklist: Checklist) -> dict[str, Any]:
    """Return one checklist item as a Questionnaire item."""
    entry: dict[str, Any] = {"linkId": item.id, "text": item.question,
                             "type": "text" if item.multiline else FHIR_TYPES[item.type],
                             "required": item.required}
    translated(entry, "text", item.question)
    if item.type == "multi":
        entry["repeats"] = True
    if item.options:
        entry["answerOption"] = [{"valueCoding": offered_coding(item, option.value)}
                                 for option in item.options]
        entry["extension"] = [item_control("check-box" if item.type == "multi"
                                           else "radio-button")]
        if item.type != "yesno":  # longer answers, one a line
            entry["extension"].append({"url": EXTENSION + "questionnaire-choiceOrientation",
                                       "valueCode": "vertical"})
    if item.type == "multi":
        if NONE_CODE in item.values:
            raise ValueError(f"'{item.id}' offers '{NONE_CODE}', the code of 'none of these'")
        entry["answerOption"].append({
            "valueCoding": offered_coding(item, NONE_CODE),
            "extension": [{"url": EXTENSION + "questionnaire-optionExclusive",
                           "valueBoolean": True}]})
    if item.type == "text":
        entry["maxLength"] = item.max_length
    if item.type == "count":
        entry["extension"] = [{"url": EXTENSION + "minValue", "valueInteger": 0},
                              {"url": EXTENSION + "maxValue", "valueInteger": COUNT_MAX}]
    if item.when is not None:
        entry["enableWhen"] = [enable_when(item, checklist)]
    children = []
    hint = fhir_hint(item.hint, item)
    if hint:
        parts = (item.hint,) if hint == item.hint else (item.hint, DATE_HINT)
        children.append(translated(
            {"linkId": f"{item.id}.hint", "type": "display", "text": hint}, "text", *parts,
            put=lambda text, *date_hint: fhir_hint(text, item, *date_hint)))
    children.extend(help_now_items(item))
    if children:
        entry["item"] = children
    return entry


def item_control(code: str) -> dict[str, Any]:
    """Return the extension asking a renderer to show every answer at once, as buttons."""
    return {"url": EXTENSION + "questionnaire-itemControl",
            "valueCodeableConcept": {"coding": [{"system": ITEM_CONTROL, "code": code,
                                                 "display": ITEM_CONTROLS[code]}]}}


def offered_coding(item: Item, value: str) -> dict[str, Any]:
    """Return the Coding of an answer option, with the translations of the answer's words as
    the patient reads them ("Not sure" for LOINC's "Unknown")."""
    return translated(coding(item, value), "display",
                      NONE_DISPLAY if value == NONE_CODE else item.display(value))


def fhir_hint(hint: str, item: Item, date_hint: str = DATE_HINT) -> str:
    """Return an item's hint (or its translation) for any renderer: a date's hint without
    the app's box layout, speaking of the date (`date_hint`) instead."""
    if item.type != "date" or not BOX_EXAMPLE.search(hint):
        return hint
    return " ".join(part for part in (BOX_EXAMPLE.sub("", hint).strip(), date_hint) if part)


def help_now_items(item: Item) -> list[dict[str, Any]]:
    """Return the display items of the help-now messages an answer to this item raises,
    each enabled by those answers (as the app shows them at the question)."""
    shown = []
    for severity, values in help_now_answers(item).items():
        conditions = [{"question": item.id, "operator": "=", "answerCoding": coding(item, v)}
                      for v in values]
        display: dict[str, Any] = {"linkId": f"{item.id}.{severity}", "type": "display",
                                   "text": HELP_NOW_TEXT[severity],
                                   "_text": {"extension": [HELP_NOW_STYLE]},
                                   "enableWhen": conditions}
        translated(display, "text", *HELP_NOW_PARTS[severity], put=help_now_text)
        if len(conditions) > 1:
            display["enableBehavior"] = "any"
        shown.append(display)
    return shown


def enable_when(item: Item, checklist: Checklist) -> dict[str, Any]:
    """Return the enableWhen of an item asked only under a condition."""
    when = item.when
    assert when is not None  # noqa: S101 (only called for items with a condition)
    if when.equals is not None:
        other = checklist.items[when.item]
        return {"question": when.item, "operator": "=",
                "answerCoding": coding(other, when.equals)}
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
    """Return one answered item, or None when it was not asked or left blank (an asked
    several-answer item's empty list is "none of these")."""
    value = answers.get(item.id)
    if not is_asked(item, answers) or value is None or value == "":
        return None
    if value == [] and item.type != "multi":
        return None
    return {"linkId": item.id, "text": item.question, "answer": answer_values(item, value)}


def answer_values(item: Item, value: Any) -> list[dict[str, Any]]:
    """Return the FHIR answer entries for one stored answer."""
    if item.type == "multi":
        return [{"valueCoding": coding(item, str(v))} for v in value or [NONE_CODE]]
    if item.options:
        return [{"valueCoding": coding(item, str(value))}]
    kind = {"count": "valueInteger", "date": "valueDate", "ack": "valueBoolean"}
    return [{kind.get(item.type, "valueString"): value}]


def answers(response: dict[str, Any], checklist: Checklist | None = None) -> dict[str, Any]:
    """Return a QuestionnaireResponse's answers in the JSON answers format (the inverse of
    questionnaire_response). Items and codes the checklist does not know are left out."""
    checklist = checklist or load()
    known = checklist.items
    found: dict[str, Any] = {}
    for group in response.get("item", []):
        for entry in group.get("item", []):
            item = known.get(entry.get("linkId"))
            if item is not None and entry.get("answer"):
                value = read_answer(item, entry["answer"])
                if value is not None:
                    found[item.id] = value
    return found


def read_answer(item: Item, entries: list[dict[str, Any]]) -> Any:
    """Return one item's answer value from its FHIR answer entries, or None if unreadable."""
    if item.options:
        values = [answer_value(item, coding.get("system"), coding.get("code"))
                  for coding in (entry.get("valueCoding") or {} for entry in entries)]
        if item.type == "multi":
            return [v for v in values if v not in (None, NONE_CODE)]
        return values[0]
    kind = {"count": "valueInteger", "date": "valueDate", "ack": "valueBoolean"}
    value = entries[0].get(kind.get(item.type, "valueString"))
    return value.isoformat() if isinstance(value, date) else value
