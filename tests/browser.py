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
# One axe-core run with these options; only its violations (five nodes each) come back
# through the DevTools protocol: the passes and the rest would be most of what is sent.
AXE_RUN = """options => axe.run(document, {...options, resultTypes: ['violations']}).then(
  result => result.violations.map(violation => ({
    id: violation.id, help: violation.help,
    nodes: violation.nodes.slice(0, 5).map(node => node.target)})))"""
SCREENSHOTS = PROJECT / "out" / "screenshots"
# The check page's Send button: "my care team" for the patient, "their" for a caregiver.
SEND_BUTTON = re.compile(r"^Send to (my|their) care team$")


def axe_run(target: Any, *, tags: list[str] | None = None,
            rules: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Run axe-core in a page or frame (injected first if need be); return the violations.

    `tags` runs their rules plus the named `rules`; without tags only the named rules run.
    Evaluated through the DevTools protocol, so the page's strict CSP stays in force.
    """
    if not target.evaluate("typeof window.axe !== 'undefined'"):
        target.evaluate(AXE.read_text())
    enabled = {rule: {"enabled": True} for rule in rules}
    options: dict[str, Any] = (
        {"runOnly": {"type": "tag", "values": tags}, "rules": enabled} if tags
        else {"runOnly": {"type": "rule", "values": list(rules)}})
    violations: list[dict[str, Any]] = target.evaluate(AXE_RUN, options)
    return violations


@dataclass
class LiveServer:
    """The app served on a free port of 127.0.0.1."""

    app: Flask
    url: str


def sideways_scroll(page: Any) -> int:
    """Return how many CSS pixels the page scrolls sideways (0 when it fits its width)."""
    found: int = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth")
    return found


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
