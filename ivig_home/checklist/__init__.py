"""The checklist domain: its definition and the engine. No web, database or PDF code."""

from ivig_home.checklist import caregiver
from ivig_home.checklist.definition import (
    Checklist,
    DefinitionError,
    Item,
    Section,
    Source,
    load,
    long_date,
)
from ivig_home.checklist.engine import (
    Assessment,
    Flag,
    InvalidAnswers,
    Problem,
    assess,
    is_asked,
    parse_date,
    prune,
    validate,
)
from ivig_home.checklist.pages import Step
from ivig_home.checklist.severity import NOT_A_DECISION, NOT_A_DECISION_PATIENT, WORDING, Severity

__all__ = [
    "long_date",
    "NOT_A_DECISION", "NOT_A_DECISION_PATIENT", "WORDING", "Assessment", "Checklist",
    "DefinitionError", "Flag", "InvalidAnswers", "Item", "Problem", "Section", "Severity",
    "Source", "Step", "assess", "caregiver", "is_asked", "load", "parse_date", "prune", "validate",
]
