"""Invitations made by an agency's own systems: POST /api/v1/invitations, and
GET /api/v1/invitations/<id> (the state of one, never its link).

The patient is found by name and date of birth, or made, exactly as `ivig-home invite` does
(ivig_home.patients.invitations.invite). The link is shown once, in the 201's body: only the
keyed hash of its token is stored. Refusals are a 422 naming every field with a problem, in
the command's words; nothing is stored then.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from flask import Response, current_app, g, jsonify, request, url_for

from ivig_home.api.auth import ApiError, api_agency, record
from ivig_home.api.views import bp
from ivig_home.audit.log import patient_detail
from ivig_home.db import db, usable_key
from ivig_home.models import Invitation
from ivig_home.patients import invitations
from ivig_home.staff import invitation_mail

FIELDS = ("name", "date_of_birth", "infusion_date", "email", "phone", "language")


def _stamp(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat(timespec="seconds") if moment else None


def _posted() -> Any:
    """Return the posted JSON value, or answer 415 (not JSON) or 400 (not readable)."""
    if request.mimetype != "application/json":
        raise ApiError(415, "Send the invitation as application/json; this request's "
                            f"Content-Type is '{(request.mimetype or 'missing')[:60]}'.")
    try:
        return json.loads(request.get_data(cache=False), parse_constant=_no_constant)
    except (ValueError, RecursionError):
        raise ApiError(400, "The body is not valid JSON.") from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _problems(body: Any) -> list[tuple[str, str]]:
    """Return every problem of the posted body, each naming its field."""
    if not isinstance(body, dict):
        return [("body", "body: send a JSON object with name, date_of_birth and "
                         "infusion_date")]
    problems = invitations.check_request(api_agency(), *(body.get(key) for key in FIELDS))
    for unknown in sorted(set(body) - set(FIELDS)):
        name = str(unknown)[:40]
        problems.append((name, f"{name}: not a field of an invitation; the fields are "
                               + ", ".join(FIELDS)))
    return problems


def unprocessable(problems: list[tuple[str, str]]) -> Response:
    """Return the 422 naming each field with a problem and what was expected."""
    count = len(problems)
    response = jsonify({"error": {
        "status": 422,
        "message": f"No invitation was made: {count} problem{'s' if count > 1 else ''} "
                   "(see 'problems'); nothing was stored.",
        "problems": [{"field": field, "message": message} for field, message in problems]}})
    response.status_code = 422
    return response


@bp.post("/invitations")
def create_invitation() -> Response:
    """Find or make the patient and invite them before an infusion; 201 with the link."""
    body = _posted()
    problems = _problems(body)
    if problems:
        return unprocessable(problems)
    agency = api_agency()
    try:
        made = invitations.invite(agency, body["name"], body["date_of_birth"],
                                  body["infusion_date"], email=body.get("email"),
                                  phone=body.get("phone"), language=body.get("language"),
                                  actor=f"api-token:{g.api_token.prefix}")
    except invitations.InvitationRefused as refused:  # the day changed in between
        return unprocessable(refused.problems)
    invitation = made.invitation
    record("invited_patient", detail=patient_detail(invitation.patient_id))
    emailed = invitation_mail.email_invitation(current_app, invitation)
    base = str(current_app.config.get("PUBLIC_URL") or request.host_url).rstrip("/")
    response = jsonify({"id": invitation.id, "patient_id": invitation.patient_id,
                        "link": base + made.path,
                        "infusion_date": invitation.infusion_on.isoformat(),
                        "expires_at": _stamp(invitation.expires_at), "emailed": emailed})
    response.status_code = 201
    response.headers["Location"] = url_for("api.invitation", invitation_id=invitation.id)
    return response


@bp.get("/invitations/<invitation_id>")
def invitation(invitation_id: str) -> Response:
    """Return one of the agency's invitations: its state, never its link."""
    found = db.session.get(Invitation, invitation_id) if usable_key(invitation_id, 32) else None
    if found is None or found.agency_id != api_agency().id:
        raise ApiError(404, "No invitation with this id.")
    body = {"id": found.id, "patient_id": found.patient_id,
            "infusion_date": found.infusion_on.isoformat(),
            "expires_at": _stamp(found.expires_at),
            "state": invitations.invitation_state(found),
            "opened_at": _stamp(found.opened_at), "emailed_at": _stamp(found.emailed_at),
            "submission_id": found.submission_id}
    record("viewed", detail=patient_detail(found.patient_id))
    return jsonify(body)
