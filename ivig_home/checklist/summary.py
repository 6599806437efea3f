"""Plain data for showing an assessment: shared by the check-your-answers page and the PDF."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from ivig_home.checklist import NOT_A_DECISION, NOT_A_DECISION_PATIENT, Assessment, Severity, load
from ivig_home.checklist.engine import is_asked


def answer_rows(answers: Mapping[str, Any],
                write_date: Callable[[date], str] | None = None) -> list[dict[str, Any]]:
    """Return every section with each item's answer, or why it was not asked; dates written
    by `write_date` when given (the patient's pages write them the agency's way)."""
    sections = []
    for section in load().sections:
        rows = []
        for item in section.items:
            row = {"id": item.id, "question": item.question, "label": item.label,
                   "answer": None, "status": "answered", "unsure": False}
            value = answers.get(item.id)
            if not is_asked(item, answers):
                row["status"] = "not_asked"
                row["answer"] = f"Not asked, because {item.not_asked}."
            elif value is None or value == "" or value == []:
                row["status"] = "not_answered" if value is None or value == "" else "answered"
                row["answer"] = item.display(value, write_date) if value == [] else "Not answered"
            else:
                row["answer"] = item.display(value, write_date)
                row["unsure"] = value == "unsure"
            rows.append(row)
        sections.append({"id": section.id, "title": section.title, "items": rows})
    return sections


def flag_groups(assessment: Assessment) -> list[dict[str, Any]]:
    """Return the flags grouped by severity, most pressing first; empty groups included."""
    groups = []
    for severity in Severity:
        wording = severity.wording
        flags = [
            {
                "item": flag.item.id,
                "question": flag.item.question,
                "label": flag.item.label,
                "patient": flag.item.patient,
                "answer": flag.item.display(flag.answer),
                "unsure": flag.unsure,
                "reason": flag.reason,
                "mark": flag.mark,
                "sources": [source.citation for source in flag.item.sources],
            }
            for flag in assessment.flags
            if flag.severity is severity
        ]
        groups.append({"severity": severity.value, "label": wording.label,
                       "symbol": wording.symbol, "meaning": wording.care_team,
                       "patient_heading": wording.patient_heading, "flags": flags})
    return groups


def summary(assessment: Assessment,
            write_date: Callable[[date], str] | None = None) -> dict[str, Any]:
    """Return everything a summary page or PDF shows about an assessment, as plain data."""
    highest = assessment.highest_severity
    return {
        "checklist": {"id": assessment.checklist_id, "version": assessment.checklist_version,
                      "title": load().title},
        "completed_on": assessment.completed_on.isoformat(),
        "counts": {s.value: assessment.counts.get(s, 0) for s in Severity},
        "highest_severity": highest.value if highest else None,
        "age": assessment.age,
        "days_since_last_infusion": assessment.days_since_last_infusion,
        "groups": flag_groups(assessment),
        "sections": answer_rows(assessment.answers, write_date),
        "not_a_decision": NOT_A_DECISION,
        "not_a_decision_patient": NOT_A_DECISION_PATIENT,
    }
