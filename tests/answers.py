"""Answer sets shared by the tests (read from the project's own examples)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from ivig_home.checklist import load

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def example(name: str) -> dict[str, Any]:
    """Return a fresh copy of examples/NAME.json."""
    return copy.deepcopy(json.loads((EXAMPLES / f"{name}.json").read_text()))


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
