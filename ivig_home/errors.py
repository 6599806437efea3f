"""Every error answered plainly: a page written for patients, or JSON under /api/.

Also refuses, before any view or database lookup runs, input no field of ivig_home can
hold: a NUL character in the URL, the query or a form (PostgreSQL text cannot store it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, g, jsonify, render_template, request
from werkzeug.exceptions import BadRequest, HTTPException
from werkzeug.routing import BaseConverter, PathConverter

API_PREFIX = "/api/"
ERROR_PAGES = {
    400: "errors/400.html",
    404: "errors/404.html",
    405: "errors/405.html",
    413: "errors/413.html",
    429: "errors/429.html",
    500: "errors/500.html",
}
PLAIN_PAGE = ("<!doctype html><html lang=\"en\"><title>Sorry, something went wrong</title>"
              "<h1>Sorry, something went wrong</h1><p>The problem is on our side. The answers "
              "you saved before are kept. Please try again in a few minutes.</p></html>")
# What a program calling the API reads; people get the pages above instead.
API_MESSAGES = {
    400: "The request could not be read.",
    401: "Send a valid API token.",
    403: "This token may not do that.",
    404: "Not found.",
    405: "This method is not allowed here.",
    413: "The request body is larger than 1 MiB.",
    429: "Too many requests: wait a minute, then try again.",
    500: "Something went wrong on our side. Try again later.",
}
# Parts of the site with error pages of their own (the staff area): path prefix -> view.
AREA_PAGES: dict[str, Callable[[HTTPException], Any]] = {}
log = logging.getLogger("ivig_home")


class SegmentConverter(BaseConverter):
    """The default `<name>` URL part, refusing NUL and anything longer than any real id."""

    regex = r"[^/\x00]{1,200}"


class SafePathConverter(PathConverter):
    """`<path:name>` without NUL characters."""

    regex = r"[^/\x00][^\x00]*?"


def wants_json() -> bool:
    """Return whether this request is to the API, whose callers read JSON."""
    return request.path.startswith(API_PREFIX)


def json_error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """Return the API's JSON error body with this status."""
    response = jsonify({"error": {"status": status, "message": message}})
    response.status_code = status
    response.headers.update(headers or {})
    return response


def error_response(error: HTTPException) -> Any:
    """Answer an HTTP error: a patient page in the form's style, or JSON under /api/."""
    status = error.code or 500
    headers = {}
    if status == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(sorted(error.valid_methods))  # type: ignore[attr-defined]
    if status >= 500:
        _forget_failed_transaction()
    if wants_json():
        return json_error(status, API_MESSAGES.get(status, error.name), headers)
    for prefix, area_page in AREA_PAGES.items():
        if request.path.startswith(prefix):
            body, code = area_page(error)
            return body, code, headers
    page = ERROR_PAGES.get(status, ERROR_PAGES[400] if status < 500 else ERROR_PAGES[500])
    return draw(page, error, status), status, headers


def draw(page: str, error: HTTPException, status: int) -> str:
    """Render an error page; without the agency if it cannot be read (the database is gone)."""
    try:
        return render_template(page, error=error, status=status)
    except Exception as failure:  # the patient must get a page whatever else is broken
        log.warning("error page drawn without the agency: %s", type(failure).__name__)
        _forget_failed_transaction()
        g.agency = None
        try:
            return render_template(page, error=error, status=status)
        except Exception as second:  # not even the layout renders: plain words, no markup
            log.error("error page not drawn: %s", type(second).__name__)
            return PLAIN_PAGE


def _forget_failed_transaction() -> None:
    """Roll back a failed transaction so the error page can still read the agency."""
    from ivig_home.db import db

    try:
        db.session.rollback()
    except Exception as error:  # the page must be drawn whatever state the database is in
        log.warning("rollback before the error page failed: %s", type(error).__name__)


def refuse_nul() -> None:
    """Answer 400 when the query or a form carries a NUL character (no field can hold one)."""
    fields = list(request.args.items(multi=True))
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
            "application/x-www-form-urlencoded", "multipart/form-data"):
        fields += request.form.items(multi=True)
    if any("\x00" in key or "\x00" in value for key, value in fields):
        raise BadRequest()


def install_converters(app: Flask) -> None:
    """Make every URL variable refuse NUL; call before any route is added."""
    app.url_map.converters["default"] = SegmentConverter
    app.url_map.converters["string"] = SegmentConverter
    app.url_map.converters["path"] = SafePathConverter


def init_app(app: Flask) -> None:
    """Answer every HTTP error as a page or as JSON, and refuse NUL characters early."""
    app.register_error_handler(HTTPException, error_response)
    app.before_request(refuse_nul)
