"""The OpenAPI 3 description of /api/v1/ and /fhir/, served at /api/v1/openapi.json."""

from __future__ import annotations

from typing import Any

from ivig_home.api import openapi_fhir, openapi_invitations
from ivig_home.checklist import NOT_A_DECISION

SEVERITIES = ["emergency", "urgent", "discuss", "prepare", "note"]
STAMP = {"type": "string", "format": "date-time"}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _error(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": _ref("Error")}}}


def _json(description: str, schema: dict[str, Any], media: str = "application/json") -> dict[
        str, Any]:
    return {"description": description, "content": {media: {"schema": schema}}}


ID_PARAMETER = {"name": "submission_id", "in": "path", "required": True,
                "description": "The submission's id, as listed and as sent in webhooks.",
                "schema": {"type": "string", "minLength": 1, "maxLength": 64}}
LIST_PARAMETERS = [
    {"name": "since", "in": "query", "required": False,
     "description": "Only submissions created at or after this moment (ISO 8601; UTC when "
                    "no offset is given). The one at exactly `since` is listed again.",
     "schema": {"type": "string", "format": "date-time"}},
    {"name": "page", "in": "query", "required": False,
     "schema": {"type": "integer", "minimum": 1, "maximum": 100000, "default": 1}},
    {"name": "per_page", "in": "query", "required": False,
     "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 50}},
]
SCHEMAS: dict[str, Any] = {
    "Error": {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["status", "message"],
        "properties": {"status": {"type": "integer"}, "message": {"type": "string"}}}}},
    "Counts": {"type": "object", "required": SEVERITIES,
               "properties": {s: {"type": "integer", "minimum": 0} for s in SEVERITIES},
               "additionalProperties": False},
    "SubmissionBrief": {
        "type": "object",
        "required": ["id", "reference", "patient_id", "created", "status", "language",
                     "highest_severity", "counts", "links"],
        "properties": {
            "id": {"type": "string"},
            "reference": {"type": "string", "example": "HKT-4829"},
            "patient_id": {"type": "string", "nullable": True,
                           "description": "The patient's opaque id: the same for every "
                                          "submission about the same person, never a name."},
            "created": STAMP,
            "status": {"type": "string", "enum": ["new", "in_review", "reviewed"]},
            "language": {"type": "string", "example": "es",
                         "description": "The language the patient completed the checklist "
                                        "in: 'en' (English) or 'es' (Spanish). Free-text "
                                        "answers are in it; coded answers are the same "
                                        "codes whatever the language."},
            "highest_severity": {"type": "string", "enum": SEVERITIES, "nullable": True},
            "counts": _ref("Counts"),
            "links": {"type": "object", "required": ["self", "pdf", "fhir"], "properties": {
                "self": {"type": "string"}, "pdf": {"type": "string"},
                "fhir": {"type": "string"}}},
        },
    },
    "SubmissionList": {
        "type": "object", "required": ["data", "page", "per_page", "total", "next"],
        "properties": {
            "data": {"type": "array", "items": _ref("SubmissionBrief")},
            "page": {"type": "integer"}, "per_page": {"type": "integer"},
            "total": {"type": "integer"},
            "next": {"type": "string", "nullable": True,
                     "description": "The next page's URL, or null on the last page."},
        },
    },
    "FlagChange": {"type": "object", "required": ["item", "severity"], "properties": {
        "item": {"type": "string"}, "severity": {"type": "string", "enum": SEVERITIES}}},
    "Changes": {
        "type": "object", "nullable": True,
        "description": "What changed since the patient's checklist before this one; `since` "
                       "is null for a patient's first checklist. Answers are in the words "
                       "the answers list shows (the option's label, 'Not asked', 'Not "
                       "answered'); the items that are about one visit alone (names, "
                       "dates of this and the last infusion, the note, the confirmations) "
                       "are not compared. Null when the submission has no patient.",
        "required": ["since", "answers", "flags_new", "flags_gone"],
        "properties": {
            "since": {"type": "object", "nullable": True,
                      "required": ["id", "reference", "created"], "properties": {
                          "id": {"type": "string"}, "reference": {"type": "string"},
                          "created": STAMP}},
            "answers": {"type": "array", "items": {
                "type": "object", "required": ["item", "kind", "before", "after"],
                "properties": {
                    "item": {"type": "string"},
                    "kind": {"type": "string",
                             "enum": ["changed", "newly_asked", "no_longer_asked"]},
                    "before": {"type": "string"}, "after": {"type": "string"}}}},
            "flags_new": {"type": "array", "items": _ref("FlagChange")},
            "flags_gone": {"type": "array", "items": _ref("FlagChange")},
        },
    },
    "Submission": {"allOf": [_ref("SubmissionBrief"), {
        "type": "object",
        "required": ["completed_on", "checklist", "messages_shown", "assessment", "answers",
                     "changes"],
        "properties": {
            "completed_on": {"type": "string", "format": "date"},
            "checklist": {"type": "object", "required": ["id", "version"], "properties": {
                "id": {"type": "string"}, "version": {"type": "string"}}},
            "messages_shown": {"type": "object", "description": "When the patient was "
                               "first shown the emergency (\"Call 911 now\") or urgent (\"Call "
                               "your care team today\") message, at the question or on the "
                               "page after it; null if never.", "properties": {
                "emergency": {**STAMP, "nullable": True},
                "urgent": {**STAMP, "nullable": True}}},
            "assessment": {"type": "object", "description": "Flags (severity, the answer, "
                           "why, sources), counts and derived values, as `ivig-home assess` "
                           "prints them.",
                           "required": ["flags", "counts"]},
            "answers": {"type": "object", "description": "Answers by item id, in the JSON "
                        "answers format.", "additionalProperties": True},
            "changes": _ref("Changes"),
        },
    }]},
    "FhirResource": {"type": "object", "required": ["resourceType"],
                     "properties": {"resourceType": {"type": "string"}}},
}
ALLOWED = "GET, HEAD, OPTIONS"
HEADERS: dict[str, Any] = {
    "WWW-Authenticate": {
        "description": "The bearer challenge (RFC 6750): `Bearer realm=\"ivig_home\"`, with "
                       "`error=\"invalid_token\"` when a token was sent but is not live.",
        "schema": {"type": "string", "example": 'Bearer realm="ivig_home", '
                                                 'error="invalid_token"'}},
    "Allow": {"description": "The methods this path answers.",
              "schema": {"type": "string", "example": ALLOWED}},
}
RESPONSES: dict[str, Any] = {
    "BadRequest": _error("A query parameter is not valid, or the request could not be read "
                         "(a NUL character in the address or the query, for one)."),
    "Unauthorized": {**_error("No token, or a token that is unknown or revoked."),
                     "headers": {"WWW-Authenticate": {"$ref": "#/components/headers/"
                                                             "WWW-Authenticate"}}},
    "NotFound": _error("No submission with this id for the token's agency (another agency's "
                       "submission is answered exactly the same)."),
    "MethodNotAllowed": {**_error("A method the path does not answer: the `Allow` header "
                                  "names those it does (each path's description too)."),
                         "headers": {"Allow": {"$ref": "#/components/headers/Allow"}}},
    "TooManyRequests": _error("Too many requests: wait a minute, then try again. Sent only "
                              "when the server's operator has set an application-wide rate "
                              "limit (RATELIMIT_APPLICATION); the API sets none of its own."),
}


def _response(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/responses/{name}"}


COMMON = {"400": _response("BadRequest"), "429": _response("TooManyRequests")}
AUTH_ERRORS = {"401": _response("Unauthorized"), "404": _response("NotFound")}
PATH_NOTE = (f"This path answers {ALLOWED} only: OPTIONS (no token needed) gives the `Allow` "
             "header, and any other method a 405 (`MethodNotAllowed`) with the same `Allow`.")
STATUS_NOTE = (
    " Errors are JSON (`Error`): 400 for a query that cannot be read, 401 without a live token "
    "(with `WWW-Authenticate`), 404 for an unknown id or path, 405 for another method (with "
    "`Allow`), and 429 only when the server's operator sets an application-wide rate limit. "
    "POST /api/v1/invitations is the one request with a body: 415 when it is not JSON, 413 "
    "over 1 MB, and 422 naming each field with a problem. The FHIR R4 endpoint at "
    "/fhir/ takes the same token; its errors are OperationOutcomes, and POST "
    "/fhir/QuestionnaireResponse answers 422 for a response with problems, naming each item.")


def _submission_get(summary: str, ok: dict[str, Any]) -> dict[str, Any]:
    return {"description": PATH_NOTE,
            "get": {"summary": summary, "parameters": [ID_PARAMETER],
                    "responses": {"200": ok, **COMMON, **AUTH_ERRORS}}}


def document() -> dict[str, Any]:
    """Return the OpenAPI document describing every endpoint, its auth and its errors."""
    return {
        "openapi": "3.0.3",
        "info": {"title": "ivig_home API", "version": "1.0.0", "description": (
            "Submissions of the IVIG home-infusion readiness checklist for one agency. "
            + NOT_A_DECISION + " Every request with a token is recorded in the audit log."
            + STATUS_NOTE)},
        "components": {"securitySchemes": {"bearerAuth": {
            "type": "http", "scheme": "bearer",
            "description": "An agency token from `ivig-home create-token SLUG`."}},
            "schemas": {**SCHEMAS, **openapi_fhir.SCHEMAS, **openapi_invitations.SCHEMAS},
            "responses": {**RESPONSES, **openapi_fhir.RESPONSES}, "headers": HEADERS},
        "security": [{"bearerAuth": []}],
        "paths": {
            "/api/v1/submissions": {"description": PATH_NOTE, "get": {
                "summary": "List the agency's submissions, oldest first, a page at a time.",
                "parameters": LIST_PARAMETERS,
                "responses": {"200": _json("One page of submissions.", _ref("SubmissionList")),
                              **COMMON, "401": AUTH_ERRORS["401"]}}},
            "/api/v1/submissions/{submission_id}": _submission_get(
                "One submission: its assessment and answers.",
                _json("The submission.", _ref("Submission"))),
            "/api/v1/submissions/{submission_id}/pdf": _submission_get(
                "The PDF summary for the care team.",
                _json("The PDF.", {"type": "string", "format": "binary"}, "application/pdf")),
            "/api/v1/submissions/{submission_id}/fhir": _submission_get(
                "The submission as a FHIR R4 QuestionnaireResponse.",
                _json("A QuestionnaireResponse.", _ref("FhirResource"),
                      "application/fhir+json")),
            "/api/v1/questionnaire": {"description": PATH_NOTE, "get": {
                "summary": "The checklist as a FHIR R4 Questionnaire (no token needed).",
                "security": [],
                "responses": {"200": _json("A Questionnaire.", _ref("FhirResource"),
                                           "application/fhir+json"), **COMMON}}},
            "/api/v1/openapi.json": {"description": PATH_NOTE, "get": {
                "summary": "This document (no token needed).", "security": [],
                "responses": {"200": _json("The OpenAPI document.", {"type": "object"}),
                              **COMMON}}},
            **openapi_invitations.paths(COMMON, AUTH_ERRORS["401"]),
            **openapi_fhir.paths(),
        },
    }
