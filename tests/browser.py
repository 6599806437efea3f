"""Chromium for the browser tests: where it is, how it starts, axe-core, the screenshots, and
the app served for it."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.serving import make_server

from tests.apps import QUICK_STOP

PROJECT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
AXE = PROJECT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SCREENSHOTS = PROJECT / "out" / "screenshots"
# The check page's Send button: "my care team" for the patient, "their" for a caregiver.
SEND_BUTTON = re.compile(r"^Send to (my|their) care team$")


@dataclass
class LiveServer:
    """The app served on a free port of 127.0.0.1."""

    app: Flask
    url: str


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """Serve an app on a free port of 127.0.0.1, in threads; yield its address."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs=QUICK_STOP, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
