"""What changed between two checklists of one patient: pure, no database, no keys.

`compare` takes the earlier and the later assessment (each holds its answers) and returns
every item whose answer differs, every item newly asked or no longer asked, and the flags
that are new or went away (by item and severity), each in the words the nurse reads in the
answers list: the question, and answers as the patient chose them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ivig_home.checklist import Assessment, Checklist, Item, load
from ivig_home.checklist.engine import is_asked

# Items that are about this one visit, or that matched the two checklists together: they
# differ every time, or cannot, and say nothing about the patient having changed.
NOT_COMPARED = frozenset({"patient_name", "date_of_birth", "planned_infusion_date",
                          "last_infusion_date", "notes_for_team", "ack_not_decision",
                          "ack_accurate"})
CHANGED, NEWLY_ASKED, NO_LONGER_ASKED = "changed", "newly_asked", "no_longer_asked"
NOT_ASKED = "Not asked"
NOT_ANSWERED = "Not answered"


@dataclass(frozen=True)
class AnswerChange:
    """One item whose answer is not what it was."""

    item: str
    question: str
    label: str
    kind: str
    before: str
    after: str
    # Whether the item has a flag rule: the PDF names its rule id, as on every flag card.
    rule: bool = False


@dataclass(frozen=True)
class FlagChange:
    """A flag raised this time and not last time, or the other way round."""

    item: str
    severity: str
    question: str
    label: str
    reason: str


@dataclass(frozen=True)
class Changes:
    """Everything that differs; empty when the two checklists say the same."""

    answers: tuple[AnswerChange, ...] = ()
    flags_new: tuple[FlagChange, ...] = ()
    flags_gone: tuple[FlagChange, ...] = ()

    @property
    def count(self) -> int:
        """Return how many items' answers changed (the queue's badge)."""
        return len(self.answers)

    def to_dict(self) -> dict[str, Any]:
        """Return the changes in the public JSON shape (without `since`)."""
        return {
            "answers": [{"item": c.item, "kind": c.kind, "before": c.before, "after": c.after}
                        for c in self.answers],
            "flags_new": [{"item": f.item, "severity": f.severity} for f in self.flags_new],
            "flags_gone": [{"item": f.item, "severity": f.severity} for f in self.flags_gone],
        }


def _normal(value: Any) -> Any:
    """Return an answer as it is compared: blanks alike, text trimmed, a choice of several
    in any order."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, list):
        return tuple(sorted(str(part) for part in value))
    return value


def _shown(item: Item, answers: Mapping[str, Any]) -> str:
    """Return an answer as the answers list shows it."""
    if not is_asked(item, answers):
        return NOT_ASKED
    value = answers.get(item.id)
    if value is None or value == "":
        return NOT_ANSWERED
    return item.display(value)


def answer_changes(before: Mapping[str, Any], after: Mapping[str, Any],
                   checklist: Checklist | None = None) -> tuple[AnswerChange, ...]:
    """Return the items whose answers differ, in the checklist's order."""
    changes = []
    for item in (checklist or load()).items.values():
        if item.id in NOT_COMPARED:
            continue
        was, now = is_asked(item, before), is_asked(item, after)
        if not was and not now:
            continue
        if was and now:
            if _normal(before.get(item.id)) == _normal(after.get(item.id)):
                continue
            kind = CHANGED
        else:
            kind = NEWLY_ASKED if now else NO_LONGER_ASKED
        changes.append(AnswerChange(item=item.id, question=item.question, label=item.label,
                                    kind=kind, before=_shown(item, before),
                                    after=_shown(item, after), rule=bool(item.flags)))
    return tuple(changes)


def _flags(assessment: Assessment) -> dict[tuple[str, str], FlagChange]:
    return {(flag.item.id, flag.severity.value): FlagChange(
        item=flag.item.id, severity=flag.severity.value, question=flag.item.question,
        label=flag.item.label, reason=flag.reason) for flag in assessment.flags}


def compare(before: Assessment, after: Assessment,
            checklist: Checklist | None = None) -> Changes:
    """Return what changed from the earlier checklist (`before`) to the later (`after`)."""
    old, new = _flags(before), _flags(after)
    return Changes(
        answers=answer_changes(before.answers, after.answers, checklist),
        flags_new=tuple(flag for key, flag in new.items() if key not in old),
        flags_gone=tuple(flag for key, flag in old.items() if key not in new))
