"""Severities and the fixed wording around them: the one place these words live."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

NOT_A_DECISION = (
    "This checklist does not decide whether home infusion is suitable. "
    "It lists items for the care team to review with the patient."
)
NOT_A_DECISION_PATIENT = (
    "This checklist does not decide anything. "
    "It helps your care team see what to talk with you about. "
    "Your care team decides with you."
)


class Severity(StrEnum):
    """How soon the care team should look at a flag; never a decision."""

    EMERGENCY = "emergency"
    URGENT = "urgent"
    DISCUSS = "discuss"
    PREPARE = "prepare"
    NOTE = "note"

    @property
    def rank(self) -> int:
        """Return 0 for the most pressing severity, 4 for the least."""
        return list(Severity).index(self)

    @property
    def wording(self) -> SeverityWording:
        """Return the labels shown for this severity."""
        return WORDING[self]


@dataclass(frozen=True)
class SeverityWording:
    """The words and symbol that show a severity without relying on colour."""

    label: str
    symbol: str
    care_team: str
    patient_heading: str
    # The same heading for a caregiver filling in the checklist for the patient.
    caregiver_heading: str


WORDING: dict[Severity, SeverityWording] = {
    Severity.EMERGENCY: SeverityWording(
        "Emergency",
        "!!!",
        "Symptoms reported now that call for emergency services.",
        "Get help now",
        "Get help now",
    ),
    Severity.URGENT: SeverityWording(
        "Urgent",
        "!!",
        "Contact the patient before the next infusion.",
        "Call your care team today",
        "Call their care team today",
    ),
    Severity.DISCUSS: SeverityWording(
        "Discuss",
        "?",
        "A risk factor or history item to review before home infusion.",
        "Your care team will talk with you about",
        "Their care team will talk with you about",
    ),
    Severity.PREPARE: SeverityWording(
        "Prepare",
        "+",
        "A readiness gap to close before a home dose (training, supplies, helper).",
        "Things to get ready",
        "Things to get ready",
    ),
    Severity.NOTE: SeverityWording(
        "Note",
        "i",
        "Information for the team; no action implied.",
        "For your care team's information",
        "For their care team's information",
    ),
}
