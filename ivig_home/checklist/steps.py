"""The order of the steps, which step comes next, and when to show the help-now page.

A step is one page: a section, or a part of one (`Step`, from the definition's `new_step`)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date
from functools import cache
from typing import Any

from ivig_home.checklist import Flag, Item, Severity, is_asked, load, validate
from ivig_home.checklist.definition import FlagRule
from ivig_home.checklist.engine import flags_so_far
from ivig_home.checklist.pages import Step

CONFIRM = "confirm"  # the last step: check your answers, then send
HELP_NOW = (Severity.EMERGENCY, Severity.URGENT)
COMPLETED_BY = "completed_by"  # who fills in the checklist: "self" or "caregiver"


def sections() -> tuple[Step, ...]:
    """Return the steps (pages) in order; a long section is split into several."""
    return load().steps


def find(section_id: str) -> Step | None:
    """Return the step with this id, or None."""
    return _by_id().get(section_id)


@cache
def _by_id() -> dict[str, Step]:
    return {step.id: step for step in sections()}


def _position(section: Step) -> int:
    """Return where a step stands, found by its id (a returning patient's page of a section
    is a Step of the same id holding the questions asked afresh)."""
    return _positions()[section.id]


@cache
def _positions() -> dict[str, int]:
    return {step.id: number for number, step in enumerate(sections())}


def first_of(section: Step) -> Step:
    """Return the first step of the step's section (it has the section's id)."""
    return _by_id()[section.section.id]


def of_section(section: Step) -> list[Step]:
    """Return the steps of the step's section, in order."""
    return [step for step in sections() if step.section.id == section.section.id]


def number(section: Step) -> int:
    """Return the step number, counting from 1."""
    return _position(section) + 1


def asks_anything(section: Step, answers: Mapping[str, Any]) -> bool:
    """Return whether a step has a question to ask with these answers (a step of follow-up
    questions whose condition is false is passed over)."""
    return any(is_asked(item, answers) for item in section.items)


def following(section: Step, answers: Mapping[str, Any] | None = None) -> Step | None:
    """Return the next step that asks something (any next step without answers), or None
    after the last."""
    later = sections()[_position(section) + 1:]
    return next((s for s in later if answers is None or asks_anything(s, answers)), None)


def previous(section: Step, answers: Mapping[str, Any] | None = None) -> Step | None:
    """Return the step before this one that asks something, or None for the first."""
    earlier = sections()[:_position(section)]
    return next((s for s in reversed(earlier) if answers is None or asks_anything(s, answers)),
                None)


def for_someone_else(section: Step, answers: Mapping[str, Any]) -> bool:
    """Return whether a caregiver fills in this step: the answers say so, and the step comes
    after the one that asked (its questions then speak of the patient, not to them)."""
    order = list(load().items)
    return (answers.get(COMPLETED_BY) == "caregiver" and bool(section.items)
            and order.index(section.items[0].id) > order.index(COMPLETED_BY))


def is_complete(section: Step, answers: Mapping[str, Any], today: date) -> bool:
    """Return whether every question this section asks has an answer the checklist accepts."""
    ids = {item.id for item in section.items}
    problems = validate({"completed_on": today.isoformat(), "answers": dict(answers)})
    return not any(problem.item in ids for problem in problems)


def first_incomplete(answers: Mapping[str, Any], today: date) -> Step:
    """Return the first step still to complete; the last step until the answers are sent."""
    problems = validate({"completed_on": today.isoformat(), "answers": dict(answers)})
    refused = {problem.item for problem in problems}
    for section in sections():
        if section.id == CONFIRM or any(item.id in refused for item in section.items):
            return section
    return sections()[-1]


def reachable(section: Step, answers: Mapping[str, Any], today: date) -> bool:
    """Return whether a step may be shown: every step before it is complete."""
    return number(section) <= number(first_incomplete(answers, today))


def help_now(section: Step, answers: Mapping[str, Any], today: date) -> dict[str, list[Flag]]:
    """Return the emergency and urgent flags this section's answers raise, by severity."""
    flags = flags_so_far(section.items, answers, today)
    return {severity.value: [f for f in flags if f.severity is severity]
            for severity in HELP_NOW if any(f.severity is severity for f in flags)}


def _answer_only(rule: FlagRule) -> bool:
    """Return whether a flag rule depends on nothing but the answer being one of some values."""
    return rule.answer_in is not None and not (
        rule.at_most is not None or rule.age_at_least is not None
        or rule.days_before_more_than is not None or rule.contains_any is not None
        or rule.not_empty or rule.with_item is not None or rule.with_contains is not None)


def help_now_answers(item: Item) -> dict[str, tuple[str, ...]]:
    """Return which answers of a one-answer question raise an emergency or an urgent flag,
    by severity: {"emergency": ("yes",), "urgent": ("unsure",)} for trouble breathing.

    The page shows the matching message as soon as such an answer is chosen. Each answer
    gets the highest severity its rules give, as the checklist does. Only questions whose
    emergency and urgent rules all depend on the answer alone are covered (none of the
    checklist's count, date or several-answer rules give those severities today); for any
    other question this returns {} and the help-now page after Continue still says it."""
    rules = [rule for rule in item.flags if rule.severity in HELP_NOW]
    if not rules or item.type == "multi" or not item.options:
        return {}
    if not all(_answer_only(rule) for rule in rules):
        return {}
    found: dict[str, list[str]] = {}
    for value in item.values:
        matching = [rule.severity for rule in rules if value in (rule.answer_in or ())]
        if matching:
            severity = min(matching, key=lambda s: s.rank)
            found.setdefault(severity.value, []).append(value)
    return {severity.value: tuple(found[severity.value])
            for severity in HELP_NOW if severity.value in found}


@cache
def section_help_now_answers(section_id: str) -> Mapping[str, Mapping[str, tuple[str, ...]]]:
    """Return help_now_answers for each question of a step that has some, by item id.

    Worked out once per step: the checklist does not change while the app runs."""
    section = find(section_id)
    if section is None:
        return {}
    return {item.id: found for item in section.items if (found := help_now_answers(item))}


def help_now_at_questions(section: Step, answers: Mapping[str, Any],
                          visible: Collection[str]) -> tuple[str, ...]:
    """Return the severities ("emergency", "urgent") of the messages the page's script shows
    at this step's questions for these answers, in that order.

    The same rule as the page: a question the patient can see (`visible`, the ids the page
    posts) whose answer is one section_help_now_answers lists for a severity shows that one
    message. A question only the help-now page after Continue speaks of gives nothing here."""
    found = {severity
             for item_id, by_severity in section_help_now_answers(section.id).items()
             if item_id in visible and item_id in answers
             for severity, values in by_severity.items() if answers[item_id] in values}
    return tuple(severity.value for severity in HELP_NOW if severity.value in found)
