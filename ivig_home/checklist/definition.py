"""Load the checklist definition file once and check it before anything uses it."""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from datetime import date
from functools import cache, cached_property
from importlib import resources
from typing import Any

from ivig_home.checklist import caregiver, carry, pages
from ivig_home.checklist.pages import Step
from ivig_home.checklist.severity import Severity

CHOICE_TYPES: dict[str, tuple[tuple[str, str], ...]] = {
    "yesno": (("yes", "Yes"), ("no", "No"), ("unsure", "Not sure")),
    "ability": (
        ("self", "I can"),
        ("helper", "Someone at home can"),
        ("no", "No one can"),
        ("unsure", "Not sure"),
    ),
    "purpose": (
        ("maintenance", "Regular treatment to keep symptoms under control"),
        ("flare", "A flare (symptoms got worse)"),
        ("unsure", "Not sure"),
    ),
}
# What a caregiver reads for an answer of these types that speaks as the patient ("I can").
CAREGIVER_CHOICES: dict[str, dict[str, str]] = {"ability": {"self": "%(name)s can"}}
ITEM_TYPES = {*CHOICE_TYPES, "choice", "count", "date", "multi", "text", "ack"}
RULE_KEYS = {
    "answer_in", "at_most", "age_at_least", "days_before_more_than",
    "contains_any", "not_empty", "with_item", "with_contains",
}
COUNT_MAX = 500
TEXT_MAX = 2000


class DefinitionError(ValueError):
    """The definition file is malformed; the message names the item."""


@dataclass(frozen=True)
class Source:
    """A document or kind of practice a criterion comes from."""

    tag: str
    title: str
    kind: str

    @property
    def citation(self) -> str:
        """Return the citation a nurse reads, e.g. 'S2: Are At-Home ...'."""
        return f"{self.tag}: {self.title}"


@dataclass(frozen=True)
class Option:
    """One answer a patient can pick."""

    value: str
    label: str
    caregiver_label: str = ""  # the label when a caregiver answers ("%(name)s can")


@dataclass(frozen=True)
class When:
    """The condition under which an item is asked."""

    item: str
    equals: str | None = None
    at_least: int | None = None

    def holds(self, answers: Mapping[str, object]) -> bool:
        """Return whether the condition is met by these answers."""
        value = answers.get(self.item)
        if self.equals is not None:
            return value == self.equals
        return isinstance(value, int) and not isinstance(value, bool) and (
            value >= (self.at_least or 0)
        )

    def describe(self) -> str:
        """Return the condition in words, for error messages."""
        if self.equals is not None:
            return f"'{self.item}' is '{self.equals}'"
        return f"'{self.item}' is at least {self.at_least}"


@dataclass(frozen=True)
class FlagRule:
    """One way an answer raises a flag, and at which severity."""

    severity: Severity
    reason: str
    answer_in: tuple[str, ...] | None = None
    at_most: int | None = None
    age_at_least: int | None = None
    days_before_more_than: int | None = None
    contains_any: tuple[str, ...] | None = None
    not_empty: bool = False
    with_item: str | None = None
    with_contains: str | None = None
    mark: str | None = None


@dataclass(frozen=True)
class Item:
    """One question of the checklist."""

    id: str
    section: str
    type: str
    question: str
    label: str
    sources: tuple[Source, ...]
    hint: str = ""
    required: bool = True
    options: tuple[Option, ...] = ()
    when: When | None = None
    not_asked: str = ""
    flags: tuple[FlagRule, ...] = ()
    patient: str = ""
    max_length: int = TEXT_MAX
    future_allowed: bool = False
    # A date whose day may be left empty (a month and year stand for the 1st of the month).
    rough: bool = False
    multiline: bool = False
    autocomplete: str = ""
    input: str = ""
    # What a caregiver reads instead, where the patient's wording says "you" (ivig_home.
    # checklist.caregiver): "%(name)s" stands for the patient's name.
    caregiver_question: str = ""
    caregiver_hint: str = ""
    caregiver_patient: str = ""
    # The id of a new step (page) that starts at this item; the section's first step has the
    # section's own id.
    new_step: str = ""
    # A lasting fact a returning patient's checklist starts with (ivig_home.checklist.carry).
    carry_forward: bool = False

    @cached_property
    def values(self) -> tuple[str, ...]:
        """Return the answer values a choice or multi item accepts (worked out once: the
        checks of every answer read it)."""
        return tuple(option.value for option in self.options)

    def display(self, value: object, write_date: Callable[[date], str] | None = None) -> str:
        """Return an answer as the patient saw it ('Not sure' rather than 'unsure'); a date
        by `write_date` when given (the patient's own way, 'March 14, 1955' in the US)."""
        labels = {option.value: option.label for option in self.options}
        if isinstance(value, list):
            return ", ".join(labels.get(str(v), str(v)) for v in value) or "None of these"
        if isinstance(value, bool):
            return "Yes, ticked" if value else "Not ticked"
        if isinstance(value, str) and value in labels:
            return labels[value]
        if self.type == "date" and isinstance(value, str):
            return _long_date(value, write_date or long_date)
        return str(value)


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


def long_date(day: date) -> str:
    """Return '30 September 1988': the day first and the month in words, never ambiguous.

    The one way every patient page, staff page and PDF writes a date."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def _long_date(value: str, write_date: Callable[[date], str]) -> str:
    """Return '30 September 1988' (or as `write_date` writes it) for '1988-09-30'; anything
    else as it is."""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return value
    return write_date(day)


@dataclass(frozen=True)
class Section:
    """One part of the checklist ("How you feel today"); its pages are its steps."""

    id: str
    title: str
    intro: str
    items: tuple[Item, ...]
    caregiver_title: str = ""
    caregiver_intro: str = ""
    # Every item is asked afresh before every infusion ("How you feel today").
    asked_fresh: bool = False


@dataclass(frozen=True)
class Checklist:
    """The whole checklist: its identity, sources, sections and items."""

    id: str
    version: str
    title: str
    sources: Mapping[str, Source]
    sections: tuple[Section, ...]

    @property
    def items(self) -> dict[str, Item]:
        """Return every item by id, in checklist order."""
        return {item.id: item for section in self.sections for item in section.items}

    @cached_property
    def steps(self) -> tuple[Step, ...]:
        """Return the pages of the checklist in order (worked out once)."""
        return tuple(step for section in self.sections for step in pages.split(section))


def _fail(item: str, message: str) -> DefinitionError:
    return DefinitionError(f"checklist definition, item '{item}': {message}")


def _options(raw: dict[str, Any], item_id: str) -> tuple[Option, ...]:
    kind = raw["type"]
    if kind in CHOICE_TYPES:
        caregiver = CAREGIVER_CHOICES.get(kind, {})
        return tuple(Option(v, label, caregiver.get(v, "")) for v, label in CHOICE_TYPES[kind])
    if kind in ("choice", "multi"):
        options = raw.get("options") or []
        if not options:
            raise _fail(item_id, f"a '{kind}' item needs options")
        return tuple(Option(str(o["value"]), str(o["label"]), str(o.get("caregiver_label", "")))
                     for o in options)
    return ()


def _rule(raw: dict[str, Any], item: dict[str, Any], values: tuple[str, ...]) -> FlagRule:
    item_id = item["id"]
    unknown = set(raw) - RULE_KEYS - {"severity", "reason", "mark"}
    if unknown:
        raise _fail(item_id, f"unknown flag rule key(s) {sorted(unknown)}")
    if not set(raw) & RULE_KEYS:
        raise _fail(item_id, "a flag rule needs a condition")
    try:
        severity = Severity(str(raw.get("severity")))
    except ValueError:
        raise _fail(item_id, f"unknown severity {raw.get('severity')!r}") from None
    if not str(raw.get("reason", "")).strip():
        raise _fail(item_id, "every flag rule needs a reason for the care team")
    for key in ("answer_in", "contains_any"):
        bad = [v for v in raw.get(key, []) if v not in values]
        if bad:
            raise _fail(item_id, f"{key} names values the item does not offer: {bad}")
    return FlagRule(
        severity=severity,
        reason=str(raw["reason"]),
        answer_in=tuple(raw["answer_in"]) if "answer_in" in raw else None,
        at_most=raw.get("at_most"),
        age_at_least=raw.get("age_at_least"),
        days_before_more_than=raw.get("days_before_more_than"),
        contains_any=tuple(raw["contains_any"]) if "contains_any" in raw else None,
        not_empty=bool(raw.get("not_empty", False)),
        with_item=raw.get("with_item"),
        with_contains=raw.get("with_contains"),
        mark=raw.get("mark"),
    )


def _item(raw: dict[str, Any], section: str, sources: Mapping[str, Source],
          seen: Mapping[str, Item]) -> Item:
    item_id = str(raw.get("id", "?"))
    if item_id in seen:
        raise _fail(item_id, "the id is used twice")
    if raw.get("type") not in ITEM_TYPES:
        raise _fail(item_id, f"unknown type {raw.get('type')!r}")
    for key in ("question", "label"):
        if not str(raw.get(key, "")).strip():
            raise _fail(item_id, f"'{key}' is missing")
    tags = raw.get("sources") or []
    if not tags:
        raise _fail(item_id, "every item needs at least one source")
    missing = [t for t in tags if t not in sources]
    if missing:
        raise _fail(item_id, f"unknown source tag(s) {missing}")
    when = None
    if "when" in raw:
        when = When(**raw["when"])
        if when.item not in seen:
            raise _fail(item_id, f"'when' refers to '{when.item}', not an earlier item")
        if not str(raw.get("not_asked", "")).strip():
            raise _fail(item_id, "an item with 'when' needs 'not_asked' wording")
    if raw.get("rough") and raw["type"] != "date":
        raise _fail(item_id, "only a date item can be 'rough'")
    options = _options(raw, item_id)
    rules = tuple(_rule(r, raw, tuple(o.value for o in options)) for r in raw.get("flags", []))
    if rules and not str(raw.get("patient", "")).strip():
        raise _fail(item_id, "a flagged item needs 'patient' wording")
    known = {f.name for f in fields(Item)}
    extra = set(raw) - known
    if extra:
        raise _fail(item_id, f"unknown key(s) {sorted(extra)}")
    plain = {k: v for k, v in raw.items() if k not in ("options", "when", "flags", "sources")}
    return Item(**{**plain, "section": section, "options": options, "when": when,
                   "flags": rules, "sources": tuple(sources[t] for t in tags)})


def parse(document: Mapping[str, Any]) -> Checklist:
    """Build a Checklist from the parsed TOML document, or raise DefinitionError."""
    head = document.get("checklist", {})
    sources = {
        tag: Source(tag, str(s["title"]), str(s.get("kind", "")))
        for tag, s in document.get("sources", {}).items()
    }
    seen: dict[str, Item] = {}
    sections = []
    for raw_section in document.get("sections", []):
        items = []
        for raw_item in raw_section.get("items", []):
            item = _item(raw_item, raw_section["id"], sources, seen)
            seen[item.id] = item
            items.append(item)
        sections.append(Section(
            raw_section["id"], raw_section["title"], raw_section.get("intro", ""), tuple(items),
            raw_section.get("caregiver_title", ""), raw_section.get("caregiver_intro", ""),
            bool(raw_section.get("asked_fresh", False))))
    for item_id, problem in pages.problems(sections):
        raise _fail(item_id, problem)
    for item_id, problem in caregiver.problems(sections):
        raise _fail(item_id, problem)
    for item_id, problem in carry.problems(sections):
        raise _fail(item_id, problem)
    for item in seen.values():
        for rule in item.flags:
            if rule.with_item and rule.with_item not in seen:
                raise _fail(item.id, f"with_item names unknown item '{rule.with_item}'")
    if not head.get("id") or not head.get("version"):
        raise DefinitionError("checklist definition: [checklist] needs an id and a version")
    return Checklist(str(head["id"]), str(head["version"]), str(head.get("title", "")),
                     sources, tuple(sections))


def parse_text(text: str) -> Checklist:
    """Parse definition TOML text; a TOML syntax error becomes a DefinitionError."""
    try:
        return parse(tomllib.loads(text))
    except tomllib.TOMLDecodeError as error:
        raise DefinitionError(f"checklist definition is not valid TOML: {error}") from None
    except (KeyError, TypeError) as error:
        raise DefinitionError(f"checklist definition is malformed: {error!r}") from None


@cache
def load() -> Checklist:
    """Return the packaged checklist definition, loaded and checked once."""
    text = resources.files(__package__).joinpath("ivig_home_v1.toml").read_text("utf-8")
    return parse_text(text)
