"""Logos: an SVG keeps its shapes and loses everything active; a PNG keeps only its pixels."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from PIL import Image

from ivig_home.agencies import registry as agencies
from ivig_home.agencies.logo import MAX_BYTES, LogoRefused, clean_logo, clean_svg
from ivig_home.cli import cli
from ivig_home.models import Agency
from tests.images import png

SVG = ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
       'viewBox="0 0 120 40" width="120" height="40">{}</svg>')
SHAPES = ('<title>Harbour</title><defs><linearGradient id="sea"><stop offset="0" '
          'stop-color="#0b3d2e"/></linearGradient></defs>'
          '<rect width="120" height="40" fill="url(#sea)"/>'
          '<path d="M10 30 L30 10" stroke="#fff" stroke-width="3"/>'
          '<text x="40" y="26" font-size="16" fill="#fff">Harbour</text>')


def svg(inner: str) -> bytes:
    return SVG.format(inner).encode()


def test_a_plain_svg_logo_keeps_its_shapes_text_and_gradient() -> None:
    cleaned, kind = clean_logo(svg(SHAPES), "image/svg+xml")
    assert kind == "image/svg+xml"
    text = cleaned.decode()
    for part in ('<rect', 'fill="url(#sea)"', '<path d="M10 30 L30 10"', '>Harbour</text>',
                 '<linearGradient id="sea">', 'viewBox="0 0 120 40"', '<title>Harbour</title>'):
        assert part in text


@pytest.mark.parametrize("inner,gone", [
    ('<script>alert(1)</script>', "alert"),
    ('<rect width="1" height="1" onclick="alert(1)"/>', "onclick"),
    ('<g onload="alert(1)"><rect width="1" height="1"/></g>', "onload"),
    ('<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">hi</div></foreignObject>',
     "foreignObject"),
    ('<image href="https://tracker.example/p.png" width="1" height="1"/>', "tracker"),
    ('<use xlink:href="https://evil.example/x.svg#a"/>', "evil"),
    ('<use href="data:image/svg+xml;base64,PHN2Zz4="/>', "data:"),
    ('<a href="javascript:alert(1)"><rect width="1" height="1"/></a>', "javascript"),
    ('<rect width="1" height="1" fill="url(https://evil.example/x.svg#p)"/>', "evil"),
    ('<rect width="1" height="1" style="fill:url(https://evil.example/)"/>', "evil"),
    ('<style>@import url(https://evil.example/a.css);</style>', "evil"),
    ('<set attributeName="href" to="javascript:alert(1)"/>', "javascript"),
    ('<animate attributeName="href" values="javascript:alert(1)"/>', "javascript"),
    ('<iframe xmlns="http://www.w3.org/1999/xhtml" src="https://evil.example"/>', "evil"),
    ('<?xml-stylesheet href="https://evil.example/a.css"?><rect width="1" height="1"/>', "evil"),
    ('<!-- a comment naming https://evil.example --><rect width="1" height="1"/>', "evil"),
])
def test_active_or_external_parts_are_removed_from_an_svg(inner: str, gone: str) -> None:
    cleaned = clean_svg(svg(inner)).decode()
    assert gone not in cleaned
    assert cleaned.startswith("<svg")


@pytest.mark.parametrize("data,message", [
    (b'<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
     b'<svg xmlns="http://www.w3.org/2000/svg"><text>&b;</text></svg>', "DTD"),
    (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
     b'<svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>', "DTD"),
    (b'<html><body>hi</body></html>', "root must be <svg>"),
    (b'<svg><rect/></svg>', "root must be <svg>"),  # no SVG namespace: not an SVG image
    (b'<svg xmlns="http://www.w3.org/2000/svg"><rect>', "well-formed"),
    (b'GIF89a....', "PNG or an SVG"),
    (b'', "empty"),
    (b'\x89PNG\r\n\x1a\nbroken', "not a readable PNG"),
    (b'<svg xmlns="http://www.w3.org/2000/svg">' + b"<g/>" * 3000 + b"</svg>", "elements"),
])
def test_files_that_are_not_logos_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(LogoRefused, match=message):
        clean_logo(data)


def test_a_logo_over_the_size_limit_is_refused() -> None:
    with pytest.raises(LogoRefused, match="at most 256 KB"):
        clean_logo(svg("<g/>" * (MAX_BYTES // 4)))
    with pytest.raises(LogoRefused, match="at most 2000 pixels"):
        clean_logo(png((2400, 10)))


def test_a_png_logo_is_re_encoded_without_its_text_chunks() -> None:
    cleaned, kind = clean_logo(png(text="Ana Ruiz 1958-04-02"), "image/png")
    assert kind == "image/png" and b"Ana Ruiz" not in cleaned
    with Image.open(io.BytesIO(cleaned)) as image:
        assert image.size == (60, 20)
        assert image.convert("RGB").getpixel((5, 5)) == (0x0B, 0x3D, 0x2E)


@pytest.mark.parametrize("content,kind,suffix", [
    (png(), "image/png", "png"), (svg(SHAPES), "image/svg+xml", "svg")])
def test_the_logo_route_serves_the_cleaned_logo_with_its_type_and_nosniff(
        app: Flask, harbour: Agency, content: bytes, kind: str, suffix: str) -> None:
    agencies.set_logo(harbour, content)
    response = app.test_client().get("/a/harbour/logo")
    assert response.status_code == 200
    assert response.mimetype == kind
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"] == f'inline; filename="logo.{suffix}"'
    assert response.data == harbour.logo


def test_the_logo_route_is_404_without_a_logo(app: Flask, harbour: Agency) -> None:
    assert app.test_client().get("/a/harbour/logo").status_code == 404
    assert app.test_client().get("/a/nobody/logo").status_code == 404


def test_edit_agency_cleans_an_uploaded_svg_and_refuses_a_bad_file(
        app: Flask, runner: FlaskCliRunner, harbour: Agency, tmp_path: Path) -> None:
    good = tmp_path / "logo.svg"
    good.write_bytes(svg(SHAPES + '<script>alert(1)</script>'))
    result = runner.invoke(cli, ["edit-agency", "harbour", "--logo", str(good)])
    assert result.exit_code == 0 and "logo:            image/svg+xml" in result.output
    served = app.test_client().get("/a/harbour/logo").data
    assert b"<rect" in served and b"script" not in served
    bad = tmp_path / "logo.gif"
    bad.write_bytes(b"GIF89a....")
    result = runner.invoke(cli, ["edit-agency", "harbour", "--logo", str(bad)])
    assert result.exit_code == 2 and "PNG or an SVG" in result.output
    result = runner.invoke(cli, ["edit-agency", "harbour", "--remove-logo"])
    assert "logo:            none" in result.output
