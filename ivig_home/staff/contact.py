"""Whom to call about a submission: the phone number, who filled it in, the planned infusion.

The queue row and the top of the submission page show these first. The phone number is
shown as the patient (or caregiver) typed it and dialled through a `tel:` link.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

COMPLETED_BY = {"self": "The patient", "caregiver": "A caregiver"}
# What a queue row and the page read from the answers (a queue row from the submission's
# small identity record, which holds these keys for every submission stored since).
CONTACT_KEYS = ("completed_by", "contact_phone", "planned_infusion_date")
EXTENSION = re.compile(r"\s*(?:extension|ext\.?|x|#)\s*(\d+)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Contact:
    """The facts a nurse needs to call back: the number, its link, who filled the form in."""

    phone: str
    tel: str
    completed_by: str
    caregiver: bool
    infusion_date: str

    @property
    def filled_in_by(self) -> str:
        """Return 'Filled in by a caregiver' (or the patient), or "" when not given."""
        if self.completed_by == "Not given":
            return ""
        return f"Filled in by {self.completed_by[0].lower()}{self.completed_by[1:]}"

    @property
    def whose_phone(self) -> str:
        """Return whose number it is, as the question asked for it."""
        return "Caregiver's phone" if self.caregiver else "Patient's phone"


def tel_uri(phone: str) -> str:
    """Return a `tel:` address for a typed number ('555-0100 ext 12' -> 'tel:5550100;ext=12'),
    or "" when there are too few digits to dial."""
    extension = EXTENSION.search(phone)
    main = phone[:extension.start()] if extension else phone
    digits = re.sub(r"\D", "", main)
    if len(digits) < 3:
        return ""
    plus = "+" if main.strip().startswith("+") else ""
    return f"tel:{plus}{digits}" + (f";ext={extension.group(1)}" if extension else "")


def contact_of(answers: Mapping[str, Any]) -> Contact:
    """Return the contact facts of a submission from its answers (or its identity record)."""
    phone = str(answers.get("contact_phone") or "").strip()
    who = str(answers.get("completed_by") or "")
    return Contact(phone=phone, tel=tel_uri(phone),
                   completed_by=COMPLETED_BY.get(who, "Not given"),
                   caregiver=who == "caregiver",
                   infusion_date=str(answers.get("planned_infusion_date") or ""))
