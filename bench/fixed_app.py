"""The yardstick for bench/load.py: a minimal Flask app that returns one fixed page.

Served by gunicorn with the same gunicorn.conf.py as ivig_home; the page is about the size
of a checklist step (11.5 KB), so the two differ only in the work behind the page.
"""

from __future__ import annotations

from flask import Flask

PAGE_BYTES = 11_500
ROW = "<li>A fixed line of text, the same on every request.</li>\n"
PAGE = ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<title>Fixed page</title></head><body><h1>Fixed page</h1><ul>\n"
        + ROW * (PAGE_BYTES // len(ROW)) + "</ul></body></html>\n")

app = Flask(__name__)


@app.get("/")
def fixed_page() -> str:
    """Return the same page every time."""
    return PAGE
