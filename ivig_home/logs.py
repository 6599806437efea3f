"""Structured logs: one JSON line per request, tracebacks for errors, never patient data.

Only the route pattern is logged (`/a/<slug>/d/<draft_id>/<step>`), never the path or query,
because paths carry draft ids and resume codes. A traceback keeps its frames and exception
types but not the exception messages, which can quote an answer or a value from the database;
only errors about reaching the database or the network keep theirs.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import traceback
import uuid
from typing import Any

import psycopg
import sqlalchemy.exc
from flask import Flask, Response, g, request

REQUEST_ID = re.compile(r"^[A-Za-z0-9-]{8,64}$")
# A URL path in a server's message ("GET /a/demo/resume?code=... HTTP/1.1"), not a URL's.
URL_PATH = re.compile(r"(?<![\w:/])/[^\s'\"]*")
LOGGER = "ivig_home"
# Errors whose message describes the system (a refused connection), never a value.
MESSAGE_KEPT = (psycopg.OperationalError, sqlalchemy.exc.OperationalError,
                sqlalchemy.exc.TimeoutError, ConnectionError, TimeoutError)


def withheld_traceback(error: BaseException) -> str:
    """Format a traceback, with the message of each error withheld unless it is a system's."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        name = f"{type(current).__module__}.{type(current).__qualname__}"
        message = str(current) if isinstance(current, MESSAGE_KEPT) else "(message withheld)"
        frames = "".join(traceback.format_tb(current.__traceback__))
        parts.insert(0, f"Traceback (most recent call last):\n{frames}{name}: {message}")
        current = current.__cause__ or current.__context__
    return "\n\nwhich led to:\n\n".join(parts)


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info and record.exc_info[1] is not None:
            entry["traceback"] = withheld_traceback(record.exc_info[1])
        return json.dumps(entry, ensure_ascii=False)


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg,unused-ignore]
    """Write to whatever sys.stderr is at the time (so test capture and redirects work)."""

    ivig_home = True

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


class WithholdPaths(logging.Filter):
    """Replace URL paths in a server's log messages (Werkzeug's request lines) with a mark."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the message's arguments; always keep the record."""
        if isinstance(record.args, tuple):
            record.args = tuple(URL_PATH.sub("(path withheld)", arg) if isinstance(arg, str)
                                else arg for arg in record.args)
        return True


def configure(level: str = "INFO") -> logging.Logger:
    """Send ivig_home's logs to stderr as JSON lines; keep path-logging loggers quiet."""
    logger = logging.getLogger(LOGGER)
    if not any(getattr(h, "ivig_home", False) for h in logger.handlers):
        handler = StderrHandler()
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
    # The development server's access log prints full paths (draft ids): keep it quiet,
    # and if someone turns it up, it still shows no path.
    werkzeug = logging.getLogger("werkzeug")
    werkzeug.setLevel(logging.WARNING)
    if not any(isinstance(f, WithholdPaths) for f in werkzeug.filters):
        werkzeug.addFilter(WithholdPaths())
    return logger


def start_request() -> None:
    """Give the request its id and start time, once (a request run again keeps both)."""
    if "request_id" in g:
        return
    g.request_started = time.perf_counter()
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if REQUEST_ID.match(incoming) else uuid.uuid4().hex


def _finish(response: Response) -> Response:
    started = g.get("request_started", time.perf_counter())
    rule = request.url_rule.rule if request.url_rule else "(no route)"
    logging.getLogger(LOGGER).info("request", extra={"fields": {
        "method": request.method,
        "route": rule,
        "status": response.status_code,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        "request_id": g.get("request_id"),
    }})
    response.headers["X-Request-ID"] = g.get("request_id", "")
    return response


def log_exception(app: Flask, exc_info: Any) -> None:
    """Log an unhandled error with its traceback, naming the route but never the path."""
    rule = request.url_rule.rule if request.url_rule else "(no route)"
    app.logger.error("unhandled error", exc_info=exc_info, extra={"fields": {
        "method": request.method, "route": rule, "request_id": g.get("request_id")}})


def init_app(app: Flask) -> None:
    """Log one line per request and route Flask's error log through the same formatter."""
    logger = configure(app.config.get("LOG_LEVEL", "INFO"))
    app.logger.handlers = logger.handlers
    app.logger.propagate = False
    app.before_request(start_request)
    app.after_request(_finish)
