"""Embedding: embed.js for host pages, the agency logo, and who may frame the embedded form.

Only /embed/... pages may be framed, and only by the agency's allowed origins (CSP
frame-ancestors); every other page keeps `frame-ancestors 'none'`. The framed pages learn
the host page's origin from `?host=`, carried on every link and form inside the frame, and
post their few events only to it, and only when it is one of the allowed origins.

An /embed/... page opened in a tab of its own (a kept link, "open in new tab") would have no
agency header and no footer, so the browser is sent to the same page on the site, /a/...
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    g,
    redirect,
    request,
    send_from_directory,
    url_for,
)
from werkzeug.wrappers import Response as BaseResponse

from ivig_home import security
from ivig_home.agencies import registry
from ivig_home.config import PROJECT_ROOT
from ivig_home.models import Agency
from ivig_home.patient.views import EMBEDDED

SCRIPTS = PROJECT_ROOT / "static" / "js"
LOGO_NAMES = {"image/png": "logo.png", "image/svg+xml": "logo.svg"}

assets = Blueprint("embed_assets", __name__)


@assets.get("/embed.js")
def script() -> Response:
    """Serve the snippet's script, the one file a host page loads."""
    response = send_from_directory(SCRIPTS, "embed.js", mimetype="text/javascript",
                                   max_age=300)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@assets.get("/a/<slug>/logo")
def logo(slug: str) -> Response:
    """Serve the agency's cleaned logo with its exact type, never sniffed."""
    agency = registry.get_agency(slug)
    if agency is None or not agency.logo or agency.logo_type not in LOGO_NAMES:
        abort(404)
    return Response(agency.logo, mimetype=agency.logo_type, headers={
        "X-Content-Type-Options": "nosniff",
        "Content-Disposition": f'inline; filename="{LOGO_NAMES[agency.logo_type]}"',
        "Cache-Control": "public, max-age=300"})


def host_origin(agency: Agency) -> str | None:
    """Return the `?host=` origin when it is one the agency allows, else None."""
    given = request.args.get("host", "")
    return given if given in (agency.allowed_origins or []) else None


def frame_for(agency: Agency) -> None:
    """Let this embedded page be framed by the agency's allowed origins only."""
    security.allow_framing_by(agency.allowed_origins or [])
    g.embed_host = host_origin(agency)


def keep_host(endpoint: str, values: dict[str, Any]) -> None:
    """Carry the validated host origin on every link and form inside the frame."""
    if not endpoint.startswith(f"{EMBEDDED}."):
        return
    if g.get("embed_host") and "host" not in values:
        values["host"] = g.embed_host


def opened_on_its_own() -> bool:
    """Return whether the browser says this page is being opened as a whole tab or window,
    not in a frame (`Sec-Fetch-Dest: document`; browsers that do not say keep the page)."""
    return request.method == "GET" and request.headers.get("Sec-Fetch-Dest") == "document"


def _frame_embedded_page() -> BaseResponse | None:
    if request.blueprint != EMBEDDED:
        return None
    if opened_on_its_own() and request.endpoint and g.get("agency_slug"):
        # The same page on the site, with the agency's header and footer; `host` only
        # matters inside a frame (and url_for's own `_` options are never taken from a URL).
        values = {key: value for key, value in request.args.items()
                  if key != "host" and not key.startswith("_")}
        values.update(request.view_args or {}, slug=g.agency_slug)
        view = request.endpoint.split(".", 1)[1]
        return redirect(url_for(f"patient.{view}", **values), 303)
    if g.get("agency") is not None:
        frame_for(g.agency)
    return None


def _embed_context() -> dict[str, Any]:
    if request.blueprint != EMBEDDED:
        return {}
    return {"embed_host": g.get("embed_host")}


def init_app(app: Flask, patient_pages: Blueprint) -> None:
    """Mount the patient form again at /embed/<slug>/, framable; serve embed.js and logos."""
    app.register_blueprint(patient_pages, name=EMBEDDED, url_prefix="/embed")
    app.before_request(_frame_embedded_page)
    app.url_defaults(keep_host)
    app.context_processor(_embed_context)
    security.CACHEABLE_ENDPOINTS.update({"embed_assets.script", "embed_assets.logo"})
    app.register_blueprint(assets)
