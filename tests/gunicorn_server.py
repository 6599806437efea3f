"""Run ivig_home under gunicorn with the repository's gunicorn.conf.py, on a free local port."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"


def free_port() -> int:
    """Return a TCP port nobody listens on at the moment."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class GunicornServer:
    """ivig_home (or another app) under gunicorn; stop() returns everything it printed."""

    def __init__(self, env: dict[str, str], workers: int = 2,
                 app: str = "ivig_home.wsgi:app") -> None:
        self.port = free_port()
        self.expected_workers = workers
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = PROJECT / "out" / f"gunicorn-{self.port}.log"
        self.log.parent.mkdir(exist_ok=True)
        environment = {**os.environ, **env, "IVIG_HOME_BIND": f"127.0.0.1:{self.port}",
                       "WEB_CONCURRENCY": str(workers)}
        with self.log.open("wb") as output:
            self.process = subprocess.Popen(
                [str(GUNICORN), "-c", str(PROJECT / "gunicorn.conf.py"), app],
                cwd=PROJECT, env=environment, stdout=output, stderr=subprocess.STDOUT)
        self.wait_until_up()

    def wait_until_up(self, timeout: float = 60) -> None:
        """Wait until the server answers and all its workers are running, or fail with what
        gunicorn printed (on a busy machine the last worker may start after the first
        answers)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log.read_text()}")
            try:
                urllib.request.urlopen(self.url + "/healthz", timeout=5).close()  # noqa: S310
            except (OSError, urllib.error.URLError):
                time.sleep(0.2)
                continue
            if len(self.workers()) >= self.expected_workers:
                return
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer:\n{self.log.read_text()}")

    def workers(self) -> list[int]:
        """Return the process ids of the running workers."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def stop(self) -> str:
        """Stop gunicorn gracefully and return its whole output."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        text = self.log.read_text(errors="replace")
        self.log.unlink(missing_ok=True)
        return text

    def __enter__(self) -> GunicornServer:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


class HttpPatient:
    """A patient filling in the checklist over HTTP, as a browser without JavaScript would."""

    def __init__(self, base_url: str, slug: str = "demo") -> None:
        self.base = base_url
        self.slug = slug
        self.draft_id = ""

    def request(self, method: str, path: str,
                form: dict[str, Any] | None = None) -> tuple[int, dict[str, str], bytes]:
        """Send one request (redirects are not followed); return status, headers, body."""
        from urllib.parse import urlencode, urlsplit

        parts = urlsplit(self.base)
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        body = urlencode(form, doseq=True).encode() if form is not None else None
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        result = response.status, dict(response.getheaders()), response.read()
        connection.close()
        return result

    def page(self, name: str) -> str:
        """Return the path of one of this draft's pages."""
        return f"/a/{self.slug}/d/{self.draft_id}/{name}"

    def start(self) -> None:
        """Press Start now."""
        from tests.patient.client import DRAFT, token_in

        _, _, body = self.request("GET", f"/a/{self.slug}/")
        status, headers, _ = self.request("POST", f"/a/{self.slug}/",
                                          {"csrf_token": token_in(body.decode())})
        assert status == 303, status
        found = DRAFT.search(headers["Location"])
        assert found
        self.draft_id = found.group(1)

    def send_all(self, answers: dict[str, Any]) -> str:
        """Answer every step, pass any help-now page, send; return the reference shown."""
        from tests.patient.client import SECTIONS, section_form, token_in

        for section_id in SECTIONS:
            _, _, body = self.request("GET", self.page(section_id))
            form = {**section_form(section_id, answers), "csrf_token": token_in(body.decode()),
                    "action": "submit" if section_id == "confirm" else "continue"}
            status, headers, _ = self.request("POST", self.page(section_id), form)
            assert status == 303, (section_id, status)
        status, _, body = self.request("GET", self.page("sent"))
        assert status == 200
        found = re.search(r'<strong class="reference">([^<]+)</strong>', body.decode())
        assert found, "no reference on the confirmation page"
        return found.group(1)
