"""POST a webhook with short timeouts, and the background thread that sends them after requests."""

from __future__ import annotations

import http.client
import logging
import os
import socket
import ssl
import threading
from collections.abc import Callable

from flask import Flask, current_app, g

from ivig_home.db import db
from ivig_home.webhooks import hosts as webhook_hosts
from ivig_home.webhooks.hosts import Target

DEFAULT_TIMEOUT_SECONDS = 5.0
DEFAULT_POLL_SECONDS = 30.0
EXTENSION = "ivig_home.webhooks.outbox"
log = logging.getLogger("ivig_home")


def timeout() -> float:
    """Return the seconds to wait for a webhook endpoint to connect and to answer."""
    return float(current_app.config.get("WEBHOOK_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS))


def _connection(target: Target, address: str, wait: float) -> http.client.HTTPConnection:
    """Return a connection to one checked address that still names the host.

    The Host header (and for https the SNI name and the certificate check) use the host
    name; the socket goes to the address that was checked, with no second lookup.
    """
    connection: http.client.HTTPConnection
    if target.scheme == "https":
        connection = http.client.HTTPSConnection(target.host, target.port, timeout=wait,
                                                 context=ssl.create_default_context())
    else:
        connection = http.client.HTTPConnection(target.host, target.port, timeout=wait)

    def pinned(_address: tuple[str, int], limit: float | None = None,
               source: tuple[str, int] | None = None) -> socket.socket:
        return socket.create_connection((address, target.port), limit, source)

    connection._create_connection = pinned  # type: ignore[attr-defined]
    return connection


def _open(target: Target, addresses: list[str], wait: float) -> http.client.HTTPConnection:
    """Connect to the first checked address that answers; raise the last error if none does."""
    error: OSError | None = None
    for address in addresses:
        connection = _connection(target, address, wait)
        try:
            connection.connect()
        except OSError as failed:
            connection.close()
            error = failed
            continue
        return connection
    raise error or OSError("no address")


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str | None]:
    """POST the body; return the HTTP status and None on a 2xx, else a short error.

    The host is resolved and checked first (webhook_hosts), and a redirect is never
    followed: the notice goes to the configured URL only.
    """
    try:
        target, addresses = webhook_hosts.addresses_to_send(url)
    except webhook_hosts.HostRefused as refused:
        return None, f"refused: {refused}"
    try:
        connection = _open(target, addresses, timeout())
        try:
            connection.request("POST", target.path, body=body, headers={
                "Content-Type": "application/json", "User-Agent": "ivig_home-webhooks/1",
                **headers})
            response = connection.getresponse()
            status = int(response.status)
        finally:
            connection.close()
    except (OSError, http.client.HTTPException, ValueError) as error:
        return None, type(error).__name__[:200]
    return status, None if 200 <= status < 300 else f"HTTP {status}"


class Courier:
    """A daemon thread that sends due webhooks when nudged, and every poll interval."""

    def __init__(self, app: Flask, job: Callable[[], object], poll: float) -> None:
        self.app, self.job, self.poll = app, job, poll
        self.wake = threading.Event()
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.pid: int | None = None
        self.stopping = False

    def ensure_running(self) -> None:
        """Start the thread in this process if it is not running (a fork leaves it behind)."""
        with self.lock:
            if self.thread is not None and self.thread.is_alive() and self.pid == os.getpid():
                return
            self.pid, self.stopping = os.getpid(), False
            self.thread = threading.Thread(target=self._run, name="ivig-webhooks", daemon=True)
            self.thread.start()

    def nudge(self) -> None:
        """Ask the thread to send what is due now."""
        self.ensure_running()
        self.wake.set()

    def stop(self, wait: float = 10.0) -> None:
        """Stop the thread after its current delivery."""
        self.stopping = True
        self.wake.set()
        if self.thread is not None:
            self.thread.join(wait)

    def _run(self) -> None:
        while not self.stopping:
            self.wake.wait(self.poll)
            self.wake.clear()
            if self.stopping:
                break
            with self.app.app_context():
                try:
                    self.job()
                except Exception as error:  # the thread must outlive a bad round
                    log.error("webhook round failed: %s", type(error).__name__)
                finally:
                    db.session.remove()


def start_background(app: Flask, job: Callable[[], object]) -> Courier:
    """Send webhooks from a thread, woken after each request that queued one."""
    poll = float(app.config.get("WEBHOOKS_POLL_SECONDS", DEFAULT_POLL_SECONDS))
    courier = Courier(app, job, poll)
    app.extensions[EXTENSION] = courier

    @app.teardown_request
    def _nudge(_error: BaseException | None) -> None:
        # The submission is committed by now; this only wakes the thread, it never waits.
        if g.pop("webhooks_waiting", False):
            courier.nudge()

    app.before_request(courier.ensure_running)
    return courier
