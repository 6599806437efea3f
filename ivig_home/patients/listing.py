"""The Patients page: each patient's next planned infusion and the state of its checklist.

Until invitations exist, the next planned infusion is the one the patient's latest checklist
was for, if it is still to come, and that checklist is sent for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select

from ivig_home.db import db
from ivig_home.models import Patient, PatientSubmission
from ivig_home.patients.matching import patient_identity

PAGE_SIZE = 50
# An infusion this many days away or fewer, with no checklist sent for it, is due.
DUE_DAYS = 2
STATES = {
    "due": "Due: nothing sent yet",
    "sent": "Checklist sent",
    "opened": "Invitation opened",
    "invited": "Invited",
    "none": "No invitation",
}


def checklist_state(infusion: date | None, today: date, *, sent: bool,
                    invitation: str | None = None) -> str:
    """Return the state of a patient's checklist for their next infusion (a key of STATES).

    `sent`: a checklist was sent for that infusion; `invitation`: "invited" or "opened"
    when an invitation for it exists. Due wins over an invitation not yet answered.
    """
    if infusion is not None and sent:
        return "sent"
    if infusion is not None and 0 <= (infusion - today).days <= DUE_DAYS:
        return "due"
    return invitation if invitation in ("invited", "opened") else "none"


@dataclass(frozen=True)
class PatientRow:
    """One patient as the Patients page shows them."""

    id: str
    name: str
    date_of_birth: str
    next_infusion: date | None
    last_planned: date | None
    latest_at: datetime
    submissions: int
    state: str

    @property
    def state_label(self) -> str:
        """Return the state in words."""
        return STATES[self.state]


@dataclass(frozen=True)
class PatientsPage:
    """A page of the agency's patients, the soonest infusion first."""

    rows: list[PatientRow]
    total: int
    page: int
    pages: int


def _latest(agency_id: int) -> list[tuple[str, datetime, date | None, int]]:
    """Return (patient id, latest checklist's time, its planned date, number of checklists)
    for each of the agency's patients, from plain columns only."""
    latest = (select(PatientSubmission.patient_id,
                     func.max(PatientSubmission.created_at).label("latest_at"),
                     func.count().label("count"))
              .join(Patient, Patient.id == PatientSubmission.patient_id)
              .where(Patient.agency_id == agency_id)
              .group_by(PatientSubmission.patient_id).subquery())
    rows = db.session.execute(
        select(latest.c.patient_id, latest.c.latest_at, PatientSubmission.planned_infusion_on,
               latest.c.count)
        .join(PatientSubmission, (PatientSubmission.patient_id == latest.c.patient_id)
              & (PatientSubmission.created_at == latest.c.latest_at)))
    found: dict[str, tuple[str, datetime, date | None, int]] = {}
    for patient_id, latest_at, planned, count in rows:
        found.setdefault(patient_id, (patient_id, latest_at, planned, int(count)))
    return list(found.values())


def _order(entry: tuple[str, datetime, date | None, int], today: date) -> tuple[Any, ...]:
    """Coming infusions first, soonest first; then the rest, latest checklist first."""
    patient_id, latest_at, planned, _ = entry
    if planned is not None and planned >= today:
        return (0, planned.toordinal(), -latest_at.timestamp(), patient_id)
    return (1, 0, -latest_at.timestamp(), patient_id)


def patients_page(agency_id: int, today: date, page: int = 1) -> PatientsPage:
    """Return one page of the agency's patients; only that page's names are decrypted."""
    entries = sorted(_latest(agency_id), key=lambda entry: _order(entry, today))
    total = len(entries)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    shown = entries[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]
    patients = {patient.id: patient for patient in db.session.scalars(
        select(Patient).where(Patient.id.in_([entry[0] for entry in shown])))}
    rows = []
    for patient_id, latest_at, planned, count in shown:
        identity = patient_identity(patients[patient_id])
        coming = planned if planned is not None and planned >= today else None
        rows.append(PatientRow(
            id=patient_id, name=str(identity.get("name") or ""),
            date_of_birth=str(identity.get("date_of_birth") or ""), next_infusion=coming,
            last_planned=planned, latest_at=latest_at, submissions=count,
            state=checklist_state(coming, today, sent=coming is not None)))
    return PatientsPage(rows=rows, total=total, page=page, pages=pages)


def planned_dates(patient_id: str) -> dict[str, date | None]:
    """Return the planned infusion date each of a patient's checklists was for."""
    rows = db.session.execute(
        select(PatientSubmission.submission_id, PatientSubmission.planned_infusion_on)
        .where(PatientSubmission.patient_id == patient_id))
    return {submission_id: planned for submission_id, planned in rows}
