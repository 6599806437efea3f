"""Render the care-team summary: HTML from the Jinja template, PDF from WeasyPrint."""

from __future__ import annotations

import atexit
import gc
import logging
import re
import threading
import zlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from xml.etree import ElementTree

import cssselect2
import pydyf
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from weasyprint import CSS, HTML, URLFetcher
from weasyprint.text.fonts import FontConfiguration

from ivig_home.config import PROJECT_ROOT
from ivig_home.report import speedups
from ivig_home.report.fetcher import SandboxFetcher, static_path

PAGE_SIZES = {"letter": "letter", "a4": "A4"}
DEFAULT_PAGE_SIZE = "Letter"
STYLESHEET = "css/pdf.css"
# Characters XML 1.0 forbids; they never carry meaning in an answer, so they are dropped.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
BETWEEN_TAGS = re.compile(r">\s+<")
LOG = logging.getLogger(__name__)



class _NoAnswerText(logging.Filter):
    """Keep answers out of WeasyPrint's log: its missing-glyph warning quotes the character."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Reword the missing-glyph warning; let every other record through unchanged."""
        if str(record.msg).startswith(".notdef glyph"):
            record.msg = ".notdef glyph rendered for a character the bundled fonts do not cover"
            record.args = ()
        return True


logging.getLogger("weasyprint").addFilter(_NoAnswerText())
# Same output, less work: text, glyphs and computed styles reused across renders.
speedups.install()

_templates = Environment(
    loader=FileSystemLoader(PROJECT_ROOT / "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
# A FontConfiguration must never be shared between threads (it has crashed when it was):
# each thread builds its own, with the stylesheets parsed against it, once.
_per_thread = threading.local()


@atexit.register
def _release_fonts() -> None:
    """Free the cached font configuration before interpreter teardown.

    Left to module teardown, its finaliser ran after the libraries it calls were gone and
    the process crashed on exit (seen with the database libraries loaded).
    """
    speedups.release()
    for name in ("styles", "fonts"):
        if hasattr(_per_thread, name):
            delattr(_per_thread, name)
    gc.collect()


def render_html(context: Mapping[str, Any]) -> str:
    """Return the summary as an HTML document (styles are applied by render_pdf)."""
    html = _templates.get_template("pdf/summary.html").render(**context)
    # Indentation between tags becomes boxes WeasyPrint must build and discard (~10% of a
    # render). Answers never hold a raw "<" (autoescape), so only template markup matches.
    return BETWEEN_TAGS.sub("><", html)


def render_pdf(context: Mapping[str, Any], *, page_size: str | None = None) -> bytes:
    """Return the summary as a tagged PDF; the same context always gives the same bytes."""
    fonts, stylesheets = _styles(_page_size(page_size))
    agency = context["agency"]
    fetcher = SandboxFetcher(agency.get("logo"), agency.get("logo_type"))
    with _collection_paused():
        document = _parse(render_html(context), fetcher)
        # No /ID: it is optional outside PDF/A, and computing it serialises the file twice.
        # Nothing else in the output depends on the clock or on chance (a test renders twice).
        try:
            pdf: bytes = document.write_pdf(stylesheets=stylesheets, font_config=fonts,
                                            pdf_variant="pdf/ua-1", finisher=_compress_streams)
        finally:
            speedups.release_context()
    return pdf


# Renders under way, and whether automatic collection was on when the first of them began.
_paused = {"renders": 0, "resume": False}
_paused_lock = threading.Lock()


@contextmanager
def _collection_paused() -> Iterator[None]:
    """Pause the garbage collector's automatic collections while summaries render.

    A render allocates tens of thousands of objects, nearly all freed by reference counting
    when it ends; the collector still walked them again and again during the render (~5 %
    of its time). Paused, one young-generation collection after the render finds the few
    hundred objects in reference cycles a render still leaves (the layout context's cycle
    is broken once the file is written, see speedups.release_context), in ~0.2 ms.
    Renders may run in several threads at once: the collector resumes when the last of
    them ends, and only if it was on before the first.
    """
    with _paused_lock:
        if _paused["renders"] == 0:
            _paused["resume"] = gc.isenabled()
            gc.disable()
        _paused["renders"] += 1
    try:
        yield
    finally:
        with _paused_lock:
            _paused["renders"] -= 1
            resume = _paused["renders"] == 0 and _paused["resume"]
            if resume:
                gc.enable()
        if resume:
            gc.collect(0)  # here, in the render's thread, not in the next request's


def _compress_streams(_document: object, pdf: pydyf.PDF) -> None:
    """Deflate every stream of the summary at zlib's default level.

    pydyf deflates every stream at level 9, which took ~6% of a render for files 1-2%
    smaller than level 6 gives. Streams are compressed here first and handed back marked
    as already filtered. The object stream (the tags' ~500 dictionaries) and the
    cross-reference stream are built by pydyf as it writes the file: it is told to
    deflate them at the default level too (the object stream took 1.5-4.5 ms at level 9,
    0.5-1 ms at level 6, for 3 % more of it).
    """
    for stream in pdf.objects:
        if isinstance(stream, pydyf.Stream) and stream.compress and "Filter" not in stream.extra:
            content = _stream_bytes(stream.stream)
            if content is not None:
                stream.stream = [zlib.compress(content)]
                stream.extra["Filter"] = "/FlateDecode"
                stream.compress = False
    # A class of its own rather than a write bound to this pdf in its attributes, which
    # would be a reference cycle holding every object of the file until a collection.
    if type(pdf) is pydyf.PDF:  # (a WeasyPrint with a PDF class of its own keeps its write)
        pdf.__class__ = _PDFAtDefaultLevel


class _DeflateLevel(int):
    """A stream's compress flag that also says at which zlib level to deflate it."""


DEFAULT_LEVEL = _DeflateLevel(6)  # zlib's default, as zlib.compress above
_pydyf_stream_data = pydyf.Stream.data


class _PDFAtDefaultLevel(pydyf.PDF):
    """A pydyf PDF whose object and cross-reference streams are deflated at DEFAULT_LEVEL."""

    def write(self, output: Any, version: bytes = b"1.7", identifier: Any = False,
              compress: bool = False) -> None:
        """pydyf's PDF.write; it gives the streams it builds the compress flag it is given."""
        super().write(output, version, identifier, DEFAULT_LEVEL if compress else compress)


def _stream_data(stream: pydyf.Stream) -> bytes:
    """pydyf's Stream.data, deflating at the level a _DeflateLevel flag names (else 9)."""
    level = stream.compress
    if type(level) is not _DeflateLevel:
        data: bytes = _pydyf_stream_data.fget(stream)
        return data
    content = zlib.compress(b"\n".join(pydyf._to_bytes(item) for item in stream.stream), level)
    extra = pydyf.Dictionary(stream.extra.copy())
    extra["Filter"] = "/FlateDecode"
    extra["Length"] = len(content)
    return b"\n".join((extra.data, b"stream", content, b"endstream"))


pydyf.Stream.data = property(_stream_data)


def _stream_bytes(parts: list[object]) -> bytes | None:
    """Return a stream's content as pydyf writes it, or None for a part of another kind."""
    chunks = []
    for part in parts:
        if isinstance(part, bytes):
            chunks.append(part)
        elif isinstance(part, str):
            chunks.append(part.encode("ascii"))
        elif isinstance(part, pydyf.Object):
            chunks.append(part.data)
        else:
            return None
    return b"\n".join(chunks)


class _ParsedHTML(HTML):
    """A WeasyPrint document from a tree parsed by the C XML parser.

    WeasyPrint's own HTML parser is pure Python and took ~16 ms of each summary; the
    summary template is well-formed XHTML (a test holds it to that), so expat parses it in
    well under a millisecond into the same tree.
    """

    def __init__(self, root: ElementTree.Element, url_fetcher: URLFetcher) -> None:
        self.base_url = None
        self.url_fetcher = url_fetcher
        self.media_type = "print"
        self.wrapper_element = cssselect2.ElementWrapper.from_html_root(root)
        self.etree_element = self.wrapper_element.etree_element

    def _ua_stylesheets(self, forms: bool = False) -> list[CSS]:
        """Use no default stylesheet: pdf.css restates the few HTML defaults it needs."""
        return []


def _parse(html: str, fetcher: URLFetcher) -> HTML:
    """Return the WeasyPrint document for the summary HTML."""
    html = NOT_XML.sub("", html)
    try:
        # Safe with expat: the markup and its DOCTYPE are the template's own; answers are
        # escaped text, so no entity declaration or external reference can come from them.
        return _ParsedHTML(ElementTree.fromstring(html), fetcher)  # noqa: S314  # nosec B314
    except ElementTree.ParseError:
        LOG.warning("summary HTML is not well-formed XML; using the slower HTML parser")
        return HTML(string=html, url_fetcher=fetcher)


def _page_size(requested: str | None) -> str:
    """Return the CSS page size: the argument, else the app's PDF_PAGE_SIZE, else Letter."""
    if requested is None:
        from flask import current_app, has_app_context

        requested = (current_app.config.get("PDF_PAGE_SIZE") if has_app_context() else None)
    size = PAGE_SIZES.get(str(requested or DEFAULT_PAGE_SIZE).strip().lower())
    if size is None:
        raise ValueError(f"PDF page size must be Letter or A4, not {requested!r}")
    return size


def _styles(page_size: str) -> tuple[FontConfiguration, list[CSS]]:
    """Return this thread's font configuration and parsed stylesheet for a page size."""
    cache: dict[str, tuple[FontConfiguration, list[CSS]]] | None = getattr(
        _per_thread, "styles", None)
    if cache is None:
        cache = _per_thread.styles = {}
        _per_thread.fonts = FontConfiguration()
        speedups.reuse_for(_per_thread.fonts)
    if page_size not in cache:
        # One sheet with the page size appended: every sheet is matched against every element.
        css = static_path(STYLESHEET).read_text("utf-8") + f"\n@page {{ size: {page_size}; }}\n"
        sheet = CSS(string=css, font_config=_per_thread.fonts, url_fetcher=SandboxFetcher())
        speedups.memoize_matching(sheet)
        cache[page_size] = (_per_thread.fonts, [sheet])
    return cache[page_size]

