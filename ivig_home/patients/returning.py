"""A checklist opened from an invitation: what it starts with.

A returning patient's checklist starts with the lasting answers of their latest one (the
items the definition marks `carry_forward`), to confirm or change a section at a time; a
first one starts with the name and date of birth the agency gave. Either way the planned
infusion date is the invitation's, and the previous invitation's infusion date, when it is
past, is offered for the date of the last infusion. Nothing about today, this infusion or
the confirmations is ever carried: those are asked afresh every time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from ivig_home.checklist import is_asked, load, prune
from ivig_home.checklist.carry import carried
from ivig_home.db import db
from ivig_home.models import Invitation, Patient, PatientSubmission, Submission
from ivig_home.patients.matching import patient_identity, stored_answers


@dataclass(frozen=True)
class Start:
    """The answers a draft opened from an invitation starts with, and where they came from."""

    answers: dict[str, Any]
    carried_from: str | None = None  # the earlier submission's id (None: a first checklist)
    carried_on: date | None = None  # its completion date ("Last time (8 November)")
    to_confirm: tuple[str, ...] = ()  # sections holding carried answers
    last_infusion_offer: date | None = None


def latest_submission(patient_id: str) -> Submission | None:
    """Return the patient's newest submission, or None."""
    found: Submission | None = db.session.scalars(
        select(Submission).join(PatientSubmission,
                                PatientSubmission.submission_id == Submission.id)
        .where(PatientSubmission.patient_id == patient_id)
        .order_by(Submission.created_at.desc(), Submission.id.desc()).limit(1)).first()
    return found


def previous_infusion(invitation: Invitation, today: date) -> date | None:
    """Return the infusion date of the patient's invitation before this one, when past."""
    found: date | None = db.session.scalar(
        select(Invitation.infusion_on).where(
            Invitation.patient_id == invitation.patient_id, Invitation.id != invitation.id,
            Invitation.infusion_on < invitation.infusion_on, Invitation.infusion_on < today)
        .order_by(Invitation.infusion_on.desc()).limit(1))
    return found


def starting_point(invitation: Invitation, today: date) -> Start:
    """Return what the invitation's checklist starts with (see the module's docstring)."""
    checklist = load()
    latest = latest_submission(invitation.patient_id)
    planned = {"planned_infusion_date": invitation.infusion_on.isoformat()}
    if latest is None:
        patient = db.session.get(Patient, invitation.patient_id)
        known = patient_identity(patient) if patient is not None else {}
        answers = {"patient_name": known.get("name"), "date_of_birth": known.get("date_of_birth"),
                   **planned}
        return Start(prune({k: v for k, v in answers.items() if v}))
    answers = prune({**carried(checklist.items.values(), stored_answers(latest)),
                     **planned})
    sections = tuple(section.id for section in checklist.sections if any(
        item.carry_forward and item.id in answers and is_asked(item, answers)
        for item in section.items))
    return Start(answers, latest.id, latest.completed_on, sections,
                 previous_infusion(invitation, today))
