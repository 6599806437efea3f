"""A webhook receiver on 127.0.0.1 for the tests: it answers, fails or hangs as told."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.apps import QUICK_STOP


@dataclass
class Received:
    """One request the receiver got."""

    path: str
    headers: Message  # looked up without regard to case, as HTTP wants
    body: bytes


@dataclass
class Receiver:
    """What the receiver does with the next requests, and what it got."""

    server: ThreadingHTTPServer
    statuses: list[int] = field(default_factory=list)  # answered in turn, then 200
    hang_seconds: float = 0.0
    received: list[Received] = field(default_factory=list)
    connections: int = 0
    release: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        """Return the URL webhooks should be sent to."""
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def wait_for(self, count: int, timeout: float = 10.0) -> None:
        """Wait until this many requests have arrived (or connections, when hanging)."""
        deadline = time.monotonic() + timeout
        while max(len(self.received), self.connections) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the receiver got {len(self.received)} of {count}")
            time.sleep(0.02)


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (the name http.server calls)
            receiver.connections += 1
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if receiver.hang_seconds:
                receiver.release.wait(receiver.hang_seconds)
            receiver.received.append(Received(self.path, self.headers, body))
            status = receiver.statuses.pop(0) if receiver.statuses else 200
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


def start_receiver() -> Receiver:
    """Start a receiver on a free port of 127.0.0.1."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    receiver = Receiver(server)
    server.RequestHandlerClass = _handler(receiver)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs=QUICK_STOP, daemon=True).start()
    return receiver


def stop_receiver(receiver: Receiver) -> None:
    """Let any hanging request go and stop the server."""
    receiver.release.set()
    receiver.server.shutdown()
    receiver.server.server_close()
