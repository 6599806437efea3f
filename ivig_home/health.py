"""/healthz for load balancers: is this app server up, and can it reach its database?"""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ivig_home.db import db

log = logging.getLogger("ivig_home")


def healthz() -> tuple[Response, int]:
    """Answer 200 {"status": "ok"} when the database answers, else 503."""
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
    except SQLAlchemyError as error:
        db.session.rollback()
        log.warning("health check: database unreachable (%s)", type(error).__name__)
        return jsonify({"status": "unavailable", "database": "unreachable"}), 503
    return jsonify({"status": "ok"}), 200


def init_app(app: Flask) -> None:
    """Add /healthz, exempt from every rate limit (call after the limiter is set up)."""
    app.add_url_rule("/healthz", "healthz", healthz, methods=["GET"])
    for limiter in app.extensions.get("limiter", ()):
        limiter.exempt(healthz)
