"""Render the care-team summary: HTML from the Jinja template, PDF from WeasyPrint.

Only WeasyPrint's documented API is used: `HTML`, `CSS`, `FontConfiguration`, a
`URLFetcher` subclass (fetcher.py) and `write_pdf`'s options. What keeps a render quick is
the summary's own lean markup and stylesheet, parsed once per thread.
"""

from __future__ import annotations

import atexit
import gc
import logging
import re
import threading
from collections.abc import Mapping
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from ivig_home.config import PROJECT_ROOT
from ivig_home.report.fetcher import SandboxFetcher, static_path

PAGE_SIZES = {"letter": "letter", "a4": "A4"}
DEFAULT_PAGE_SIZE = "Letter"
STYLESHEET = "css/pdf.css"
# Characters that never carry meaning in an answer (C0 controls but tab and line breaks,
# noncharacters, lone surrogates): dropped before the HTML is parsed.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
BETWEEN_TAGS = re.compile(r">\s+<")
# Added to pdf.css with the page size. WeasyPrint's default stylesheet makes a PDF outline
# (bookmarks) of the headings; the summary has never had one.
NO_OUTLINE = "h1, h2, h3 { bookmark-level: none; }"


class _NoAnswerText(logging.Filter):
    """Keep answers out of WeasyPrint's log: its missing-glyph warning quotes the character."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Reword the missing-glyph warning; let every other record through unchanged."""
        if str(record.msg).startswith(".notdef glyph"):
            record.msg = ".notdef glyph rendered for a character the bundled fonts do not cover"
            record.args = ()
        return True


logging.getLogger("weasyprint").addFilter(_NoAnswerText())

_templates = Environment(
    loader=FileSystemLoader(PROJECT_ROOT / "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_templates.filters["format_label"] = lambda label, **values: label % values
# A FontConfiguration must never be shared between threads (it has crashed when it was):
# each thread builds its own, with the stylesheet parsed against it, once.
_per_thread = threading.local()


@atexit.register
def _release_fonts() -> None:
    """Free the cached font configuration before interpreter teardown.

    Left to module teardown, its finaliser ran after the libraries it calls were gone and
    the process crashed on exit (seen with the database libraries loaded).
    """
    for name in ("styles", "fonts"):
        if hasattr(_per_thread, name):
            delattr(_per_thread, name)
    gc.collect()


def render_html(context: Mapping[str, Any]) -> str:
    """Return the summary as an HTML document (styles are applied by render_pdf)."""
    html = _templates.get_template("pdf/summary.html").render(**context)
    # Indentation between tags becomes boxes WeasyPrint must build and discard. Answers
    # never hold a raw "<" (autoescape), so only template markup matches.
    return BETWEEN_TAGS.sub("><", html)


def render_pdf(context: Mapping[str, Any], *, page_size: str | None = None) -> bytes:
    """Return the summary as a tagged PDF; the same context always gives the same bytes.

    Nothing in the file depends on the clock or on chance: its dates are the submission's
    (the HTML's dcterms metadata) and the PDF/UA-1 variant writes no file identifier
    (a test renders twice, in threads and in a fresh process, and compares the bytes).
    """
    fonts, stylesheet = _styles(_page_size(page_size))
    agency = context["agency"]
    fetcher = SandboxFetcher(agency.get("logo"), agency.get("logo_type"))
    document = HTML(string=NOT_XML.sub("", render_html(context)), url_fetcher=fetcher)
    pdf: bytes = document.write_pdf(stylesheets=[stylesheet], font_config=fonts,
                                    pdf_variant="pdf/ua-1")
    return pdf


def _page_size(requested: str | None) -> str:
    """Return the CSS page size: the argument, else the app's PDF_PAGE_SIZE, else Letter."""
    if requested is None:
        from flask import current_app, has_app_context

        requested = (current_app.config.get("PDF_PAGE_SIZE") if has_app_context() else None)
    size = PAGE_SIZES.get(str(requested or DEFAULT_PAGE_SIZE).strip().lower())
    if size is None:
        raise ValueError(f"PDF page size must be Letter or A4, not {requested!r}")
    return size


def _styles(page_size: str) -> tuple[FontConfiguration, CSS]:
    """Return this thread's font configuration and parsed stylesheet for a page size."""
    cache: dict[str, CSS] | None = getattr(_per_thread, "styles", None)
    if cache is None:
        cache = _per_thread.styles = {}
        _per_thread.fonts = FontConfiguration()
    if page_size not in cache:
        # One sheet with the page size appended: every sheet is matched against every element.
        css = (static_path(STYLESHEET).read_text("utf-8")
               + f"\n{NO_OUTLINE}\n@page {{ size: {page_size}; }}\n")
        cache[page_size] = CSS(string=css, font_config=_per_thread.fonts,
                               url_fetcher=SandboxFetcher())
    fonts: FontConfiguration = _per_thread.fonts
    return fonts, cache[page_size]
