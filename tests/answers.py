"""Answer sets shared by the tests (read from the project's own examples)."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

from ivig_home.checklist import load

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
# The answers that name a day relative to the day the checklist is filled in.
SHIFTED = ("last_infusion_date", "planned_infusion_date")


def example(name: str) -> dict[str, Any]:
    """Return a fresh copy of examples/NAME.json."""
    return copy.deepcopy(json.loads((EXAMPLES / f"{name}.json").read_text()))


def answers_today(name: str) -> dict[str, Any]:
    """Return examples/NAME.json's answers as if filled in today: the last and the planned
    infusion dates are moved as far as today is from the example's completed_on, so they stay
    as many days before and after (the form refuses a planned infusion date in the past)."""
    document = example(name)
    offset = date.today() - date.fromisoformat(document["completed_on"])
    answers: dict[str, Any] = document["answers"]
    for key in SHIFTED:
        if key in answers:
            answers[key] = (date.fromisoformat(answers[key]) + offset).isoformat()
    return answers


def clean(**changes: Any) -> dict[str, Any]:
    """Return the nothing-to-flag answers with some answers changed (... removes one).

    Follow-up questions that the change stops asking are dropped, as the form does.
    """
    document = example("nothing-to-flag")
    for key, value in changes.items():
        if value is ...:
            document["answers"].pop(key, None)
        else:
            document["answers"][key] = value
    items = load().items
    answers = document["answers"]
    for key in list(answers):
        item = items.get(key)
        if item is not None and item.when is not None and key not in changes:
            if not item.when.holds(answers):
                del answers[key]
    return document
