"""Whom a page speaks to: the patient ("Do you have ..."), or a caregiver about the patient,
by name ("Does Ana Ruiz have ...").

The definition carries both forms (ivig_home.checklist.caregiver); this picks one for a step
and translates it. The name is the patient's answer to `patient_name`, inserted as text (the
templates escape it like any other text); before it is known, "the patient".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ivig_home.checklist import Item, Step, caregiver, steps
from ivig_home.i18n import gettext as _


@dataclass(frozen=True)
class Voice:
    """The words of one page: for the patient, or for a caregiver naming the patient."""

    caregiver: bool = False
    name: str = ""  # the patient's name as typed; '' while not known

    @property
    def patient(self) -> str:
        """Return how a caregiver's page names the patient: the name, or "the patient"."""
        return self.name or _("the patient")

    @property
    def someone_else(self) -> str:
        """Return the patient's name (or "the patient") for a caregiver, '' for the patient:
        the templates' `for_someone_else`."""
        return self.patient if self.caregiver else ""

    def say(self, plain: str, for_caregiver: str = "") -> str:
        """Return a text of the definition translated, in the caregiver's form with the
        patient's name when a caregiver reads it."""
        text = caregiver.pick(plain, for_caregiver, self.caregiver)
        return caregiver.fill(_(text), self.patient) if text else ""

    def answer(self, item: Item, value: Any, shown: str) -> str:
        """Return an answer as this reader's page shows it: the option labels, each
        translated, in the caregiver's form ("Ana Ruiz can" for "I can"); anything else as
        `shown`."""
        values = value if isinstance(value, list) else [value]
        labels = [self.say(option.label, option.caregiver_label)
                  for chosen in values for option in item.options if option.value == chosen]
        return ", ".join(labels) if labels else shown


PATIENT = Voice()


def voice(step: Step, answers: Mapping[str, Any]) -> Voice:
    """Return the voice of a step: a caregiver's once they have said so on an earlier step."""
    if not steps.for_someone_else(step, answers):
        return PATIENT
    return Voice(True, str(answers.get(caregiver.NAME_ITEM) or "").strip())


def heading(step: Step, spoken: Voice) -> tuple[str, str]:
    """Return a step's title and intro ('' on a section's later steps) in its voice."""
    section = step.section
    intro = spoken.say(section.intro, section.caregiver_intro) if step.intro else ""
    return spoken.say(section.title, section.caregiver_title), intro
