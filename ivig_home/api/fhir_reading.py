"""Reading a QuestionnaireResponse sent to /fhir/: every problem found, each naming its item.

The response is read item by item against the Questionnaire (known linkIds, the answer type
each item takes, the codes it offers), then the answers are checked by the checklist engine,
as the form's are. Nothing is stored unless there is no problem at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from ivig_home import i18n
from ivig_home.api import fhir
from ivig_home.api.fhir_dates import DateRefused, period
from ivig_home.api.fhir_outcome import Issue
from ivig_home.checklist import Checklist, Item, Problem, load, validate
from ivig_home.timezones import local_date
from ivig_home.timezones import today as today_in

ROOT = "QuestionnaireResponse"
LINK_ID = re.compile(r"[A-Za-z0-9_.\-]{1,64}\Z")
# Sections, questions and their display items; a renderer may nest a little differently.
MAX_DEPTH = 8
# A renderer's clock may run a little ahead of the server's.
CLOCK_SKEW = timedelta(minutes=5)
VALUE_KEYS = {"count": "valueInteger", "date": "valueDate", "ack": "valueBoolean"}
VALUE_WORDS = {"valueInteger": "a whole number (valueInteger)",
               "valueDate": "a date (valueDate, YYYY-MM-DD)",
               "valueBoolean": "true (valueBoolean)", "valueString": "text (valueString)",
               "valueCoding": "a coded answer (valueCoding)"}


class ResponseRefused(ValueError):
    """The response has problems; `issues` names each one and its item."""

    def __init__(self, issues: list[Issue]) -> None:
        super().__init__("; ".join(issue.text for issue in issues))
        self.issues = issues


@dataclass(frozen=True)
class ReadResponse:
    """A response's answers in the JSON answers format and the day they were given."""

    answers: dict[str, Any]
    completed_on: date
    language: str = "en"


@dataclass
class Reader:
    """Walks a response's items, collecting answers and problems."""

    checklist: Checklist
    answers: dict[str, Any] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    paths: dict[str, str] = field(default_factory=dict)
    refused: set[str] = field(default_factory=set)

    def problem(self, code: str, item: Item | None, link: str, path: str, words: str) -> None:
        """Note one problem with an item, named by its linkId (and its question)."""
        about = f"'{link}' ({item.question})" if item else f"'{link}'"
        self.issues.append(Issue(code, f"Item '{link}': {words}", path,
                                 f"linkId {about}: {words}"))
        self.refused.add(link)

    def walk(self, entries: Any, path: str, depth: int = 0) -> None:
        """Read every item of a list of response items, at any depth the Questionnaire has."""
        if entries is None:
            return
        if depth > MAX_DEPTH:
            self.issues.append(Issue("structure", f"Items are nested more than {MAX_DEPTH} "
                                     "deep; the Questionnaire's are nested 3 deep.", path))
            return
        if not isinstance(entries, list):
            self.issues.append(Issue("structure", "'item' must be a list of items.",
                                     f"{path}.item"))
            return
        for index, entry in enumerate(entries):
            link = entry.get("linkId") if isinstance(entry, dict) else None
            if not isinstance(link, str) or not LINK_ID.match(link):
                self.issues.append(Issue(
                    "structure", "Each item needs a linkId naming a Questionnaire item "
                    "(letters, digits, '_', '.' or '-').", f"{path}.item[{index}]"))
                continue
            self.entry(entry, link, f"{path}.item.where(linkId='{link}')", depth)

    def entry(self, entry: dict[str, Any], link: str, path: str, depth: int) -> None:
        """Read one response item: a section, a question or a display item."""
        item = self.checklist.items.get(link)
        if item is not None:
            if link in self.paths:
                self.problem("duplicate", item, link, path,
                             "answered more than once; expected it once.")
            else:
                self.paths[link] = path
                self.question(entry, item, path)
        elif link in item_free_ids(self.checklist):
            if entry.get("answer"):
                self.problem("structure", None, link, path,
                             "this is a group or a display item, which takes no answer.")
        else:
            self.problem("structure", None, link, path,
                         "the Questionnaire has no item with this linkId.")
            return
        self.walk(entry.get("item"), path, depth + 1)
        given = entry.get("answer")
        for answer in given if isinstance(given, list) else []:
            if isinstance(answer, dict):
                self.walk(answer.get("item"), f"{path}.answer", depth + 1)

    def question(self, entry: dict[str, Any], item: Item, path: str) -> None:
        """Read the answers of one question, in the type and codes it takes."""
        given = entry.get("answer")
        if given is None or given == []:
            return  # not answered: the engine says whether it had to be
        link = item.id
        if not isinstance(given, list) or not all(isinstance(a, dict) for a in given):
            self.problem("structure", item, link, f"{path}.answer",
                         "'answer' must be a list of answers.")
            return
        if item.type != "multi" and len(given) != 1:
            self.problem("value", item, link, f"{path}.answer",
                         f"expected one answer, got {len(given)}.")
            return
        key = "valueCoding" if item.options else VALUE_KEYS.get(item.type, "valueString")
        values = []
        for index, answer in enumerate(given):
            where = f"{path}.answer[{index}]"
            if set(k for k in answer if k.startswith("value")) != {key}:
                self.problem("value", item, link, where, f"expected {VALUE_WORDS[key]}.")
                return
            values.append((answer[key], where))
        value = (self.codes(item, values) if item.options else self.plain(item, *values[0]))
        if link not in self.refused:
            self.answers[link] = value

    def codes(self, item: Item, values: list[tuple[Any, str]]) -> Any:
        """Return the answer values of coded answers, noting any code the item does not offer."""
        found = []
        for coding, where in values:
            code = coding.get("code") if isinstance(coding, dict) else None
            system = coding.get("system") if isinstance(coding, dict) else None
            value = fhir.answer_value(item, system, code)
            if value is None:
                self.problem("code-invalid", item, item.id, f"{where}.valueCoding",
                             f"the code {_shown(system)}|{_shown(code)} is not one this item "
                             f"offers; expected {offered(item)}.")
                return None
            found.append(value)
        if item.type != "multi":
            return found[0]
        if len(set(found)) != len(found):
            self.problem("value", item, item.id, values[0][1], "expected each option at most "
                         "once.")
        elif fhir.NONE_CODE in found and len(found) > 1:
            self.problem("value", item, item.id, values[0][1], f"'{fhir.NONE_CODE}' "
                         f"({fhir.NONE_DISPLAY}) cannot be chosen with other options.")
        return [value for value in found if value != fhir.NONE_CODE]

    def plain(self, item: Item, value: Any, where: str) -> Any:
        """Return an uncoded answer, noting a value of the wrong kind."""
        kind = VALUE_KEYS.get(item.type, "valueString")
        good = {"valueInteger": isinstance(value, int) and not isinstance(value, bool),
                "valueBoolean": isinstance(value, bool)}.get(kind, isinstance(value, str))
        if not good:
            self.problem("value", item, item.id, f"{where}.{kind}",
                         f"expected {VALUE_WORDS[kind]}.")
        return value


def item_free_ids(checklist: Checklist) -> set[str]:
    """Return the linkIds of the Questionnaire's groups and display items (no answers)."""
    ids = {section.id for section in checklist.sections}
    for item in checklist.items.values():
        ids.update({f"{item.id}.hint", f"{item.id}.emergency", f"{item.id}.urgent"})
    return ids


def offered(item: Item) -> str:
    """Return the codes an item offers, in words, for a problem's message."""
    system = fhir.answer_system(item)
    codes = [fhir.coding(item, value) for value in item.values]
    if item.type == "multi":
        codes.append(fhir.coding(item, fhir.NONE_CODE))
    listed = ", ".join(f"{c['code']} ({c['display']})" for c in codes)
    many = "any of" if item.type == "multi" else "one of"
    return f"{many} {listed} in the system {system}"


def _shown(value: Any) -> str:
    return str(value)[:80] if value is not None else "(none)"


def read_response(resource: dict[str, Any], zone_name: str | None,
                  checklist: Checklist | None = None) -> ReadResponse:
    """Return a completed response's answers and completion day; raise ResponseRefused
    naming every problem (the response's own, then the engine's, each with its item)."""
    checklist = checklist or load()
    reader = Reader(checklist)
    _check_header(resource, checklist, reader.issues)
    completed_on = _completion_day(resource.get("authored"), zone_name, reader.issues)
    language = _language(resource.get("language"), reader.issues)
    reader.walk(resource.get("item"), ROOT)
    document = {"completed_on": completed_on.isoformat(), "answers": reader.answers}
    unknowable = _following(reader.refused, checklist)
    for problem in validate(document, checklist):
        if problem.item not in unknowable:
            reader.issues.append(engine_issue(problem, checklist, reader.paths))
    if reader.issues:
        raise ResponseRefused(reader.issues)
    return ReadResponse(reader.answers, completed_on, language)


def _language(value: Any, issues: list[Issue]) -> str:
    """Return the language the answers were given in: 'en' when the response does not say,
    else its primary subtag ('es' for 'es-US') when the checklist is offered in it."""
    if value is None:
        return i18n.DEFAULT_LANGUAGE
    available = i18n.available_languages()
    primary = value.split("-")[0].lower() if isinstance(value, str) else None
    if primary in available:
        return str(primary)
    issues.append(Issue("value", f"'language' is {_quoted(value)}; expected a language "
                        f"the checklist is offered in: {', '.join(map(repr, available))}.",
                        f"{ROOT}.language"))
    return i18n.DEFAULT_LANGUAGE


def _following(refused: set[str], checklist: Checklist) -> set[str]:
    """Return the refused items and those asked only on their answers (at any remove): whether
    these are asked cannot be known, so the engine's word on them is left out."""
    unknowable = set(refused)
    for item in checklist.items.values():  # a condition names an earlier item
        if item.when is not None and item.when.item in unknowable:
            unknowable.add(item.id)
    return unknowable


def engine_issue(problem: Problem, checklist: Checklist, paths: dict[str, str]) -> Issue:
    """Return the engine's problem with an answer as an issue naming the item."""
    item = checklist.items.get(problem.item)
    if item is None:  # not about one item (the completion date is checked before)
        return Issue("invalid", f"{problem.item}: {problem.message}.")
    section = next(s.id for s in checklist.sections
                   if any(other.id == item.id for other in s.items))
    path = paths.get(item.id, f"{ROOT}.item.where(linkId='{section}')"
                              f".item.where(linkId='{item.id}')")
    code = ("required" if problem.message.startswith("missing") else
            "business-rule" if "asked only when" in problem.message else "value")
    words = problem.message.rstrip(".") + "."
    return Issue(code, f"Item '{item.id}': {words}", path,
                 f"linkId '{item.id}' ({item.question}): {words}")


def _check_header(resource: dict[str, Any], checklist: Checklist, issues: list[Issue]) -> None:
    status = resource.get("status")
    if status != "completed":
        issues.append(Issue("business-rule", f"'status' is {_quoted(status)}; expected "
                            "'completed' (only a finished response is stored).",
                            f"{ROOT}.status"))
    expected = f"{fhir.CANONICAL}|{checklist.version}"
    canonical = resource.get("questionnaire")
    if canonical not in (expected, fhir.CANONICAL):
        issues.append(Issue("business-rule", f"'questionnaire' is {_quoted(canonical)}; "
                            f"expected '{expected}', the Questionnaire this server takes "
                            "(GET /fhir/Questionnaire).", f"{ROOT}.questionnaire"))


def _completion_day(authored: Any, zone_name: str | None, issues: list[Issue]) -> date:
    """Return the day the answers were given: authored's date in the agency's time zone,
    or today when the response does not say."""
    today = today_in(zone_name)
    if authored is None:
        return today
    where = f"{ROOT}.authored"
    try:
        when = period(authored, zone_name)
    except DateRefused as refused:
        issues.append(Issue("value", f"'authored' {refused}.", where))
        return today
    if when.end - when.start > timedelta(days=1):
        issues.append(Issue("value", "'authored' must name the day, like '2026-12-01' or "
                            "'2026-12-01T09:30:00-05:00'.", where))
        return today
    if when.start > datetime.now(when.start.tzinfo) + CLOCK_SKEW:
        issues.append(Issue("value", "'authored' is in the future; expected the moment the "
                            "answers were given.", where))
        return today
    return local_date(when.start, zone_name)


def _quoted(value: Any) -> str:
    return "missing" if value is None else f"'{_shown(value)}'"
