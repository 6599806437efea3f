"""The FHIR R4 endpoint at /fhir/: the CapabilityStatement, the Questionnaire, and an
agency's QuestionnaireResponses (create, read, search by date).

A created response is stored as the form's Send stores answers (submit_answers), so it gets
the same flags, PDF, queue entry, webhook and audit entry. QuestionnaireResponses need the
agency's API token, as /api/v1/ does; every read of one is audit-logged and another agency's
answers 404. Every response is application/fhir+json, every error an OperationOutcome.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, request, url_for
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.http import http_date

from ivig_home.api import auth as api_auth
from ivig_home.api import fhir, fhir_reading
from ivig_home.api.auth import api_agency, record
from ivig_home.api.fhir_capability import capability_statement
from ivig_home.api.fhir_changes import changes_extension
from ivig_home.api.fhir_outcome import (
    CONTENT_TYPE,
    FHIR_JSON,
    FhirError,
    Issue,
    fhir_response,
    handle_crash,
    handle_error,
    is_fhir_path,
)
from ivig_home.api.fhir_reading import ResponseRefused
from ivig_home.api.fhir_search import search_responses
from ivig_home.audit.log import audit_entry
from ivig_home.checklist import assess
from ivig_home.db import db, utcnow
from ivig_home.intake.pdf import assessment_of, issue_at_submit
from ivig_home.intake.submissions import get_submission, submission_answers, submit_answers
from ivig_home.models import ApiToken, Submission
from ivig_home.patients.since import since_last_time

PUBLIC = {"fhir.metadata", "fhir.questionnaire", "fhir.questionnaire_search"}
JSON_TYPES = {FHIR_JSON, "application/json", "application/json+fhir"}
ACCEPTED = JSON_TYPES | {"*/*", "application/*"}
FORMATS = {"json", *JSON_TYPES}
# A FHIR id (letters, digits, '-' and '.'), or a submission id as /api/v1/ shows it.
RESOURCE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}\Z")

bp = Blueprint("fhir", __name__, url_prefix="/fhir")
for _status in (400, 401, 404, 405, 406, 413, 415, 422, 429, HTTPException):
    bp.register_error_handler(_status, handle_error)
bp.register_error_handler(InternalServerError, handle_crash)


@bp.before_request
def check_request() -> None:
    """Answer only in JSON (406 otherwise), and let only a live token through to responses."""
    offered = request.args.get("_format")
    if offered is not None and offered.split(";")[0].strip().lower() not in FORMATS:
        raise FhirError(406, [Issue("not-supported", f"'_format' is '{offered[:40]}'; this "
                                    "server answers in JSON only: leave it out or send "
                                    "'_format=json'.", parameter="_format")])
    if request.headers.get("Accept") and not any(
            quality > 0 and value.split(";")[0].strip() in ACCEPTED
            for value, quality in request.accept_mimetypes):
        raise FhirError(406, "This server answers in JSON only: accept "
                             "application/fhir+json or application/json.")
    if request.endpoint not in PUBLIC and request.method != "OPTIONS":
        api_auth.authenticate()


@bp.after_request
def fhir_headers(response: Response) -> Response:
    """Say application/fhir+json on every response, and name allowed methods in one order."""
    response.headers["Content-Type"] = CONTENT_TYPE
    if "Allow" in response.headers:
        methods = {m.strip() for m in response.headers["Allow"].split(",") if m.strip()}
        response.headers["Allow"] = ", ".join(sorted(methods))
    return response


@bp.get("/metadata")
def metadata() -> Response:
    """Return the CapabilityStatement (no token needed)."""
    base = url_for("fhir.metadata", _external=True).removesuffix("/metadata")
    return fhir_response(capability_statement(base, current_app.config["PRODUCT_NAME"]))


@bp.get("/Questionnaire/<questionnaire_id>")
def questionnaire(questionnaire_id: str) -> Response:
    """Return the checklist's Questionnaire by its id (no token needed)."""
    resource = fhir.questionnaire()
    if questionnaire_id != resource["id"]:
        raise FhirError(404, f"No Questionnaire with this id; the checklist's is "
                             f"'{resource['id']}'.")
    return fhir_response(resource)


@bp.get("/Questionnaire")
def questionnaire_search() -> Response:
    """Return a searchset Bundle of the Questionnaire, by its canonical url if one is given."""
    unknown = sorted(set(request.args) - {"url", "_format"})
    if unknown:
        raise FhirError(400, [Issue("not-supported", f"Unknown search parameter '{name[:40]}'; "
                                    "Questionnaire is searched by 'url' only.",
                                    parameter=name[:40]) for name in unknown])
    resource = fhir.questionnaire()
    wanted = request.args.getlist("url")
    canonical, version = resource["url"], resource["version"]
    found = all(url in (canonical, f"{canonical}|{version}") for url in wanted)
    entries = [entry(resource, url_for("fhir.questionnaire", questionnaire_id=resource["id"],
                                       _external=True))] if found else []
    return fhir_response(bundle(entries, len(entries), request.url))


@bp.post("/QuestionnaireResponse")
def create_response() -> Response:
    """Check a completed response as the form checks answers, and store it as a submission."""
    agency = api_agency()
    try:
        read = fhir_reading.read_response(posted_resource(), agency.time_zone)
    except ResponseRefused as refused:
        raise FhirError(422, refused.issues) from None
    assessment = assess({"completed_on": read.completed_on.isoformat(),
                         "answers": read.answers})
    token: ApiToken = g.api_token
    submission = submit_answers(agency, assessment, actor=f"api-token:{token.prefix}",
                                address=request.remote_addr, language=read.language)
    issue_at_submit(submission)
    token.last_used_at = utcnow()
    db.session.commit()
    location = url_for("fhir.read_response", submission_id=fhir_id(submission))
    headers = {"Location": location, "Last-Modified": _http_date(submission)}
    if "return=minimal" in request.headers.get("Prefer", ""):
        return Response(status=201, headers=headers)
    return fhir_response(with_changes(submission), 201, headers)


@bp.get("/QuestionnaireResponse/<submission_id>")
def read_response(submission_id: str) -> Response:
    """Return one of the agency's responses; any other id answers 404."""
    found = own_submission(submission_id)
    resource = with_changes(found)
    record("exported", found)
    return fhir_response(resource, headers={"Last-Modified": _http_date(found)})


@bp.get("/QuestionnaireResponse")
def response_search() -> Response:
    """Return a searchset Bundle of the agency's responses, by the date they were received."""
    page = search_responses(api_agency())
    entries = []
    for submission in page.submissions:
        audit_entry("exported", submission=submission, actor=f"api-token:{g.api_token.prefix}",
                    address=request.remote_addr)
        entries.append(entry(stored_response(submission),
                             url_for("fhir.read_response", submission_id=fhir_id(submission),
                                     _external=True)))
    record("viewed")
    found = bundle(entries, page.total, page.self_url)
    if page.next_url:
        found["link"].append({"relation": "next", "url": page.next_url})
    return fhir_response(found)


def posted_resource() -> dict[str, Any]:
    """Return the posted resource, or answer 415 (not JSON) or 400 (not a response)."""
    if request.mimetype not in JSON_TYPES:
        raise FhirError(415, f"Send the QuestionnaireResponse as {FHIR_JSON} (or "
                             "application/json); this request's Content-Type is "
                             f"'{(request.mimetype or 'missing')[:60]}'.")
    try:
        resource = json.loads(request.get_data(cache=False), parse_constant=_no_constant)
    except (ValueError, RecursionError):
        raise FhirError(400, [Issue("structure", "The body is not valid JSON.")]) from None
    if not isinstance(resource, dict) or resource.get("resourceType") != "QuestionnaireResponse":
        raise FhirError(400, [Issue("structure", "Expected a QuestionnaireResponse resource "
                                    "(resourceType 'QuestionnaireResponse').")])
    return resource


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def fhir_id(submission: Submission) -> str:
    """Return a submission's FHIR id: its id, with any '_' (which FHIR ids cannot hold, and
    only submissions stored before ids left it out have) written '.'."""
    return submission.id.replace("_", ".")


def own_submission(response_id: str) -> Submission:
    """Return the agency's submission with this FHIR (or submission) id; 404 otherwise."""
    found = (get_submission(response_id.replace(".", "_"))
             if RESOURCE_ID.match(response_id) else None)
    if found is None or found.agency_id != api_agency().id:
        raise FhirError(404, "No QuestionnaireResponse with this id.")
    return found


def stored_response(submission: Submission) -> dict[str, Any]:
    """Return a submission as the QuestionnaireResponse this endpoint stores and reads."""
    resource = fhir.questionnaire_response(submission_answers(submission),
                                           reference=submission.reference,
                                           authored=submission.created_at,
                                           version=submission.checklist_version,
                                           language=submission.language)
    resource["id"] = fhir_id(submission)
    resource["meta"] = {"lastUpdated": submission.created_at.isoformat(timespec="seconds")}
    return resource


def with_changes(submission: Submission) -> dict[str, Any]:
    """Return the stored response with what changed since the patient's last checklist, as
    the export carries it: the answer to a create and to a read (a search leaves it out: it
    would decrypt every row's earlier checklist)."""
    resource = stored_response(submission)
    changes = since_last_time(submission, assessment_of(submission))
    if changes is not None:
        resource["extension"] = [changes_extension(changes.to_dict())]
    return resource


def entry(resource: dict[str, Any], full_url: str) -> dict[str, Any]:
    """Return a searchset Bundle entry: a match."""
    return {"fullUrl": full_url, "resource": resource, "search": {"mode": "match"}}


def bundle(entries: list[dict[str, Any]], total: int, self_url: str) -> dict[str, Any]:
    """Return a searchset Bundle."""
    return {"resourceType": "Bundle", "type": "searchset", "total": total,
            "link": [{"relation": "self", "url": self_url}], "entry": entries}


def _http_date(submission: Submission) -> str:
    return http_date(submission.created_at)


def route_error(fallback: Any) -> Any:
    """Return a router 404/405 handler: an OperationOutcome under /fhir/, else `fallback`."""

    def routing_error(error: HTTPException) -> Any:
        return handle_error(error) if is_fhir_path() else fallback(error)

    return routing_error


def init_app(app: Flask) -> None:
    """Mount the FHIR endpoint; the router's own 404 and 405 under /fhir/ are OperationOutcomes."""
    app.register_blueprint(bp)
    for status in (404, 405):
        app.register_error_handler(status, route_error(api_auth.routing_error))
