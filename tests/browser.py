"""Chromium for the browser tests: where it is, how it starts, axe-core, the screenshots, and
the app served for it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import Flask

PROJECT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
AXE = PROJECT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SCREENSHOTS = PROJECT / "out" / "screenshots"


@dataclass
class LiveServer:
    """The app served on a free port of 127.0.0.1."""

    app: Flask
    url: str
