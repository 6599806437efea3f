"""The JSON API for an agency's systems: submissions, their PDF and FHIR, the Questionnaire,
and invitations (ivig_home.api.invitation_views).

Every submission endpoint needs the agency's bearer token and is audit-logged; another
agency's submission is answered exactly like one that does not exist (404). There is no
catch-all route: an unknown path is the router's 404, another method its 405, so OPTIONS
and Allow name only the methods a path answers (GET, HEAD, OPTIONS).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Flask, Response, jsonify, request, url_for
from sqlalchemy import func, select

from ivig_home.api import auth as api_auth
from ivig_home.api import fhir, fhir_views, openapi
from ivig_home.api.auth import ApiError, api_agency, record
from ivig_home.api.fhir_changes import changes_extension
from ivig_home.audit.log import SUMMARY
from ivig_home.db import db
from ivig_home.intake.pdf import assessment_of, issued_pdf, pdf_filenames
from ivig_home.intake.submissions import get_submission, submission_answers, submission_assessment
from ivig_home.models import Submission
from ivig_home.patients.matching import patient_ids_of
from ivig_home.patients.since import since_last_time

FHIR_JSON = "application/fhir+json"
PER_PAGE = 50
MAX_PER_PAGE = 100
MAX_PAGE = 100_000
PUBLIC = {"api.questionnaire", "api.openapi_document"}
SEVERITIES = ("emergency", "urgent", "discuss", "prepare", "note")
SUBMISSION_ID = re.compile(r"[A-Za-z0-9_-]{1,64}\Z")

bp = Blueprint("api", __name__, url_prefix="/api/v1")
for _status in (ApiError, 400, 404, 405):
    bp.register_error_handler(_status, api_auth.handle_error)
bp.register_error_handler(500, api_auth.handle_crash)


@bp.before_request
def require_token() -> None:
    """Let only a live token through, except to the public documents and to OPTIONS (which
    names a path's methods, as the public OpenAPI document does)."""
    if request.endpoint not in PUBLIC and request.method != "OPTIONS":
        api_auth.authenticate()


@bp.after_request
def tidy_allow(response: Response) -> Response:
    """Name the allowed methods in one order, on OPTIONS as on a 405: 'GET, HEAD, OPTIONS'."""
    if "Allow" in response.headers:
        methods = {m.strip() for m in response.headers["Allow"].split(",") if m.strip()}
        response.headers["Allow"] = ", ".join(sorted(methods))
    return response


def _int_arg(name: str, default: int, highest: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9 and 1 <= int(raw) <= highest):
        raise ApiError(400, f"'{name}' must be a whole number from 1 to {highest}.")
    return int(raw)


def _since() -> datetime | None:
    raw = request.args.get("since")
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(raw.strip())
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError):
        raise ApiError(400, "'since' must be an ISO 8601 date-time, like "
                            "'2026-11-21T09:00:00Z'.") from None


def brief(submission: Submission, patient_id: str | None = None) -> dict[str, Any]:
    """Return a submission as a list entry: ids, dates, status and counts, no patient data.

    The patient is named by their opaque id only (`patient_id`: given, or looked up).
    """
    sid = submission.id
    if patient_id is None:
        patient_id = patient_ids_of([sid]).get(sid)
    return {
        "id": sid,
        "reference": submission.reference,
        "patient_id": patient_id,
        "created": submission.created_at.isoformat(timespec="seconds"),
        "status": submission.status,
        "language": submission.language,
        "highest_severity": submission.highest_severity,
        "counts": {severity: submission.count(severity) for severity in SEVERITIES},
        "links": {"self": url_for("api.submission", submission_id=sid),
                  "pdf": url_for("api.submission_pdf", submission_id=sid),
                  "fhir": url_for("api.submission_fhir", submission_id=sid)},
    }


def own_submission(submission_id: str) -> Submission:
    """Return the submission if it belongs to the token's agency; 404 in every other case."""
    # Ids are URL-safe base64; anything else (a NUL byte would upset PostgreSQL) is unknown.
    found = get_submission(submission_id) if SUBMISSION_ID.match(submission_id) else None
    if found is None or found.agency_id != api_agency().id:
        raise ApiError(404, "No submission with this id.")
    return found


@bp.get("/submissions")
def submissions() -> Response:
    """List the agency's submissions, oldest first, from `since` on, a page at a time."""
    page = _int_arg("page", 1, MAX_PAGE)
    per_page = _int_arg("per_page", PER_PAGE, MAX_PER_PAGE)
    since = _since()
    where = [Submission.agency_id == api_agency().id]
    if since is not None:
        where.append(Submission.created_at >= since)
    total = db.session.scalar(select(func.count()).select_from(Submission).where(*where)) or 0
    rows = db.session.scalars(select(Submission).where(*where)
                              .order_by(Submission.created_at, Submission.id)
                              .offset((page - 1) * per_page).limit(per_page))
    page_rows = list(rows)
    patients = patient_ids_of([submission.id for submission in page_rows])
    data = [brief(submission, patients.get(submission.id)) for submission in page_rows]
    more = page * per_page < total
    args = {key: value for key, value in request.args.items() if key in ("since", "per_page")}
    record("viewed")
    return jsonify({"data": data, "page": page, "per_page": per_page, "total": total,
                    "next": url_for("api.submissions", page=page + 1, **args) if more else None})


@bp.get("/submissions/<submission_id>")
def submission(submission_id: str) -> Response:
    """Return one submission: its assessment and answers."""
    found = own_submission(submission_id)
    body = {**brief(found), "completed_on": found.completed_on.isoformat(),
            "checklist": {"id": found.checklist_id, "version": found.checklist_version},
            "messages_shown": {
                "emergency": _stamp(found.emergency_shown_at),
                "urgent": _stamp(found.urgent_shown_at)},
            "assessment": submission_assessment(found),
            "answers": submission_answers(found)}
    changes = since_last_time(found, assessment_of(found))
    body["changes"] = changes.to_dict() if changes is not None else None
    record("viewed", found)
    return jsonify(body)


@bp.get("/submissions/<submission_id>/pdf")
def submission_pdf(submission_id: str) -> Response:
    """Return the PDF summary issued for the submission."""
    found = own_submission(submission_id)
    pdf = issued_pdf(found)
    name = pdf_filenames(found)["issued"]
    record("downloaded", found, SUMMARY)
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/submissions/<submission_id>/fhir")
def submission_fhir(submission_id: str) -> Response:
    """Return the submission as a FHIR R4 QuestionnaireResponse."""
    found = own_submission(submission_id)
    resource = fhir.questionnaire_response(submission_answers(found),
                                           reference=found.reference,
                                           authored=found.created_at,
                                           version=found.checklist_version,
                                           language=found.language)
    changes = since_last_time(found, assessment_of(found))
    if changes is not None:
        resource["extension"] = [changes_extension(changes.to_dict())]
    record("exported", found)
    return _fhir(resource)


@bp.get("/questionnaire")
def questionnaire() -> Response:
    """Return the checklist as a FHIR R4 Questionnaire (public: it holds no patient data)."""
    return _fhir(fhir.questionnaire())


@bp.get("/openapi.json")
def openapi_document() -> Response:
    """Return the OpenAPI 3 description of this API."""
    return jsonify(openapi.document())


def _fhir(resource: dict[str, Any]) -> Response:
    response = jsonify(resource)
    response.mimetype = FHIR_JSON
    return response


def _stamp(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


def init_app(app: Flask) -> None:
    """Mount the API and its JSON errors, and the FHIR endpoint at /fhir/."""
    from ivig_home.api import invitation_views  # noqa: PLC0415 (its routes join bp first)

    del invitation_views
    app.register_blueprint(bp)
    api_auth.init_app(app)
    fhir_views.init_app(app)
