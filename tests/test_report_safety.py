"""Answers are text, never markup, and the renderer loads nothing but the app's own files."""

from __future__ import annotations

import io
import logging
import re
import tempfile
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pikepdf
import pytest
from weasyprint import HTML

from ivig_home.report.fetcher import FetchRefused, SandboxFetcher
from ivig_home.report.render import NOT_XML, render_html
from tests.answers import clean
from tests.apps import QUICK_STOP
from tests.pdf_tools import context_for, render, text_of

PNG = bytes.fromhex(  # a 1x1 black PNG
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360606060000000050001a5f645400000000049454e44ae426082")


@pytest.fixture
def secret() -> Iterator[tuple[str, str]]:
    """Yield the file URL of a local file and the unique text inside it.

    The file's path has the same length in every run (pytest's numbered temporary folders
    grow a digit now and then): the hostile answers quoting it must stay within the
    answers' length limit.
    """
    token = f"SECRET-{uuid.uuid4().hex}"
    with tempfile.TemporaryDirectory(prefix="ivig-") as folder:
        path = Path(folder) / "secret.txt"
        path.write_text(token)
        yield path.as_uri(), token


@pytest.fixture
def canary() -> Iterator[tuple[str, list[str]]]:
    """Serve on a random local port and record every request made to it."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the http.server name)
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self.wfile.write(PNG)

        def log_message(self, *args: object) -> None:
            """Stay quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs=QUICK_STOP, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


def hostile_inputs(base: str, secret_url: str) -> list[str]:
    """Return markup that would fetch or embed something if it were ever treated as HTML."""
    return [
        '<img src="file:///etc/passwd">',
        f'<link rel="attachment" href="{secret_url}">',
        f'<img src="{secret_url}"><iframe src="{secret_url}"></iframe>',
        f'<img src="{base}/img.png"><link rel="stylesheet" href="{base}/style.css">',
        f"<style>@import url({base}/import.css); body {{ background: url({base}/bg.png) }}</style>",
        f'<svg xmlns="http://www.w3.org/2000/svg"><image href="{base}/svg.png"/></svg>',
        '<img src="data:image/png;base64,iVBORw0KGgo=">]]><!-- <![CDATA[ &amp; &lt;',
    ]


def squashed(text: str) -> str:
    """Return text without whitespace or hyphens, where a long value may wrap."""
    return re.sub(r"[\s-]+", "", text)


def uncompressed(pdf: bytes) -> bytes:
    """Return the PDF with every stream decoded, to search its full content."""
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(pdf)) as document:
        document.save(out, compress_streams=False,
                      stream_decode_level=pikepdf.StreamDecodeLevel.generalized,
                      object_stream_mode=pikepdf.ObjectStreamMode.disable)
    return out.getvalue()


def embedded_things(pdf: bytes) -> tuple[int, int]:
    """Return how many files are attached and how many distinct images the PDF holds."""
    with pikepdf.open(io.BytesIO(pdf)) as document:
        images = {image.objgen for page in document.pages
                  for image in page.get_images().values()}
        return len(document.attachments), len(images)


@pytest.mark.parametrize("where", ["patient_name", "notes_for_team", "medications"])
def test_hostile_answers_appear_as_text_and_fetch_nothing(
        where: str, canary: tuple[str, list[str]], secret: tuple[str, str],
        caplog: pytest.LogCaptureFixture) -> None:
    base, hits = canary
    for markup in hostile_inputs(base, secret[0]):
        with caplog.at_level(logging.DEBUG):
            pdf = render(clean(**{where: markup}))
        assert squashed(markup) in squashed(text_of(pdf))
        assert embedded_things(pdf) == (0, 0)
        assert secret[1].encode() not in uncompressed(pdf)
    assert hits == []
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert not [r for r in caplog.records if base in r.getMessage() or "secret" in r.getMessage()]


def test_hostile_agency_details_are_text_too(canary: tuple[str, list[str]]) -> None:
    base, hits = canary
    agency = {"name": f'<img src="{base}/name.png">', "phone": '<a href="file:///etc/passwd">x',
              "colour": f"red; background: url({base}/colour.png)", "logo": None}
    pdf = render(clean(), agency=agency)
    assert f'<img src="{base}/name.png">, phone <a href="file:///etc/passwd">x' in text_of(pdf)
    assert hits == [] and embedded_things(pdf) == (0, 0)
    assert 'style="border-bottom-color: #1d4f91"' in render_html(context_for(clean(),
                                                                            agency=agency))


@pytest.mark.parametrize("url", [
    "file:///etc/passwd", "FILE:///etc/hostname", "http://127.0.0.1:9/x", "https://example.org/",
    "ftp://127.0.0.1/x", "data:text/css,body{}", "data:image/png;base64,iVBORw0KGgo=",
    "ivig-static:../../pyproject.toml", "ivig-static:fonts/../../pyproject.toml",
    "ivig-static:/etc/passwd", "ivig-static:fonts/%2e%2e/OFL.txt", "ivig-static:fonts/OFL.txt",
    "ivig-static:fonts/missing.ttf", "ivig-static:fonts\\NotoSans-Regular.ttf",
    "ivig-logo:agency", "ivig-logo:../agency", "javascript:alert(1)", "relative/path.css",
])
def test_the_fetcher_refuses_everything_but_the_apps_fonts_styles_and_logo(url: str) -> None:
    with pytest.raises(FetchRefused):
        SandboxFetcher().fetch(url)


def test_the_fetcher_serves_the_apps_fonts_styles_and_the_given_logo() -> None:
    fetcher = SandboxFetcher(PNG, "image/png")
    font = fetcher.fetch("ivig-static:fonts/NotoSans-Regular.ttf")
    assert font.read()[:4] == b"\x00\x01\x00\x00" and font.content_type == "font/ttf"
    assert fetcher.fetch("ivig-static:css/pdf.css").content_type == "text/css"
    assert fetcher.fetch("ivig-logo:agency").read() == PNG


def test_markup_that_slipped_past_escaping_would_still_load_nothing(
        canary: tuple[str, list[str]], secret: tuple[str, str]) -> None:
    base, hits = canary
    body = "".join(hostile_inputs(base, secret[0]))
    html = f"<html lang='en'><body>{body}<p>text</p></body></html>"
    pdf = HTML(string=html, url_fetcher=SandboxFetcher()).write_pdf()
    assert pdf is not None
    assert hits == [] and embedded_things(pdf) == (0, 0)
    assert secret[1].encode() not in uncompressed(pdf)
    unguarded = HTML(string=html).write_pdf()  # the default fetcher, for contrast
    assert unguarded is not None and secret[1].encode() in uncompressed(unguarded)
    assert hits


def test_a_png_logo_is_drawn_with_the_agency_name_as_its_text() -> None:
    agency = {"name": "Harbour Home Infusion", "logo": PNG, "logo_type": "image/png"}
    pdf = render(clean(), agency=agency)
    assert embedded_things(pdf) == (0, 1)
    with pikepdf.open(io.BytesIO(pdf)) as document:
        figures = [element for element in _elements(document.Root.StructTreeRoot)
                   if element.get("/S") == "/Figure"]
        assert [str(figure.Alt) for figure in figures] == ["Harbour Home Infusion"]


@pytest.mark.parametrize("logo,logo_type", [(PNG, "image/jpeg"), (PNG, "text/html"),
                                            (b"", "image/png"), ("not bytes", "image/png")])
def test_a_logo_of_another_kind_is_left_out(logo: object, logo_type: str) -> None:
    pdf = render(clean(), agency={"name": "Harbour", "logo": logo, "logo_type": logo_type})
    assert embedded_things(pdf) == (0, 0)


def test_an_svg_logo_cannot_reach_files_or_the_network(canary: tuple[str, list[str]],
                                                       secret: tuple[str, str]) -> None:
    base, hits = canary
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
           'width="40" height="20"><rect width="40" height="20" fill="#0b6e4f"/>'
           f'<image href="{base}/svg.png" width="5" height="5"/>'
           f'<image xlink:href="{secret[0]}" width="5" height="5"/></svg>').encode()
    pdf = render(clean(), agency={"name": "Harbour", "logo": svg, "logo_type": "image/svg+xml"})
    assert hits == []
    assert embedded_things(pdf)[0] == 0
    assert secret[1].encode() not in uncompressed(pdf)


@pytest.mark.parametrize("markup,shown", [
    ("Zyx plain", "Zyx plain"), ("<b>Zyx bold</b>", "<b>Zyx bold</b>"),
    ("\x00\x07Zyx nul and bell\x0b", "Zyx nul and bell"),
    ("Zyx a &amp; b < c > d \"q\" 'a'", "Zyx a &amp; b < c > d \"q\" 'a'"),
    ("\ud800Zyx lone surrogate", "Zyx lone surrogate")])
def test_answers_with_markup_or_control_characters_print_as_their_text(
        markup: str, shown: str) -> None:
    pdf = render(clean(patient_name=markup, notes_for_team=markup))
    text = text_of(pdf)
    assert shown in text
    assert not NOT_XML.search(text)
    assert embedded_things(pdf) == (0, 0)


def _elements(element: pikepdf.Object) -> Iterator[pikepdf.Object]:
    """Yield every structure element below element."""
    kids = element.get("/K")
    for kid in (kids if isinstance(kids, pikepdf.Array) else [kids]):
        if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/StructElem":
            yield kid
            yield from _elements(kid)
