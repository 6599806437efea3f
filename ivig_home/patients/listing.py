"""The Patients page: each patient's next planned infusion and the state of its checklist.

The next infusion is the soonest of the patient's invitations from today on and the one
their latest checklist was for, if it is still to come (that checklist is sent for it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select

from ivig_home.db import db
from ivig_home.models import Invitation, Patient, PatientSubmission
from ivig_home.patients.invitations import invitation_state, upcoming
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
    latest_at: datetime | None
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


def _latest(agency_id: int) -> dict[str, tuple[datetime | None, date | None, int]]:
    """Return (latest checklist's time, its planned date, number of checklists) for each of
    the agency's patients, those with none included, from plain columns only."""
    latest = (select(PatientSubmission.patient_id,
                     func.max(PatientSubmission.created_at).label("latest_at"),
                     func.count().label("count"))
              .group_by(PatientSubmission.patient_id).subquery())
    rows = db.session.execute(
        select(Patient.id, latest.c.latest_at, PatientSubmission.planned_infusion_on,
               latest.c.count)
        .outerjoin(latest, latest.c.patient_id == Patient.id)
        .outerjoin(PatientSubmission, (PatientSubmission.patient_id == Patient.id)
                   & (PatientSubmission.created_at == latest.c.latest_at))
        .where(Patient.agency_id == agency_id))
    found: dict[str, tuple[datetime | None, date | None, int]] = {}
    for patient_id, latest_at, planned, count in rows:
        found.setdefault(patient_id, (latest_at, planned, int(count or 0)))
    return found


@dataclass(frozen=True)
class _Entry:
    patient_id: str
    latest_at: datetime | None
    planned: date | None
    count: int
    next_infusion: date | None
    state: str


def _entry(patient_id: str, latest: tuple[datetime | None, date | None, int],
           invitation: Invitation | None, today: date) -> _Entry:
    """Work out a patient's next infusion and its checklist's state."""
    latest_at, planned, count = latest
    from_checklist = planned if planned is not None and planned >= today else None
    if invitation is not None and (from_checklist is None
                                   or invitation.infusion_on <= from_checklist):
        state = invitation_state(invitation)
        return _Entry(patient_id, latest_at, planned, count, invitation.infusion_on,
                      checklist_state(invitation.infusion_on, today, sent=state == "sent",
                                      invitation=state))
    return _Entry(patient_id, latest_at, planned, count, from_checklist,
                  checklist_state(from_checklist, today, sent=from_checklist is not None))


def _order(entry: _Entry) -> tuple[Any, ...]:
    """Coming infusions first, soonest first; then the rest, latest checklist first."""
    latest = -entry.latest_at.timestamp() if entry.latest_at else 0.0
    if entry.next_infusion is not None:
        return (0, entry.next_infusion.toordinal(), latest, entry.patient_id)
    return (1, 0, latest, entry.patient_id)


def patients_page(agency_id: int, today: date, page: int = 1) -> PatientsPage:
    """Return one page of the agency's patients; only that page's names are decrypted."""
    invited = upcoming(agency_id, today)
    entries = sorted((_entry(patient_id, latest, invited.get(patient_id), today)
                      for patient_id, latest in _latest(agency_id).items()), key=_order)
    total = len(entries)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    shown = entries[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]
    patients = {patient.id: patient for patient in db.session.scalars(
        select(Patient).where(Patient.id.in_([entry.patient_id for entry in shown])))}
    rows = []
    for entry in shown:
        identity = patient_identity(patients[entry.patient_id])
        rows.append(PatientRow(
            id=entry.patient_id, name=str(identity.get("name") or ""),
            date_of_birth=str(identity.get("date_of_birth") or ""),
            next_infusion=entry.next_infusion, last_planned=entry.planned,
            latest_at=entry.latest_at, submissions=entry.count, state=entry.state))
    return PatientsPage(rows=rows, total=total, page=page, pages=pages)


def planned_dates(patient_id: str) -> dict[str, date | None]:
    """Return the planned infusion date each of a patient's checklists was for."""
    rows = db.session.execute(
        select(PatientSubmission.submission_id, PatientSubmission.planned_infusion_on)
        .where(PatientSubmission.patient_id == patient_id))
    return {submission_id: planned for submission_id, planned in rows}
