"""The invitations' part of the OpenAPI document: POST /api/v1/invitations (201 with the link
shown once, 422 naming each field) and GET /api/v1/invitations/{invitation_id}."""

from __future__ import annotations

from typing import Any

DATE = {"type": "string", "format": "date"}
STAMP = {"type": "string", "format": "date-time"}
FIELD_NAMES = ["name", "date_of_birth", "infusion_date", "email", "phone"]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _response(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/responses/{name}"}


def _error(description: str, schema: str = "Error") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(
        schema)}}}


SCHEMAS: dict[str, Any] = {
    "InvitationRequest": {
        "type": "object", "required": ["name", "date_of_birth", "infusion_date"],
        "additionalProperties": False,
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 200,
                     "example": "Ana Ruiz",
                     "description": "The patient's name as they write it; with the date of "
                                    "birth it finds the agency's patient, or makes one."},
            "date_of_birth": {**DATE, "example": "1971-04-02"},
            "infusion_date": {**DATE, "example": "2026-12-11",
                              "description": "The planned infusion, today or later in the "
                                             "agency's time zone."},
            "email": {"type": "string", "nullable": True, "maxLength": 254,
                      "example": "ana@example.org",
                      "description": "Where to email the invitation and its reminders "
                                     "(kept with the patient)."},
            "phone": {"type": "string", "nullable": True, "maxLength": 40,
                      "example": "555-0177"},
            "language": {"type": "string", "nullable": True, "example": "es",
                         "description": "The language to email the invitation and its "
                                        "reminders in, and to open the checklist in, while "
                                        "the patient has sent no checklist yet (after one, "
                                        "the language of their latest): one the agency "
                                        "offers. Without it, the agency's default."},
        }},
    "InvitationCreated": {
        "type": "object",
        "required": ["id", "patient_id", "link", "infusion_date", "expires_at", "emailed"],
        "properties": {
            "id": {"type": "string", "description": "The invitation's opaque id."},
            "patient_id": {"type": "string", "description": "The patient's opaque id, as "
                                                            "submissions and webhooks give it."},
            "link": {"type": "string", "format": "uri",
                     "example": "https://checklist.example.org/a/harbour/i/3kq9...",
                     "description": "The link to give the patient, shown only in this "
                                    "answer: only a keyed hash of its token is stored."},
            "infusion_date": DATE,
            "expires_at": {**STAMP, "description": "The end of the day after the infusion, "
                                                   "in the agency's time zone."},
            "emailed": {"type": "boolean", "description": "Whether the invitation was "
                                                          "emailed to the patient (a mail "
                                                          "server and an address needed)."},
        }},
    "Invitation": {
        "type": "object",
        "required": ["id", "patient_id", "infusion_date", "expires_at", "state", "opened_at",
                     "emailed_at", "submission_id"],
        "properties": {
            "id": {"type": "string"}, "patient_id": {"type": "string"},
            "infusion_date": DATE, "expires_at": STAMP,
            "state": {"type": "string", "enum": ["invited", "opened", "sent"]},
            "opened_at": {**STAMP, "nullable": True},
            "emailed_at": {**STAMP, "nullable": True},
            "submission_id": {"type": "string", "nullable": True,
                              "description": "The checklist sent from the invitation."},
        }},
    "InvitationProblems": {
        "type": "object", "required": ["error"], "properties": {"error": {
            "type": "object", "required": ["status", "message", "problems"],
            "properties": {
                "status": {"type": "integer", "enum": [422]},
                "message": {"type": "string"},
                "problems": {"type": "array", "minItems": 1, "items": {
                    "type": "object", "required": ["field", "message"],
                    "properties": {
                        "field": {"type": "string", "example": "date_of_birth"},
                        "message": {"type": "string",
                                    "example": "date of birth: give it as YYYY-MM-DD"}}}}}}}},
}
CREATED = {
    "description": "The invitation was made, for the patient found by name and date of birth "
                   "or made, and emailed when the patient has an address and a mail server is "
                   "set up. Audit-logged (`invited_patient`).",
    "headers": {"Location": {"description": "/api/v1/invitations/{id}",
                             "schema": {"type": "string"}}},
    "content": {"application/json": {"schema": _ref("InvitationCreated")}},
}
UNPROCESSABLE = _error(
    "What was sent cannot make an invitation: each problem names its field (`name`, "
    "`date_of_birth`, `infusion_date`, `email`, `phone`, an unknown field, or `body` when the "
    "body is not an object) and what was expected. Nothing is stored.", "InvitationProblems")
NOT_FOUND = _error("No invitation with this id for the token's agency (another agency's is "
                   "answered exactly the same).")


def paths(common: dict[str, Any], unauthorized: dict[str, Any]) -> dict[str, Any]:
    """Return the invitation paths of the OpenAPI document."""
    return {
        "/api/v1/invitations": {
            "description": "This path answers OPTIONS, POST only: OPTIONS (no token needed) "
                           "gives the `Allow` header, and any other method a 405 "
                           "(`MethodNotAllowed`) with the same `Allow`.",
            "post": {
                "summary": "Invite a patient to fill in the checklist before an infusion.",
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": _ref("InvitationRequest")}}},
                "responses": {"201": CREATED, **common, "401": unauthorized,
                              "413": _error("The body is over 1 MB."),
                              "415": _error("The body is not application/json."),
                              "422": UNPROCESSABLE}}},
        "/api/v1/invitations/{invitation_id}": {
            "description": "This path answers GET, HEAD, OPTIONS only: OPTIONS (no token "
                           "needed) gives the `Allow` header, and any other method a 405 "
                           "(`MethodNotAllowed`) with the same `Allow`.",
            "get": {
                "summary": "One of the agency's invitations: its state (never its link).",
                "parameters": [{"name": "invitation_id", "in": "path", "required": True,
                                "description": "The invitation's id, as its 201 gave it.",
                                "schema": {"type": "string", "minLength": 1,
                                           "maxLength": 64}}],
                "responses": {"200": {"description": "The invitation.", "content": {
                    "application/json": {"schema": _ref("Invitation")}}},
                    **common, "401": unauthorized, "404": NOT_FOUND}}},
    }
