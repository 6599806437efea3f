"""The example answers as the step forms post them, for the benchmarks (no locust here).

bench/journeys.py (locust users), bench/step_cost.py and bench/step_instructions.py use
them; this module imports nothing that patches the standard library.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

from ivig_home.checklist import is_asked, load

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
EXAMPLE_DAY = date(2026, 11, 21)
SHIFTED = ("last_infusion_date", "planned_infusion_date")
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
# Every page of questions, in order (a long section is split into several steps).
SECTIONS = [step for step in load().steps if step.id != "confirm"]


def answer_sets() -> list[dict[str, Any]]:
    """Return the three example answer sets, their dates moved as far as today is."""
    sets = []
    for name in ("nothing-to-flag", "clinical-risk-factors", "emergency"):
        answers = json.loads((EXAMPLES / f"{name}.json").read_text())["answers"]
        for key in SHIFTED:
            if key in answers:
                moved = date.fromisoformat(answers[key]) + (date.today() - EXAMPLE_DAY)
                answers[key] = moved.isoformat()
        sets.append(answers)
    return sets


ANSWER_SETS = answer_sets()


def posted(section: Any, answers: dict[str, Any]) -> list[tuple[str, str]]:
    """Return a section's answers as the form posts them."""
    asked = [item for item in section.items if is_asked(item, answers)]
    fields = [("shown", item.id) for item in asked]
    for item in asked:
        value = answers.get(item.id)
        if value is None:
            continue
        if item.type == "date":
            day = date.fromisoformat(value)
            fields += [(f"{item.id}-day", str(day.day)), (f"{item.id}-month", str(day.month)),
                       (f"{item.id}-year", str(day.year))]
        elif item.type == "multi":
            fields += [(item.id, option) for option in value]
        elif item.type == "ack":
            fields.append((item.id, "true"))
        else:
            fields.append((item.id, str(value)))
    return fields
