"""The CapabilityStatement of /fhir/: what this FHIR R4 server answers, and how to sign in."""

from __future__ import annotations

from datetime import date
from typing import Any

from ivig_home.api import fhir
from ivig_home.api.fhir_outcome import FHIR_JSON
from ivig_home.checklist import NOT_A_DECISION

FHIR_VERSION = "4.0.1"
# The day this statement last changed (CapabilityStatement.date).
CHANGED = date(2026, 12, 7)
SECURITY = ("Send an agency's API token as 'Authorization: Bearer ivig_...' (made with "
            "'ivig-home create-token SLUG'); a response without one is a 401 with "
            "WWW-Authenticate. The CapabilityStatement and the Questionnaire need no token. "
            "Every read of patient data is recorded in the agency's audit log, and an agency "
            "sees only its own QuestionnaireResponses (another agency's answer 404).")
RESPONSE_NOTE = (
    "create: a completed response to the Questionnaire (questionnaire = "
    f"'{fhir.CANONICAL}|version') is checked as the app's own form checks answers and stored "
    "as a submission of the token's agency, with the same flags, PDF summary, queue entry, "
    "webhook and audit entry; 201 Created with Location. A response with problems is a 422 "
    "OperationOutcome naming each item (linkId) and what was expected, and nothing is stored. "
    "The day in 'authored' (in the agency's time zone) is the completion date the answers are "
    "checked against. read and search: the agency's own responses; 'authored' in a stored "
    "response is when it was received.")


def capability_statement(base_url: str, product_name: str) -> dict[str, Any]:
    """Return the CapabilityStatement of the FHIR endpoint at base_url."""
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": CHANGED.isoformat(),
        "kind": "instance",
        "software": {"name": product_name},
        "implementation": {"description": f"{product_name}: FHIR R4 endpoint. "
                                          + NOT_A_DECISION, "url": base_url},
        "fhirVersion": FHIR_VERSION,
        "format": [FHIR_JSON, "json"],
        "rest": [{
            "mode": "server",
            "security": {"cors": False, "description": SECURITY},
            "resource": [_questionnaire(), _questionnaire_response()],
        }],
    }


def _questionnaire() -> dict[str, Any]:
    return {
        "type": "Questionnaire",
        "documentation": "The readiness checklist as a Questionnaire (no token needed); "
                         "its id names the checklist's version.",
        "interaction": [{"code": "read"}, {"code": "search-type"}],
        "versioning": "no-version",
        "searchParam": [{"name": "url", "type": "uri",
                         "documentation": f"The canonical URL, '{fhir.CANONICAL}', optionally "
                                          "with '|version'."}],
    }


def _questionnaire_response() -> dict[str, Any]:
    return {
        "type": "QuestionnaireResponse",
        "documentation": RESPONSE_NOTE,
        "interaction": [{"code": "create"}, {"code": "read"}, {"code": "search-type"}],
        "versioning": "no-version",
        "readHistory": False,
        "updateCreate": False,
        "conditionalCreate": False,
        "conditionalUpdate": False,
        "conditionalDelete": "not-supported",
        "searchParam": [
            {"name": "authored", "type": "date",
             "documentation": "When the response was received. Prefixes eq, ne, gt, ge, lt, "
                              "le, sa and eb; a date without a time is a day in the agency's "
                              "time zone. Repeat it for a range: "
                              "authored=ge2026-12-01&authored=lt2026-12-08."},
            {"name": "_count", "type": "number",
             "documentation": "Responses per page, 1 to 100 (50 if not given)."},
            {"name": "_page", "type": "number",
             "documentation": "The page to return, from 1; the Bundle's 'next' link names "
                              "the next one."},
        ],
    }
