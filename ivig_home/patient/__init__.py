"""The patient's checklist pages: start, steps, help now, check and send, PDF, embed.

One blueprint (`views.bp`, at /a/) holds every page; it is mounted a second time at /embed/
as `embed`, framable by the agency's own site and shown without the site header.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask
    from werkzeug.wrappers import Response


def home() -> Response:
    """Send visitors of / to the demo agency's start page."""
    from flask import redirect, url_for

    return redirect(url_for("patient.start", slug="demo"))


def init_app(app: Flask) -> None:
    """Register the patient checklist, its translations, its rate limits and the embed."""
    # Each module adds its routes to the blueprint as it is imported.
    from ivig_home import i18n
    from ivig_home.patient import (
        compression,
        embed,
        invitation_views,
        pdf_views,
        send_views,
        step_views,
        views,
    )

    del invitation_views, pdf_views, send_views, step_views
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    i18n.init_app(app)
    app.register_blueprint(views.bp)
    app.add_url_rule("/", "home", home)
    embed.init_app(app, views.bp)
    compression.init_app(app)
