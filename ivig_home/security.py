"""Security headers on every response, from one place, and the redirect to HTTPS.

The headers are the same on every response but two: HSTS goes only over HTTPS, and the
embedded form names the origins that may frame it. They are written out once here, not
worked out again for each response.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import Flask, Response, current_app, g, redirect, request
from werkzeug.wrappers import Response as BaseResponse

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
# Features the pages never use, turned off. Only names browsers know: an unknown one (such as
# "bluetooth", which is not a Permissions-Policy feature) makes Chromium log an error on
# every page.
PERMISSIONS_POLICY = {
    feature: "()"
    for feature in ("accelerometer", "autoplay", "browsing-topics", "camera", "display-capture",
                    "geolocation", "gyroscope", "magnetometer", "microphone", "midi", "payment",
                    "usb", "serial", "hid")
}
CACHEABLE_ENDPOINTS = {"static"}
HSTS = "max-age=31556926"  # one year; this host only (no includeSubDomains)



def csp_header(frame_ancestors: str) -> str:
    """Return the Content-Security-Policy, with these origins allowed to frame the page."""
    policy = {**CONTENT_SECURITY_POLICY, "frame-ancestors": frame_ancestors}
    return "; ".join(f"{name} {value}" for name, value in policy.items())


HEADERS = (
    ("Permissions-Policy", ", ".join(f"{name}={value}"
                                     for name, value in PERMISSIONS_POLICY.items())),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    ("Content-Security-Policy", csp_header(CONTENT_SECURITY_POLICY["frame-ancestors"])),
    ("Referrer-Policy", "no-referrer"),
)


def allow_framing_by(origins: Iterable[str]) -> None:
    """Let this response be framed by these origins only (the embedded form calls this)."""
    g.frame_ancestors = " ".join(origins) or "'none'"


def over_https() -> bool:
    """Return whether the request came over HTTPS, to the app or to the proxy before it (which
    must set X-Forwarded-Proto itself, replacing any a client sent)."""
    return request.is_secure or request.headers.get("X-Forwarded-Proto", "http") == "https"


def _redirect_to_https() -> BaseResponse | None:
    """With FORCE_HTTPS, send a plain-HTTP request to the same address over HTTPS (302)."""
    if current_app.debug or over_https() or not request.url.startswith("http://"):
        return None
    return redirect(request.url.replace("http://", "https://", 1), 302)


def _set_headers(response: Response) -> Response:
    """Put the security headers on a response; no-store on all but static files; framing
    by the origins the embedded form allows (and no X-Frame-Options, which cannot name
    them)."""
    headers = response.headers
    for name, value in HEADERS:
        headers[name] = value
    if over_https():
        headers["Strict-Transport-Security"] = HSTS
    if request.endpoint not in CACHEABLE_ENDPOINTS:
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    ancestors = g.get("frame_ancestors")
    if ancestors:
        headers["Content-Security-Policy"] = csp_header(ancestors)
        headers.pop("X-Frame-Options", None)
    return response


def init_app(app: Flask) -> None:
    """Send the security headers on every response, and redirect to HTTPS when asked to.

    The session cookie is always HttpOnly; its Secure and SameSite settings are the
    configuration's (SESSION_COOKIE_SECURE, SESSION_COOKIE_SAMESITE).
    """
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    if app.config["FORCE_HTTPS"]:
        app.before_request(_redirect_to_https)
    app.after_request(_set_headers)
