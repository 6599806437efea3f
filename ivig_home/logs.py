"""Structured logs: one JSON line per request, tracebacks for errors, never patient data.

Only the route pattern is logged (`/a/<slug>/d/<draft_id>/<step>`), never the path or query,
because paths carry draft ids and resume codes.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from typing import Any

from flask import Flask, Response, g, request

REQUEST_ID = re.compile(r"^[A-Za-z0-9-]{8,64}$")
LOGGER = "ivig_home"


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
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
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


def configure(level: str = "INFO") -> logging.Logger:
    """Send ivig_home's logs to stderr as JSON lines; keep path-logging loggers quiet."""
    logger = logging.getLogger(LOGGER)
    if not any(getattr(h, "ivig_home", False) for h in logger.handlers):
        handler = StderrHandler()
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
    # The development server's access log prints full paths (draft ids): keep it quiet.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    return logger


def _start() -> None:
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
    app.before_request(_start)
    app.after_request(_finish)
