"""Security headers and structured request logs, on every response."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from flask import Flask

from ivig_home import create_app, security


@pytest.fixture()
def probe_app(tmp_path: Path) -> Flask:
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "SESSION_COOKIE_SECURE": False})
    app.instance_path = str(tmp_path)

    @app.route("/probe/<token>")
    def probe(token: str) -> str:
        return "ok"

    @app.route("/framed")
    def framed() -> str:
        security.allow_framing_by(["https://agency.example"])
        return "framed"

    @app.route("/boom/<token>")
    def boom(token: str) -> str:
        raise RuntimeError("boom")

    return app


def test_every_response_carries_the_security_headers(probe_app: Flask) -> None:
    for path in ("/probe/abc", "/no-such-page"):
        response = probe_app.test_client().get(path)
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert "camera=()" in response.headers["Permissions-Policy"]
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Cache-Control"] == "no-store"
        assert "Strict-Transport-Security" not in response.headers


def test_the_headers_are_exactly_these(probe_app: Flask) -> None:
    response = probe_app.test_client().get("/probe/abc")
    assert response.headers["Content-Security-Policy"] == (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
        "object-src 'none'; frame-ancestors 'none'")
    assert response.headers["Permissions-Policy"] == (
        "accelerometer=(), autoplay=(), browsing-topics=(), camera=(), display-capture=(), "
        "geolocation=(), gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), "
        "usb=(), serial=(), hid=()")  # no "bluetooth": no browser knows it, Chromium logs an error
    assert response.headers["Pragma"] == "no-cache"
    assert all(len(response.headers.getlist(name)) == 1 for name, _ in security.HEADERS)


@pytest.mark.parametrize("request_args", [
    {"base_url": "https://localhost"},
    {"headers": {"X-Forwarded-Proto": "https"}},  # HTTPS ended at the proxy
], ids=["https", "forwarded-https"])
def test_hsts_is_sent_over_https(probe_app: Flask, request_args: dict[str, object]) -> None:
    response = probe_app.test_client().get("/probe/abc", **request_args)  # type: ignore[arg-type]
    assert response.headers["Strict-Transport-Security"] == "max-age=31556926"


def forcing_https(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Flask:
    monkeypatch.setenv("IVIG_HOME_INSTANCE_PATH", str(tmp_path))
    return create_app({"TESTING": True, "SECRET_KEY": "test", "FORCE_HTTPS": True,
                       "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_force_https_redirects_plain_http_to_the_same_address(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    client = forcing_https(tmp_path, monkeypatch).test_client()
    response = client.get("/healthz?probe=1")
    assert response.status_code == 302
    assert response.headers["Location"] == "https://localhost/healthz?probe=1"
    assert response.headers["X-Frame-Options"] == "DENY"  # a redirect has the headers too
    assert "Strict-Transport-Security" not in response.headers


@pytest.mark.parametrize("request_args", [
    {"base_url": "https://localhost"},
    {"headers": {"X-Forwarded-Proto": "https"}},
], ids=["https", "forwarded-https"])
def test_force_https_serves_https_and_what_the_proxy_says_was_https(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request_args: dict[str, object]) -> None:
    client = forcing_https(tmp_path, monkeypatch).test_client()
    response = client.get("/healthz", **request_args)  # type: ignore[arg-type]
    assert response.status_code == 200
    assert response.headers["Strict-Transport-Security"] == "max-age=31556926"


def test_without_force_https_plain_http_is_served(probe_app: Flask) -> None:
    assert probe_app.test_client().get("/probe/abc").status_code == 200


def test_the_session_cookie_is_http_only_even_if_configured_otherwise(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IVIG_HOME_INSTANCE_PATH", str(tmp_path))
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "SESSION_COOKIE_HTTPONLY": False,
                      "SQLALCHEMY_DATABASE_URI": "sqlite://"})

    @app.route("/remember")
    def remember() -> str:
        from flask import session

        session["seen"] = 1
        return "ok"

    cookie = app.test_client().get("/remember", base_url="https://localhost").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie


def test_framing_is_allowed_only_for_the_named_origins(probe_app: Flask) -> None:
    response = probe_app.test_client().get("/framed")
    csp = response.headers["Content-Security-Policy"]
    assert csp.count("frame-ancestors") == 1
    assert "frame-ancestors https://agency.example" in csp
    assert "X-Frame-Options" not in response.headers


def test_static_files_may_be_cached(probe_app: Flask) -> None:
    static = Path(probe_app.static_folder or "")
    name = next(p.relative_to(static).as_posix() for p in static.rglob("*") if p.is_file())
    response = probe_app.test_client().get(f"/static/{name}")
    assert response.status_code == 200
    assert response.headers.get("Cache-Control") != "no-store"


def test_each_request_logs_one_line_with_the_route_not_the_path(
        probe_app: Flask, capsys: pytest.CaptureFixture[str]) -> None:
    probe_app.test_client().get("/probe/SECRET-TOKEN-123?name=Ana",
                               headers={"X-Request-ID": "abcd1234"})
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]
    requests = [line for line in lines if line["message"] == "request"]
    assert len(requests) == 1
    assert requests[0]["route"] == "/probe/<token>" and requests[0]["status"] == 200
    assert requests[0]["request_id"] == "abcd1234" and requests[0]["duration_ms"] >= 0
    assert "SECRET-TOKEN-123" not in json.dumps(lines) and "Ana" not in json.dumps(lines)


def test_errors_log_a_traceback_without_the_path(
        probe_app: Flask, capsys: pytest.CaptureFixture[str]) -> None:
    probe_app.config["PROPAGATE_EXCEPTIONS"] = False
    response = probe_app.test_client().get("/boom/SECRET-TOKEN-456")
    assert response.status_code == 500
    err = capsys.readouterr().err
    # The traceback names the error and where it happened; its message may quote patient
    # data, so it is withheld.
    assert "builtins.RuntimeError: (message withheld)" in err and "in boom" in err
    assert "SECRET-TOKEN-456" not in err
    logging.getLogger("ivig_home").handlers[0].flush()
