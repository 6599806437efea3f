"""Agency logos: a PNG re-encoded, or an SVG rebuilt from an allow-list of harmless parts.

An SVG is a document, not a picture: it can carry scripts, event handlers, links to other
sites and embedded HTML. Only shapes, text, gradients and clip paths survive, every link
must point inside the file, and nothing is kept that a browser or the PDF renderer would
fetch from elsewhere.
"""

from __future__ import annotations

import io
import re
from xml.etree import ElementTree

from defusedxml import ElementTree as SafeElementTree
from defusedxml.common import DefusedXmlException
from PIL import Image, UnidentifiedImageError

PNG = "image/png"
SVG = "image/svg+xml"
MAX_BYTES = 256 * 1024
MAX_PIXELS_SIDE = 2000
MAX_SVG_ELEMENTS = 2000
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

ELEMENTS = {
    "svg", "g", "defs", "title", "desc", "path", "rect", "circle", "ellipse", "line",
    "polyline", "polygon", "text", "tspan", "linearGradient", "radialGradient", "stop",
    "clipPath", "use", "symbol",
}
ATTRIBUTES = {
    "id", "class", "d", "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry", "fx",
    "fy", "width", "height", "viewBox", "preserveAspectRatio", "points", "transform",
    "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-opacity",
    "stroke-linecap", "stroke-linejoin", "stroke-miterlimit", "stroke-dasharray",
    "stroke-dashoffset", "opacity", "clip-path", "clip-rule", "font-family", "font-size",
    "font-weight", "font-style", "text-anchor", "dominant-baseline", "letter-spacing",
    "offset", "stop-color", "stop-opacity", "gradientUnits", "gradientTransform",
    "spreadMethod", "clipPathUnits", "version", "role", "aria-label", "aria-hidden",
    "focusable", "dx", "dy", "href",
}
# A value may name a colour, a length or a shape, and refer only to an id in the same file.
REFERENCE = re.compile(r"url\(\s*([^)]*)\)", re.IGNORECASE)
LOCAL_REFERENCE = re.compile(r"""['"]?#[A-Za-z][\w.-]*['"]?""")
FORBIDDEN_IN_VALUE = re.compile(r"javascript:|data:|expression\(|@import|[<>\\]", re.IGNORECASE)


class LogoRefused(ValueError):
    """The uploaded file is not a logo ivig_home will show; the message says why."""


def clean_logo(data: bytes, declared_type: str | None = None) -> tuple[bytes, str]:
    """Return a safe copy of a PNG or SVG logo and its content type, or raise LogoRefused."""
    if not data:
        raise LogoRefused("The logo file is empty.")
    if len(data) > MAX_BYTES:
        raise LogoRefused(f"The logo must be at most {MAX_BYTES // 1024} KB.")
    if data.startswith(PNG_SIGNATURE):
        return clean_png(data), PNG
    if declared_type in (SVG, "image/svg") or data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<":
        return clean_svg(data), SVG
    raise LogoRefused("The logo must be a PNG or an SVG file.")


def clean_png(data: bytes) -> bytes:
    """Return the PNG re-encoded, so only its pixels are kept (no text chunks or extras)."""
    try:
        with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
            if max(image.size) > MAX_PIXELS_SIDE:
                raise LogoRefused(f"The logo must be at most {MAX_PIXELS_SIDE} pixels wide "
                                  "and high.")
            image.load()
            pixels = image.convert("RGBA")
    except LogoRefused:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError,
            ValueError):
        raise LogoRefused("The logo is not a readable PNG file.") from None
    out = io.BytesIO()
    pixels.save(out, format="PNG", optimize=True)
    return out.getvalue()


def clean_svg(data: bytes) -> bytes:
    """Return the SVG with only allowed elements and attributes, or raise LogoRefused."""
    try:
        root = SafeElementTree.fromstring(data)
    except (DefusedXmlException, ElementTree.ParseError, ValueError):
        raise LogoRefused("The logo is not a well-formed SVG file (or it uses entities "
                          "or a DTD, which are not allowed).") from None
    if _local_name(root.tag) != "svg" or _namespace(root.tag) != SVG_NS:
        raise LogoRefused("The logo is not an SVG file: its root must be <svg>.")
    if sum(1 for _ in root.iter()) > MAX_SVG_ELEMENTS:
        raise LogoRefused(f"The SVG logo has more than {MAX_SVG_ELEMENTS} elements.")
    _clean_element(root)
    ElementTree.register_namespace("", SVG_NS)
    ElementTree.register_namespace("xlink", XLINK_NS)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=False)


def _clean_element(element: ElementTree.Element) -> None:
    for child in list(element):
        if not isinstance(child.tag, str) or _namespace(child.tag) != SVG_NS \
                or _local_name(child.tag) not in ELEMENTS:
            element.remove(child)
        else:
            _clean_element(child)
    for name, value in list(element.attrib.items()):
        if not _attribute_allowed(name, value):
            del element.attrib[name]


def _attribute_allowed(name: str, value: str) -> bool:
    namespace = _namespace(name)
    local = _local_name(name)
    if namespace not in ("", XLINK_NS) or (namespace == XLINK_NS and local != "href"):
        return False
    if local not in ATTRIBUTES or FORBIDDEN_IN_VALUE.search(value):
        return False
    if local == "href":
        return bool(LOCAL_REFERENCE.fullmatch(value.strip()))
    return all(LOCAL_REFERENCE.fullmatch(ref.strip()) for ref in REFERENCE.findall(value))


def _namespace(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def _local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]
