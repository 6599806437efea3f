"""The app factory and the Flask subclass."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask, Response

from ivig_home import (
    config,
    errors,
    health,
    limits,
    logs,
    patient,
    security,
    serving,
    staff,
    static_files,
    timezones,
)
from ivig_home.api import views as api
from ivig_home.config import PROJECT_ROOT
from ivig_home.db import db, migrate
from ivig_home.webhooks import outbox as webhooks


class IvigHome(Flask):
    """The Flask app, with error logging that never writes a request path."""

    def log_exception(self, exc_info: Any) -> None:
        logs.log_exception(self, exc_info)

    def full_dispatch_request(self) -> Response:
        """Handle a request, running it again if the database connection is lost under it."""
        # The id comes first: the agency is loaded before any before_request function runs,
        # and a warning about its lost connection must name the request.
        logs.start_request()
        return serving.dispatch_through_restarts(super().full_dispatch_request)

    def dispose_connections(self) -> None:
        """Give this process connections of its own (gunicorn calls it after forking)."""
        serving.dispose_connections(self)


def check_configured_zone(app: Flask) -> None:
    """Refuse to start with a TIME_ZONE (IVIG_HOME_TIME_ZONE) that is not a known zone."""
    try:
        app.config["TIME_ZONE"] = timezones.check_time_zone(str(app.config["TIME_ZONE"]))
    except timezones.TimeZoneRefused as error:
        raise RuntimeError(f"TIME_ZONE (IVIG_HOME_TIME_ZONE): {error}") from None


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create the app: defaults, then instance/config.py, then IVIG_HOME_* env, then tests."""
    app = IvigHome(
        __name__,
        instance_path=os.environ.get("IVIG_HOME_INSTANCE_PATH") or str(PROJECT_ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.from_mapping(config.DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("IVIG_HOME")
    if test_config:
        app.config.from_mapping(test_config)
    check_configured_zone(app)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config.instance_secret(app.instance_path)
    app.config.setdefault("SQLALCHEMY_DATABASE_URI", config.database_url(app.instance_path))
    static_files.init_app(app)
    serving.init_app(app)
    logs.init_app(app)
    security.init_app(app)
    errors.install_converters(app)
    errors.init_app(app)
    db.init_app(app)
    serving.watch_for_closed_connections(app)
    serving.release_sessions_safely(app)
    migrate.init_app(app, db)
    patient.init_app(app)
    limits.init_app(app)
    staff.init_app(app)
    api.init_app(app)
    webhooks.init_app(app)
    health.init_app(app)
    app.context_processor(lambda: {"product_name": app.config["PRODUCT_NAME"]})
    return app
