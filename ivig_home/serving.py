"""Serving ivig_home on several app servers: behind a proxy, and through database restarts.

A PostgreSQL restart drops every connection. A pooled connection the server has closed is
replaced before use (`DATABASE_CLOSED_CHECK`: the server's goodbye, or the end of the
connection, is waiting on its socket, which is seen without a round trip to the
database); a request whose connection dies under it (or that finds the server still
starting) is run again after a short wait, so the patient sees a slower page instead of an
error. Every view may run twice: each write is idempotent (a step saves the same answers,
a draft is submitted once, a PDF is issued once).
"""

from __future__ import annotations

import logging
import select
import time
from collections.abc import Callable
from typing import Any

import psycopg
from flask import Flask, Response, g, request
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, DisconnectionError
from werkzeug.middleware.proxy_fix import ProxyFix

from ivig_home.db import db

# About 8 seconds in all: a PostgreSQL restart takes one to three seconds here.
RETRY_DELAYS = (0.1, 0.25, 0.5, 1.0, 2.0, 4.0)
POSTGRES_CONNECT_TIMEOUT = 5  # seconds; less than a load balancer's health-check timeout
REDIS_TIMEOUTS = {"socket_connect_timeout": 1, "socket_timeout": 1}
log = logging.getLogger("ivig_home")


def lost_connection(error: DBAPIError) -> bool:
    """Return whether the error says the database went away, not that the query was wrong."""
    return bool(error.connection_invalidated) or isinstance(error.orig, psycopg.OperationalError)


def dispatch_through_restarts(dispatch: Callable[[], Response]) -> Response:
    """Run a request, running it again while the database connection is being re-made."""
    # URL value preprocessors consume the view arguments (the agency slug): keep a copy.
    view_args = dict(request.view_args or {})
    for attempt, delay in enumerate((*RETRY_DELAYS, None), start=1):
        request.view_args = dict(view_args)
        try:
            return dispatch()
        except DBAPIError as error:
            if delay is None or not lost_connection(error):
                raise
            db.session.rollback()
            log.warning("database connection lost; running the request again", extra={
                "fields": {"attempt": attempt, "error": type(error.orig).__name__,
                           "request_id": g.get("request_id")}})
            time.sleep(delay)
    raise AssertionError("unreachable")  # the last attempt returns or raises


def release_session(error: BaseException | None = None) -> None:
    """End the request's session; a connection that died meanwhile is dropped, not an error."""
    try:
        db.session.remove()
    except DBAPIError as failure:
        # The response is already made: a read-only transaction whose connection was
        # terminated after the last query must not turn it into a server error.
        if not lost_connection(failure):
            raise
        db.session().invalidate()
        db.session.remove()


def engine_options(url: str, options: dict[str, Any]) -> dict[str, Any]:
    """Return the engine options with a connect timeout added for PostgreSQL."""
    if not url.startswith("postgresql"):
        return options
    connect_args = {"connect_timeout": POSTGRES_CONNECT_TIMEOUT,
                    **options.get("connect_args", {})}
    return {**options, "connect_args": connect_args}


def dispose_connections(app: Flask) -> None:
    """Drop pooled connections inherited from a parent process, leaving them open for it."""
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)


NEW_CONNECTION = "ivig_home.new"  # set on a pooled connection's record until first taken


def mark_new(_dbapi_connection: Any, record: Any) -> None:
    """Mark a connection the pool has just made: it is not checked when first taken."""
    record.info[NEW_CONNECTION] = True


def closed_by_server(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """Refuse a pooled PostgreSQL connection the server has closed (the pool makes a new one).

    An idle connection receives nothing unless the server is ending it: a restart or
    `pg_terminate_backend` sends a last error message and closes the socket, so anything
    readable on an idle connection's socket means it is gone. Checking takes a system call,
    not a round trip to the database as `pool_pre_ping` does on every checkout. A connection
    the pool has just made is taken unchecked, as `pool_pre_ping` takes it unpinged: the pool
    tries only twice before giving up with an error that is not a lost connection, and a
    connection ended as soon as it was made must fail its query instead. A connection the
    server ends after this check fails its query, and the request is run again
    (`dispatch_through_restarts`).
    """
    if record.info.pop(NEW_CONNECTION, False):
        return
    if dbapi_connection.closed or dbapi_connection.broken:
        raise DisconnectionError("the connection is closed")
    watcher = select.poll()
    watcher.register(dbapi_connection.fileno(), select.POLLIN | select.POLLPRI)
    if watcher.poll(0):
        raise DisconnectionError("the server closed the connection")


def watch_for_closed_connections(app: Flask) -> None:
    """Check each pooled PostgreSQL connection as it is taken (call after db.init_app).

    On by default (`DATABASE_CLOSED_CHECK`); `pool_pre_ping` in SQLALCHEMY_ENGINE_OPTIONS
    can be turned on as well, at one more round trip per request.
    """
    if not app.config.get("DATABASE_CLOSED_CHECK", True):
        return
    with app.app_context():
        for engine in db.engines.values():
            if engine.dialect.name == "postgresql":
                event.listen(engine.pool, "connect", mark_new)
                event.listen(engine.pool, "checkout", closed_by_server)


def release_sessions_safely(app: Flask) -> None:
    """End each request's session before Flask-SQLAlchemy does (call after db.init_app)."""
    # Teardown functions run last-registered first, so this runs before the extension's.
    app.teardown_appcontext(release_session)


def init_app(app: Flask) -> None:
    """Trust PROXY_FIX proxies for the client address and scheme; tune the engine."""
    proxies = int(app.config.get("PROXY_FIX") or 0)
    if proxies:
        # The Host header is not taken from X-Forwarded-Host: the proxy passes Host through.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies)
    if str(app.config.get("RATELIMIT_STORAGE_URI", "")).startswith(("redis://", "rediss://")):
        # Without timeouts an unreachable Redis would hold a worker until gunicorn kills it.
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", REDIS_TIMEOUTS)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(
        app.config["SQLALCHEMY_DATABASE_URI"], dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"]))
