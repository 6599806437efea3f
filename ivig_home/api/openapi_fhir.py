"""The FHIR endpoint's part of the OpenAPI document: /fhir/ paths, whose errors are
OperationOutcomes (application/fhir+json), with the 422 of a response that has problems."""

from __future__ import annotations

from typing import Any

FHIR_JSON = "application/fhir+json"
ALLOWED = "GET, HEAD, OPTIONS"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _outcome(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"description": description,
                             "content": {FHIR_JSON: {"schema": _ref("OperationOutcome")}}}
    if headers:
        entry["headers"] = headers
    return entry


def _resource(description: str, schema: str = "FhirResource") -> dict[str, Any]:
    return {"description": description, "content": {FHIR_JSON: {"schema": _ref(schema)}}}


def _header(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/headers/{name}"}


SCHEMAS: dict[str, Any] = {
    "OperationOutcome": {
        "type": "object", "required": ["resourceType", "issue"],
        "description": "A FHIR R4 OperationOutcome: what was wrong, one issue each. An issue "
                       "about an item of a QuestionnaireResponse names its linkId in "
                       "`expression` (FHIRPath) and in its words.",
        "properties": {
            "resourceType": {"type": "string", "enum": ["OperationOutcome"]},
            "issue": {"type": "array", "minItems": 1, "items": {
                "type": "object", "required": ["severity", "code"],
                "properties": {
                    "severity": {"type": "string", "enum": ["fatal", "error", "warning",
                                                            "information"]},
                    "code": {"type": "string", "example": "required"},
                    "details": {"type": "object", "properties": {"text": {"type": "string"}}},
                    "diagnostics": {"type": "string"},
                    "expression": {"type": "array", "items": {"type": "string"},
                                   "example": ["QuestionnaireResponse.item.where(linkId="
                                               "'about').item.where(linkId='patient_name')"]},
                    "location": {"type": "array", "items": {"type": "string"}},
                }}},
        }},
    "Bundle": {
        "type": "object", "required": ["resourceType", "type", "total", "link", "entry"],
        "description": "A FHIR R4 searchset Bundle; `link` has `self`, and `next` when there "
                       "are more.",
        "properties": {
            "resourceType": {"type": "string", "enum": ["Bundle"]},
            "type": {"type": "string", "enum": ["searchset"]},
            "total": {"type": "integer", "minimum": 0},
            "link": {"type": "array", "items": {"type": "object"}},
            "entry": {"type": "array", "items": {"type": "object", "properties": {
                "fullUrl": {"type": "string"}, "resource": _ref("FhirResource")}}},
        }},
}
RESPONSES: dict[str, Any] = {
    "FhirBadRequest": _outcome("A search parameter that is unknown or cannot be read (each is "
                               "named in `location` as `http.NAME`), or a body that is not a "
                               "JSON QuestionnaireResponse."),
    "FhirUnauthorized": _outcome("No token, or a token that is unknown or revoked.",
                                 {"WWW-Authenticate": _header("WWW-Authenticate")}),
    "FhirNotFound": _outcome("No such resource for the token's agency (another agency's "
                             "is answered exactly the same)."),
    "FhirNotAcceptable": _outcome("`Accept` or `_format` asks for something other than "
                                  "JSON."),
    "FhirTooManyRequests": _outcome("Too many requests: wait a minute, then try again (only "
                                    "with an application-wide rate limit, as for /api/v1/)."),
}
NOTE = ("Every answer is `application/fhir+json; charset=utf-8` and every error an "
        "OperationOutcome. OPTIONS (no token needed) gives the `Allow` header; any method it "
        "does not name is a 405 OperationOutcome with the same `Allow`: ")


def _common(*statuses: str) -> dict[str, Any]:
    names = {"400": "FhirBadRequest", "401": "FhirUnauthorized", "404": "FhirNotFound",
             "406": "FhirNotAcceptable", "429": "FhirTooManyRequests"}
    return {status: {"$ref": f"#/components/responses/{names[status]}"} for status in statuses}


RESPONSE_ID = {"name": "submission_id", "in": "path", "required": True,
               "description": "The QuestionnaireResponse's id: the submission's id, as in "
                              "/api/v1/ and webhooks.",
               "schema": {"type": "string", "minLength": 1, "maxLength": 64}}
SEARCH = [
    {"name": "authored", "in": "query", "required": False, "style": "form", "explode": True,
     "description": "When the response was received: a FHIR date with an optional prefix "
                    "(eq, ne, gt, ge, lt, le, sa, eb); a date without a time is a day in the "
                    "agency's time zone. Repeat for a range.",
     "schema": {"type": "array", "items": {"type": "string", "example": "ge2026-12-01"}}},
    {"name": "_count", "in": "query", "required": False,
     "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 50}},
    {"name": "_page", "in": "query", "required": False,
     "schema": {"type": "integer", "minimum": 1, "maximum": 100000, "default": 1}},
]
CREATED = {
    "description": "Stored as a submission of the token's agency, as the form's Send stores "
                   "one (flags, PDF summary, queue, webhook, audit). The body is the stored "
                   "QuestionnaireResponse (none with `Prefer: return=minimal`).",
    "headers": {"Location": {"description": "The new QuestionnaireResponse: "
                                            "/fhir/QuestionnaireResponse/{id}.",
                             "schema": {"type": "string"}}},
    "content": {FHIR_JSON: {"schema": _ref("FhirResource")}},
}
UNPROCESSABLE = _outcome(
    "The response has problems: an unknown item, an answer of the wrong type or with a code "
    "the item does not offer, a missing required answer, an answer to a question not asked, "
    "a status other than `completed`, another Questionnaire, or `authored` in the future. "
    "Each issue names the item (linkId) and what was expected. Nothing is stored.")


def paths() -> dict[str, Any]:
    """Return the /fhir/ paths of the OpenAPI document."""
    public: list[dict[str, Any]] = []
    return {
        "/fhir/metadata": {"description": NOTE + ALLOWED + ".", "get": {
            "summary": "The CapabilityStatement (no token needed).", "security": public,
            "responses": {"200": _resource("A CapabilityStatement."),
                          **_common("400", "406", "429")}}},
        "/fhir/Questionnaire": {"description": NOTE + ALLOWED + ".", "get": {
            "summary": "Search the Questionnaire by its canonical url (no token needed).",
            "security": public,
            "parameters": [{"name": "url", "in": "query", "required": False,
                            "schema": {"type": "string"}}],
            "responses": {"200": _resource("A searchset Bundle.", "Bundle"),
                          **_common("400", "406", "429")}}},
        "/fhir/Questionnaire/{questionnaire_id}": {"description": NOTE + ALLOWED + ".", "get": {
            "summary": "The Questionnaire, by its id (no token needed).", "security": public,
            "parameters": [{"name": "questionnaire_id", "in": "path", "required": True,
                            "schema": {"type": "string"}}],
            "responses": {"200": _resource("The Questionnaire."),
                          **_common("400", "404", "406", "429")}}},
        "/fhir/QuestionnaireResponse": {
            "description": NOTE + ALLOWED + ", POST.",
            "get": {"summary": "Search the agency's QuestionnaireResponses by date.",
                    "parameters": SEARCH,
                    "responses": {"200": _resource("A searchset Bundle.", "Bundle"),
                                  **_common("400", "401", "406", "429")}},
            "post": {"summary": "Send a completed QuestionnaireResponse: checked as the form "
                                "checks answers, stored as a submission.",
                     "description": "The resource's `language` ('en', 'es'; 'es-US' is read "
                                    "as 'es') is the language the patient answered in: "
                                    "stored with the submission and shown to the care team. "
                                    "Without it the answers are taken as English; a language "
                                    "the checklist is not offered in is refused (422). Every "
                                    "QuestionnaireResponse read back carries it.",
                     "requestBody": {"required": True, "content": {
                         FHIR_JSON: {"schema": _ref("FhirResource")},
                         "application/json": {"schema": _ref("FhirResource")}}},
                     "responses": {"201": CREATED, **_common("400", "401", "406", "429"),
                                   "413": _outcome("The body is over 1 MB."),
                                   "415": _outcome("The body is not JSON."),
                                   "422": UNPROCESSABLE}}},
        "/fhir/QuestionnaireResponse/{submission_id}": {
            "description": NOTE + ALLOWED + ".", "get": {
                "summary": "One of the agency's QuestionnaireResponses.",
                "parameters": [RESPONSE_ID],
                "responses": {"200": _resource("The QuestionnaireResponse."),
                              **_common("400", "401", "404", "406", "429")}}},
    }
