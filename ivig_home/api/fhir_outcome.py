"""FHIR responses of /fhir/: resources as application/fhir+json, and every error, the router's
own included, as an OperationOutcome naming what was wrong."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask import Response, request
from werkzeug.exceptions import HTTPException

from ivig_home.api.auth import ApiError, error_headers
from ivig_home.db import db

FHIR_PREFIX = "/fhir"
FHIR_JSON = "application/fhir+json"
CONTENT_TYPE = f"{FHIR_JSON}; charset=utf-8"
# The issue type (http://hl7.org/fhir/issue-type) of each status with a message of its own.
ISSUE_TYPES = {400: "invalid", 401: "login", 404: "not-found", 405: "not-supported",
               406: "not-supported", 413: "too-costly", 415: "not-supported",
               422: "invalid", 429: "throttled", 500: "exception"}
MESSAGES = {
    400: "The request could not be read.",
    401: "Send a valid API token: 'Authorization: Bearer ivig_...'. An administrator makes one "
         "with 'ivig-home create-token SLUG'.",
    404: "No such resource or FHIR endpoint here; GET /fhir/metadata lists what this server "
         "answers.",
    405: "This method is not allowed here; the Allow header names those that are.",
    406: "This server answers in JSON only: ask for application/fhir+json or application/json.",
    413: "The request body is too large (at most 1 MB).",
    415: "Send the resource as application/fhir+json (or application/json).",
    429: "Too many requests: wait a minute, then try again.",
    500: "Something went wrong on our side. Try again later.",
}


@dataclass(frozen=True)
class Issue:
    """One problem, in words, with the FHIRPath of the element it is about or the request
    parameter it is about (if any)."""

    code: str
    text: str
    expression: str | None = None
    diagnostics: str | None = None
    parameter: str | None = None

    def resource(self) -> dict[str, Any]:
        """Return the issue as an OperationOutcome.issue element."""
        entry: dict[str, Any] = {"severity": "error", "code": self.code,
                                 "details": {"text": self.text}}
        if self.diagnostics:
            entry["diagnostics"] = self.diagnostics
        if self.expression:
            entry["expression"] = [self.expression]
            entry["location"] = [self.expression]
        elif self.parameter:  # R4: a request parameter's location is 'http.' + its name
            entry["location"] = [f"http.{self.parameter}"]
        return entry


class FhirError(HTTPException):
    """An error answered as an OperationOutcome with one or more issues."""

    def __init__(self, code: int, issues: list[Issue] | str) -> None:
        listed = ([Issue(ISSUE_TYPES.get(code, "processing"), issues)]
                  if isinstance(issues, str) else issues)
        super().__init__(description="; ".join(issue.text for issue in listed))
        self.code = code
        self.issues = listed


def operation_outcome(issues: list[Issue]) -> dict[str, Any]:
    """Return an OperationOutcome resource with these issues."""
    return {"resourceType": "OperationOutcome", "issue": [i.resource() for i in issues]}


def fhir_response(resource: dict[str, Any], status: int = 200,
                  headers: dict[str, str] | None = None) -> Response:
    """Return a FHIR resource as application/fhir+json; charset=utf-8."""
    body = json.dumps(resource, ensure_ascii=False, separators=(",", ":"))
    response = Response(body, status=status, headers=headers or {})
    response.headers["Content-Type"] = CONTENT_TYPE
    return response


def is_fhir_path() -> bool:
    """Return whether this request is to the FHIR endpoint."""
    return request.path == FHIR_PREFIX or request.path.startswith(FHIR_PREFIX + "/")


def handle_error(error: HTTPException) -> Response:
    """Answer any HTTP error under /fhir/ as an OperationOutcome."""
    status = error.code or 500
    headers = error_headers(error, status)
    if isinstance(error, FhirError):
        issues = error.issues
    else:
        text = (error.description if isinstance(error, ApiError) and error.description
                else MESSAGES.get(status, error.name))
        issues = [Issue(ISSUE_TYPES.get(status, "processing"), text)]
    if status >= 500:
        db.session.rollback()
    return fhir_response(operation_outcome(issues), status, headers)


def handle_crash(error: Exception) -> Response:
    """Answer an unexpected failure as a 500 OperationOutcome (the traceback goes to the log)."""
    db.session.rollback()
    return fhir_response(operation_outcome([Issue("exception", MESSAGES[500])]), 500)
