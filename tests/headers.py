"""The security headers every response carries, checked the same way wherever a test looks."""

from __future__ import annotations

from werkzeug.test import TestResponse


def assert_security_headers(response: TestResponse, where: str, framed_by: str = "") -> None:
    """Check the headers every response must carry (framed_by: the embedded form's origin)."""
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    assert "default-src 'self'" in csp, where
    assert "script-src 'self'" in csp and "style-src 'self'" in csp, where
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, where
    if framed_by:
        assert f"frame-ancestors {framed_by}" in csp and "X-Frame-Options" not in headers, where
    else:
        assert "frame-ancestors 'none'" in csp, where
        assert headers.get("X-Frame-Options") == "DENY", where
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("Referrer-Policy") == "no-referrer", where
    assert "camera=()" in headers.get("Permissions-Policy", ""), where
    assert "geolocation=()" in headers.get("Permissions-Policy", ""), where
