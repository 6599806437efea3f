"""POST a webhook with short timeouts, and the background thread that sends them after requests."""

from __future__ import annotations

import http.client
import logging
import os
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, g

from .db import db

DEFAULT_TIMEOUT_SECONDS = 5.0
DEFAULT_POLL_SECONDS = 30.0
EXTENSION = "ivig_home.webhooks"
log = logging.getLogger("ivig_home")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Treat a redirect as a failed delivery: the notice goes to the configured URL only."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


OPENER = urllib.request.build_opener(_NoRedirects)


def timeout() -> float:
    """Return the seconds to wait for a webhook endpoint to connect and to answer."""
    return float(current_app.config.get("WEBHOOK_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS))


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str | None]:
    """POST the body; return the HTTP status and None on a 2xx, else a short error."""
    request = urllib.request.Request(  # noqa: S310 (the URL was checked to be http or https)
        url, data=body, method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "ivig_home-webhooks/1",
                 **headers})
    try:
        with OPENER.open(request, timeout=timeout()) as response:
            status = int(response.status)
    except urllib.error.HTTPError as error:
        return error.code, f"HTTP {error.code}"
    except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as error:
        reason = getattr(error, "reason", error)
        return None, type(reason).__name__[:200]
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
