"""The Patients page, a page per patient, and moving a submission to another patient."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from ivig_home import i18n, timezones
from ivig_home.audit.log import audit, patient_detail
from ivig_home.db import db
from ivig_home.models import Patient, Submission
from ivig_home.patients import invitations, listing, matching
from ivig_home.staff import bp, client_address, current_staff, invitation_mail, own_submission
from ivig_home.staff.queue import STATUS_LABELS, severity_counts


def own_patient(patient_id: str) -> Patient:
    """Return a patient of the signed-in user's agency, or answer 404."""
    found = matching.get_patient(current_staff().agency_id, patient_id)
    if found is None:
        abort(404)
    return found


def _page_number() -> int:
    text = str(request.args.get("page", "1"))
    return int(text) if text.isdigit() and 0 < int(text) < 10**6 else 1


@bp.get("/patients")
@login_required
def patients() -> str:
    """List the agency's patients, the soonest planned infusion first."""
    user = current_staff()
    today = timezones.today(user.agency.time_zone)
    page = listing.patients_page(user.agency_id, today, _page_number())
    # Names and dates of birth are on the page: looking at it is an access like any other.
    audit("viewed_patients", actor=user.email, address=client_address(),
          agency_id=user.agency_id)
    return render_template("staff/patients.html", page=page, today=today,
                           due_days=listing.DUE_DAYS,
                           page_url=lambda number: url_for("staff.patients", page=number))


def render_patient(found: Patient, status: int = 200, **extra: Any) -> tuple[str, int]:
    """Render a patient's page: who, their invitations, and their checklists."""
    planned = listing.planned_dates(found.id)
    history = [{"submission": submission, "counts": severity_counts(submission),
                "planned": planned.get(submission.id),
                "status_label": STATUS_LABELS[submission.status]}
               for submission in reversed(matching.submissions_of(found))]
    user = current_staff()
    zone = user.agency.time_zone
    invited = [{**invitations.details(invitation), "infusion_on": invitation.infusion_on,
                "last_day": timezones.local_date(invitation.expires_at - timedelta(seconds=1),
                                                 zone)}
               for invitation in invitations.patient_invitations(found.id)]
    audit("viewed_patient", actor=user.email, address=client_address(),
          agency_id=user.agency_id, detail=patient_detail(found.id))
    languages = [(code, i18n.language_name(code, i18n.STAFF_LANGUAGE))
                 for code in i18n.offered(user.agency)]
    return render_template("staff/patient.html", patient=found, invited=invited,
                           identity=matching.patient_identity(found), history=history,
                           states=listing.STATES, languages=languages, **extra), status


@bp.get("/patients/<patient_id>")
@login_required
def patient(patient_id: str) -> tuple[str, int]:
    """Show one patient and their checklists over time, the newest first."""
    return render_patient(own_patient(patient_id))


@bp.post("/patients/<patient_id>/invitations")
@login_required
def invite(patient_id: str) -> tuple[str, int]:
    """Invite the patient before an infusion; the page shows the link once."""
    found = own_patient(patient_id)
    user = current_staff()
    infusion = str(request.form.get("infusion_date", "")).strip()[:40]
    email = str(request.form.get("email", "")).strip()[:300]
    offered = i18n.offered(user.agency)
    # The language to write to a patient with no checklist yet (an unknown one: the default).
    language = request.form.get("language", "")
    language = language if language in offered else offered[0]
    try:
        made = invitations.invite_patient(found, infusion, actor=user.email, email=email,
                                          language=language)
    except invitations.InvitationRefused as refused:
        return render_patient(found, 400, invite_error=(refused.field, str(refused)),
                              typed={"infusion_date": infusion, "email": email,
                                     "language": language})
    audit("invited_patient", actor=user.email, address=client_address(),
          agency_id=user.agency_id, detail=patient_detail(found.id))
    base = str(current_app.config.get("PUBLIC_URL") or request.host_url).rstrip("/")
    emailed = invitation_mail.email_invitation(current_app, made.invitation)
    return render_patient(found, new_link=f"{base}{made.path}", emailed=emailed,
                          new_infusion=made.invitation.infusion_on)


def patient_link(submission: Submission) -> dict[str, Any] | None:
    """Return what the submission page's patient box shows: whose it is and the choices."""
    link = matching.link_of(submission.id)
    if link is None:
        return None
    others = db.session.scalars(select(Patient).where(
        Patient.agency_id == submission.agency_id, Patient.id != link.patient_id))
    choices = sorted(((other.id, matching.patient_identity(other)) for other in others),
                     key=lambda choice: (matching.normal_name(choice[1].get("name") or ""),
                                         str(choice[1].get("date_of_birth") or "")))
    current = db.session.get(Patient, link.patient_id)
    return {"patient_id": link.patient_id,
            "count": len(matching.submissions_of(current)) if current else 0,
            "choices": choices}


@bp.context_processor
def patient_context() -> dict[str, Any]:
    """Let the submission page's patient box (staff/_patient_link.html) find its data."""
    return {"patient_link": patient_link}


def _back(submission: Submission) -> Response:
    return redirect(url_for("staff.submission", submission_id=submission.id,
                            _anchor="patient"), 303)


@bp.post("/submissions/<submission_id>/patient")
@login_required
def link_patient(submission_id: str) -> Response:
    """Make another of the agency's patients this submission's patient."""
    found = own_submission(submission_id)
    chosen = str(request.form.get("patient", ""))
    target = matching.get_patient(found.agency_id, chosen) if chosen else None
    if target is None:
        flash("Choose the patient this submission is about, then press Link.", "error")
        return _back(found)
    if matching.relink(found, target, current_staff().email, client_address()) is None:
        flash("This submission was already linked to that patient.", "info")
    else:
        flash("Linked. The submission is now on the patient you chose.", "success")
    return _back(found)


@bp.post("/submissions/<submission_id>/patient/split")
@login_required
def split_patient(submission_id: str) -> Response:
    """Move this submission to a new patient made from its own name and date of birth."""
    found = own_submission(submission_id)
    if matching.split_off(found, current_staff().email, client_address()) is None:
        flash("This submission is its patient's only one: it is on its own already.", "info")
    else:
        flash("Split off. The submission is now on a new patient of its own.", "success")
    return _back(found)
