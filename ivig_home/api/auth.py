"""The API's bearer tokens, its audit entries and its JSON errors (never an HTML page)."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException, InternalServerError

from ivig_home import errors
from ivig_home.agencies.api_tokens import token_holder
from ivig_home.audit.log import audit_entry
from ivig_home.db import db, utcnow
from ivig_home.models import Agency, ApiToken, Submission

API_PREFIX = "/api/"
# The router's own 404 and 405 under /api/ (there is no catch-all route), in the API's words.
ROUTING_MESSAGES = {404: "No such API endpoint; see /api/v1/openapi.json.",
                    405: "This method is not allowed here; the Allow header names those that "
                         "are."}
log = logging.getLogger("ivig_home")


class ApiError(HTTPException):
    """An API error with a message for the developer calling it."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(description=message)
        self.code = code


def json_error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """Return a JSON error body with this status."""
    response = jsonify({"error": {"status": status, "message": message}})
    response.status_code = status
    response.headers.update(headers or {})
    return response


def bearer_token() -> str | None:
    """Return the token of an `Authorization: Bearer ...` header, if there is one."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def authenticate() -> None:
    """Find the agency of the presented token, or answer 401."""
    token = bearer_token()
    holder = token_holder(token) if token else None
    if holder is None:
        raise ApiError(401, "Send a valid API token: 'Authorization: Bearer ivig_...'. "
                            "An administrator makes one with 'ivig-home create-token SLUG'.")
    g.api_token = holder
    g.api_agency = db.session.get(Agency, holder.agency_id)


def api_agency() -> Agency:
    """Return the agency whose token made this request."""
    agency: Agency = g.api_agency
    return agency


def record(action: str, submission: Submission | None = None, detail: str | None = None) -> None:
    """Audit-log this API request and note when the token was last used."""
    token: ApiToken = g.api_token
    audit_entry(action, submission=submission, actor=f"api-token:{token.prefix}",
                address=request.remote_addr, agency_id=token.agency_id, detail=detail)
    token.last_used_at = utcnow()
    db.session.commit()


def error_headers(error: HTTPException, status: int) -> dict[str, str]:
    """Return the headers an API error carries: the bearer challenge of a 401 and the
    methods a 405's path answers."""
    headers: dict[str, str] = {}
    if status == 401:
        # RFC 6750 section 3.1: the error code only when a bearer token was sent.
        challenge = 'Bearer realm="ivig_home"'
        headers["WWW-Authenticate"] = (f'{challenge}, error="invalid_token"'
                                       if bearer_token() else challenge)
    if status == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(sorted(error.valid_methods))  # type: ignore[attr-defined]
    return headers


def handle_error(error: HTTPException) -> Response:
    """Answer an HTTP error under /api/ as JSON."""
    status = error.code or 500
    headers = error_headers(error, status)
    if isinstance(error, ApiError):
        message = error.description
    else:
        message = ROUTING_MESSAGES.get(status, error.name)
    return json_error(status, message or "Error", headers)


def handle_crash(error: InternalServerError) -> Response:
    """Answer an unexpected failure as a JSON 500 (the traceback goes to the log only)."""
    return json_error(500, "Something went wrong on our side. Try again later.")


def routing_error(error: HTTPException) -> Any:
    """Answer the router's 404 or 405: as JSON under /api/, else the site's own page."""
    if request.path.startswith(API_PREFIX):
        return handle_error(error)
    return errors.error_response(error)


def init_app(app: Flask) -> None:
    """Answer routing errors under /api/ as JSON; every other page gets the site's own."""
    app.register_error_handler(404, routing_error)
    app.register_error_handler(405, routing_error)
