"""Security headers on every response, from one place (Flask-Talisman plus two small rules)."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Flask, Response, g, request
from flask_talisman import Talisman

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "font-src": "'self'",
    "connect-src": "'self'",
    "form-action": "'self'",
    "base-uri": "'none'",
    "object-src": "'none'",
    "frame-ancestors": "'none'",
}
PERMISSIONS_POLICY = {
    feature: "()"
    for feature in ("accelerometer", "autoplay", "browsing-topics", "camera", "display-capture",
                    "geolocation", "gyroscope", "magnetometer", "microphone", "midi", "payment",
                    "usb", "serial", "bluetooth", "hid")
}
CACHEABLE_ENDPOINTS = {"static"}


def allow_framing_by(origins: Iterable[str]) -> None:
    """Let this response be framed by these origins only (the embedded form calls this)."""
    g.frame_ancestors = " ".join(origins) or "'none'"


def _finish_headers(response: Response) -> Response:
    """Apply per-response rules Talisman has no setting for: no-store and embed framing."""
    if request.endpoint not in CACHEABLE_ENDPOINTS:
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
    ancestors = g.get("frame_ancestors")
    if ancestors:
        policy = response.headers.get("Content-Security-Policy", "")
        parts = [p for p in policy.split("; ") if p and not p.startswith("frame-ancestors")]
        response.headers["Content-Security-Policy"] = "; ".join(
            [*parts, f"frame-ancestors {ancestors}"])
        response.headers.pop("X-Frame-Options", None)
    return response


def init_app(app: Flask) -> None:
    """Send the security headers on every response."""
    # Registered before Talisman so that it runs after Talisman's own after_request hook.
    app.after_request(_finish_headers)
    Talisman(
        app,
        force_https=app.config["FORCE_HTTPS"],
        frame_options="DENY",
        content_security_policy=CONTENT_SECURITY_POLICY,
        referrer_policy="no-referrer",
        permissions_policy=PERMISSIONS_POLICY,
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_samesite=app.config["SESSION_COOKIE_SAMESITE"],
        strict_transport_security=True,
        strict_transport_security_include_subdomains=False,
    )
