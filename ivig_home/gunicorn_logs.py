"""gunicorn's own log lines as JSON, like the app's, with request lines and headers withheld.

gunicorn quotes the request line (path and query: draft ids, resume codes) when a request
is malformed or fails outside the app, and may quote a header (a bearer token). Those
details are dropped here; the app logs every request it handles by its route pattern.
"""

from __future__ import annotations

import logging
from typing import Any

from gunicorn import glogging

from ivig_home.logs import JsonFormatter

# gunicorn messages that quote the request, and what is logged instead.
REQUEST_QUOTING = {
    "Invalid request from": "invalid request refused (its line and headers are withheld)",
    "Error handling request": "error handling a request (its line is withheld)",
}


class WithholdRequestDetails(logging.Filter):
    """Replace gunicorn messages that quote a request line or header with a plain one."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record when its message quotes the request; always keep it."""
        message = str(record.msg)
        for start, replacement in REQUEST_QUOTING.items():
            if message.startswith(start):
                record.msg, record.args = replacement, ()
        return True


class GunicornLogger(glogging.Logger):  # type: ignore[misc]
    """gunicorn's logger with JSON lines and no request details (set as `logger_class`)."""

    def setup(self, cfg: Any) -> None:
        """Set gunicorn's handlers up, then give them the app's JSON format and the filter."""
        super().setup(cfg)
        if not any(isinstance(f, WithholdRequestDetails) for f in self.error_log.filters):
            self.error_log.addFilter(WithholdRequestDetails())
        for handler in self.error_log.handlers:
            handler.setFormatter(JsonFormatter())
