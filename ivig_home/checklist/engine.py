"""Check answers against the checklist and list the items the care team should review."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ivig_home.checklist.definition import COUNT_MAX, Checklist, FlagRule, Item, load
from ivig_home.checklist.severity import Severity

EARLIEST_DATE = date(1900, 1, 1)
TOP_LEVEL_KEYS = {"completed_on", "answers"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a set of answers, naming the item."""

    item: str
    message: str

    def __str__(self) -> str:
        return f"{self.item}: {self.message}"


class InvalidAnswers(ValueError):
    """The answers broke one or more rules; every problem is listed."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Flag:
    """An item the care team should review, with the answer that raised it."""

    item: Item
    severity: Severity
    answer: object
    unsure: bool
    reason: str
    mark: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the flag in the public JSON shape."""
        return {
            "item": self.item.id,
            "severity": self.severity.value,
            "answer": self.answer,
            "unsure": self.unsure,
            "reason": self.reason,
            "sources": [source.citation for source in self.item.sources],
            "mark": self.mark,
        }


@dataclass(frozen=True)
class Assessment:
    """The flags for one set of answers, their counts and the derived values."""

    checklist_id: str
    checklist_version: str
    completed_on: date
    answers: Mapping[str, Any]
    flags: tuple[Flag, ...]
    age: int | None = None
    days_since_last_infusion: int | None = None
    counts: Mapping[Severity, int] = field(default_factory=dict)

    @property
    def highest_severity(self) -> Severity | None:
        """Return the most pressing severity among the flags, if any."""
        return self.flags[0].severity if self.flags else None

    def to_dict(self) -> dict[str, Any]:
        """Return the assessment in the public JSON shape."""
        return {
            "checklist": {"id": self.checklist_id, "version": self.checklist_version},
            "completed_on": self.completed_on.isoformat(),
            "flags": [flag.to_dict() for flag in self.flags],
            "counts": {s.value: self.counts.get(s, 0) for s in Severity},
            "derived": {
                "age": self.age,
                "days_since_last_infusion": self.days_since_last_infusion,
            },
        }


def parse_date(value: object) -> date | None:
    """Return the date for an ISO 'YYYY-MM-DD' string, or None."""
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def age_on(birth: date, day: date) -> int:
    """Return the age in whole years on a given day."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def is_asked(item: Item, answers: Mapping[str, object]) -> bool:
    """Return whether an item is asked, given the answers so far."""
    return item.when is None or item.when.holds(answers)


def prune(answers: Mapping[str, Any], checklist: Checklist | None = None) -> dict[str, Any]:
    """Drop answers to items that are no longer asked (a follow-up that went away)."""
    checklist = checklist or load()
    kept: dict[str, Any] = {}
    for item in checklist.items.values():
        if item.id in answers and is_asked(item, kept):
            kept[item.id] = answers[item.id]
    return kept


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _check_value(item: Item, value: object, completed_on: date) -> str | None:
    """Return what was expected if the value does not fit the item, else None."""
    kind = item.type
    if item.options and kind != "multi":
        if value not in item.values:
            return "expected one of " + ", ".join(f"'{v}'" for v in item.values)
    elif kind == "count":
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= COUNT_MAX:
            return f"expected a whole number from 0 to {COUNT_MAX}"
    elif kind == "date":
        day = parse_date(value)
        if day is None:
            return "expected a real date written YYYY-MM-DD"
        if day < EARLIEST_DATE:
            return "expected a date from 1900-01-01 on"
        if not item.future_allowed and day > completed_on:
            return f"expected a date not after the completion date {completed_on.isoformat()}"
    elif kind == "multi":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return "expected a list of option ids ([] for none)"
        unknown = [v for v in value if v not in item.values]
        if unknown:
            return f"unknown option(s) {unknown}; expected any of " + ", ".join(item.values)
        if len(set(value)) != len(value):
            return "expected each option at most once"
    elif kind == "text":
        if not isinstance(value, str):
            return f"expected text of at most {item.max_length} characters"
        if len(value) > item.max_length:
            return f"expected at most {item.max_length} characters, got {len(value)}"
    elif kind == "ack" and value is not True:
        return "expected true (the box must be ticked)"
    return None


def _completed_on(document: Mapping[str, Any], problems: list[Problem]) -> date:
    raw = document.get("completed_on")
    if raw is None:
        return date.today()
    day = parse_date(raw)
    if day is None:
        problems.append(Problem("completed_on", "expected a real date written YYYY-MM-DD"))
        return date.today()
    return day


def validate(document: object, checklist: Checklist | None = None) -> list[Problem]:
    """Return every problem with an answers document; an empty list means it is valid."""
    checklist = checklist or load()
    if not isinstance(document, Mapping):
        return [Problem("(document)", 'expected a JSON object with an "answers" object')]
    problems = [Problem(str(key), "unknown top-level key; expected completed_on or answers")
                for key in document if key not in TOP_LEVEL_KEYS]
    completed_on = _completed_on(document, problems)
    answers = document.get("answers")
    if not isinstance(answers, Mapping):
        problems.append(Problem("answers", "expected an object of item ids and answers"))
        return problems
    items = checklist.items
    problems += [Problem(str(key), "unknown item id") for key in answers if key not in items]
    for item in items.values():
        present = item.id in answers and not _is_blank(answers[item.id])
        if not is_asked(item, answers):
            if item.id in answers and item.when is not None:
                problems.append(Problem(item.id, "answered, but it is asked only when "
                                        + item.when.describe()))
        elif not present:
            if item.required:
                problems.append(Problem(item.id, "missing; an answer is required"))
        elif (expected := _check_value(item, answers[item.id], completed_on)) is not None:
            problems.append(Problem(item.id, expected))
    return problems


def _matches(rule: FlagRule, value: Any, answers: Mapping[str, Any], on: date) -> bool:
    if rule.answer_in is not None and value not in rule.answer_in:
        return False
    if rule.at_most is not None and value > rule.at_most:
        return False
    if rule.age_at_least is not None and age_on(parse_date(value) or on, on) < rule.age_at_least:
        return False
    if rule.days_before_more_than is not None:
        if (on - (parse_date(value) or on)).days <= rule.days_before_more_than:
            return False
    if rule.contains_any is not None and not set(rule.contains_any) & set(value):
        return False
    if rule.not_empty and not value:
        return False
    if rule.with_item is not None:
        other = answers.get(rule.with_item)
        if not isinstance(other, list) or rule.with_contains not in other:
            return False
    return True


def _flag(item: Item, value: Any, answers: Mapping[str, Any], on: date) -> Flag | None:
    matching = [rule for rule in item.flags if _matches(rule, value, answers, on)]
    if not matching:
        return None
    rule = min(matching, key=lambda r: r.severity.rank)
    return Flag(item, rule.severity, value, value == "unsure", rule.reason, rule.mark)


def flags_so_far(items: Iterable[Item], answers: Mapping[str, Any], on: date) -> list[Flag]:
    """Return the flags raised by these items' answers so far, before the whole set is valid."""
    found = [_flag(item, answers[item.id], answers, on) for item in items
             if item.id in answers and not _is_blank(answers[item.id])]
    return sorted((f for f in found if f), key=lambda f: f.severity.rank)


def assess(document: Mapping[str, Any], checklist: Checklist | None = None) -> Assessment:
    """Return the Assessment of a valid answers document; raise InvalidAnswers otherwise."""
    checklist = checklist or load()
    problems = validate(document, checklist)
    if problems:
        raise InvalidAnswers(problems)
    on = _completed_on(document, [])
    answers = {k: v for k, v in document["answers"].items() if not _is_blank(v)}
    found = [_flag(item, answers[item.id], answers, on)
             for item in checklist.items.values() if item.id in answers]
    order = {item_id: n for n, item_id in enumerate(checklist.items)}
    flags = sorted((f for f in found if f), key=lambda f: (f.severity.rank, order[f.item.id]))
    birth = parse_date(answers.get("date_of_birth"))
    last = parse_date(answers.get("last_infusion_date"))
    counts = {s: sum(1 for f in flags if f.severity is s) for s in Severity}
    return Assessment(
        checklist_id=checklist.id,
        checklist_version=checklist.version,
        completed_on=on,
        answers=answers,
        flags=tuple(flags),
        age=age_on(birth, on) if birth else None,
        days_since_last_infusion=(on - last).days if last else None,
        counts=counts,
    )
