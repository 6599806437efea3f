"""The checklist's pages: a section is one step, or several when an item says `new_step`.

A phone shows about three screens of a step at most (docs/patient.md): a long section is
split into steps of a few questions, keeping every item id and the order of the items.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ivig_home.checklist.definition import Item, Section

STEP_ID = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
# Other pages of a draft, whose names a step id may not take.
RESERVED_STEP_IDS = {"help-now", "sent", "summary.pdf", "resume", "theme.css"}


@dataclass(frozen=True)
class Step:
    """One page of the checklist: some of a section's items, in order.

    The first step of a section has the section's id; an item with `new_step` starts the
    next one. Only the first step shows the section's intro."""

    id: str
    section: Section
    items: tuple[Item, ...]

    @property
    def title(self) -> str:
        """Return the section's title: every step of a section carries it."""
        return self.section.title

    @property
    def intro(self) -> str:
        """Return the section's intro on its first step, '' on the others."""
        return self.section.intro if self.id == self.section.id else ""


def split(section: Section) -> list[Step]:
    """Split a section into its steps: a new one starts at each item with `new_step`."""
    found: list[tuple[str, list[Item]]] = [(section.id, [])]
    for item in section.items:
        if item.new_step:
            found.append((item.new_step, []))
        found[-1][1].append(item)
    return [Step(step_id, section, tuple(items)) for step_id, items in found]


def problems(sections: Iterable[Section]) -> Iterator[tuple[str, str]]:
    """Yield (item id, problem) for a `new_step` on a section's first item, or a step id
    that is not a plain lower-case name, is used twice, or names another page."""
    sections = list(sections)
    taken = {section.id for section in sections} | RESERVED_STEP_IDS
    for section in sections:
        for item in section.items:
            if not item.new_step:
                continue
            if item is section.items[0]:
                yield item.id, "the first item of a section starts its step already"
            elif not STEP_ID.match(item.new_step) or item.new_step in taken:
                yield item.id, (f"new_step '{item.new_step}' must be a new lower-case name "
                                "(letters, digits and '-') used by no other step")
            taken.add(item.new_step)
