"""A returning patient: which answers their next checklist starts with.

Each item of the definition says whether it is a lasting fact (`carry_forward = true`: a
history, a training, who fills the checklist in) or about this infusion and today (asked
afresh every time). The engine's flags never depend on how an answer was given.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ivig_home.checklist.definition import Item, Section


def problems(sections: Iterable[Section]) -> Iterator[tuple[str, str]]:
    """Yield (item id, problem) for an item that may not carry forward but says it does:
    one in a section asked afresh, a confirmation, or a date that may lie ahead."""
    for section in sections:
        for item in section.items:
            if not isinstance(item.carry_forward, bool):
                yield item.id, "'carry_forward' must be true or false"
            elif not item.carry_forward:
                continue
            elif section.asked_fresh:
                yield item.id, (f"section '{section.id}' is asked afresh every time: its "
                                "items cannot carry forward")
            elif item.type == "ack":
                yield item.id, "a confirmation is given afresh every time: it cannot carry forward"
            elif item.future_allowed:
                yield item.id, ("a date that may lie ahead is about this infusion: it cannot "
                                "carry forward")


def carried(items: Iterable[Item], answers: Mapping[str, Any]) -> dict[str, Any]:
    """Return the answers of the items that carry forward, from an earlier checklist."""
    return {item.id: answers[item.id] for item in items
            if item.carry_forward and item.id in answers}
