"""What a caregiver reads: the questions speak of the patient by name or as "they".

The definition gives each text a patient reads as "you" a caregiver's form beside it
(`caregiver_question`, `caregiver_hint`, `caregiver_patient`, an option's `caregiver_label`, a
section's `caregiver_title` and `caregiver_intro`), where "%(name)s" stands for the patient's
name. Only the words change: item ids, field names and answer values are the same for both.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ivig_home.checklist.definition import Item, Section

ASKED_BY = "completed_by"  # the item that says who fills the checklist in
CAREGIVER = "caregiver"  # its answer when someone fills it in for the patient
NAME_ITEM = "patient_name"
NAME = "%(name)s"
# Words that speak to the reader as the patient ("Do you ...", "I can").
SECOND_PERSON = re.compile(r"\b(you|your|yours|yourself|I|me|my)\b", re.IGNORECASE)


def pick(plain: str, for_caregiver: str, caregiver: bool) -> str:
    """Return the caregiver's form of a text when a caregiver reads it and it has one."""
    return for_caregiver if caregiver and for_caregiver else plain


def fill(text: str, name: str) -> str:
    """Put the patient's name (or what stands for it) in a caregiver's text; a text that
    begins with the name begins with a capital ("The patient ...")."""
    filled = text % {"name": name} if NAME in text else text
    return filled[:1].upper() + filled[1:] if text.startswith(NAME) else filled


def _problem(text: str, caregiver_text: str) -> str | None:
    """Return what is wrong with a caregiver's form of a text, or None."""
    if SECOND_PERSON.search(text) and not caregiver_text.strip():
        return f"{text!r} speaks to the patient as 'you': it needs a caregiver's form"
    try:
        caregiver_text % {"name": "Ana"}
    except (KeyError, ValueError, TypeError):
        return f"{caregiver_text!r} may only use %(name)s (write a percent sign as %%)"
    return None


def problems(sections: Iterable[Section]) -> Iterator[tuple[str, str]]:
    """Yield (item id, problem) for every text a caregiver reads after saying they are one
    (the questions after `completed_by`, every `patient` line) that still speaks to the
    patient as "you", or whose caregiver's form has a bad placeholder."""
    after = False
    for section in sections:
        asked_here = any(item.id == ASKED_BY for item in section.items)
        if after or asked_here:
            for text, caregiver_text in ((section.title, section.caregiver_title),
                                         (section.intro, section.caregiver_intro)):
                if found := _problem(text, caregiver_text):
                    yield f"section {section.id}", found
        for item in section.items:
            if after:
                yield from _item_problems(item)
            elif found := _problem(item.patient, item.caregiver_patient):
                # What will be flagged is listed on the check page, which comes later.
                yield item.id, found
            after = after or item.id == ASKED_BY


def _item_problems(item: Item) -> Iterator[tuple[str, str]]:
    texts = [(item.question, item.caregiver_question), (item.hint, item.caregiver_hint),
             (item.patient, item.caregiver_patient)]
    texts += [(option.label, option.caregiver_label) for option in item.options]
    for text, caregiver_text in texts:
        if found := _problem(text, caregiver_text):
            yield item.id, found
