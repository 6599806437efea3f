"""Render care-team summaries and read them back as a reader would: text, pages and fonts."""

from __future__ import annotations

import io
import re
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

import pikepdf
from fontTools.ttLib import TTFont

from ivig_home.checklist import assess
from ivig_home.report import build_context, render_pdf
from tests.answers import example

EXAMPLE_NAMES = ("nothing-to-flag", "clinical-risk-factors", "emergency")
COMPLETED_AT = datetime(2026, 11, 21, 9, 14, tzinfo=UTC)
AGENCY = {"name": "Harbour Home Infusion", "phone": "555-0142", "colour": "#0b6e4f",
          "logo": None, "logo_type": None}
EMERGENCY_SHOWN = {"emergency": "2026-11-21T09:02:00+00:00", "urgent": None}


def context_for(document: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """Return the summary context for an answers document, as a submission would give it."""
    arguments: dict[str, Any] = {"reference": "HKT-4829", "completed_at": COMPLETED_AT,
                                 "agency": AGENCY}
    arguments.update(overrides)
    return build_context(assess(document), **arguments)


def render(document: dict[str, Any], page_size: str | None = None, **overrides: Any) -> bytes:
    """Return the summary PDF for an answers document."""
    return render_pdf(context_for(document, **overrides), page_size=page_size)


@cache
def example_pdf(name: str) -> bytes:
    """Return the PDF of an example (emergency with its message shown), rendered once."""
    shown = EMERGENCY_SHOWN if name == "emergency" else None
    return render(example(name), messages_shown=shown)


def text_of(pdf: bytes, first: int | None = None, last: int | None = None) -> str:
    """Return the PDF's text in reading (drawing) order, whitespace collapsed to single spaces."""
    pages = [*(["-f", str(first)] if first else []), *(["-l", str(last)] if last else [])]
    result = subprocess.run(["pdftotext", "-raw", *pages, "-", "-"], input=pdf,
                            capture_output=True, check=True, timeout=60)
    return re.sub(r"\s+", " ", result.stdout.decode("utf-8")).strip()


def loose(text: str) -> str:
    """Return text without hyphens, so a word broken after its hyphen still matches."""
    return re.sub(r"-\s*", "", text)


def page_count(pdf: bytes) -> int:
    """Return the number of pages."""
    with pikepdf.open(io.BytesIO(pdf)) as document:
        return len(document.pages)


@dataclass(frozen=True)
class EmbeddedFont:
    """A font as the PDF carries it: its name, its font program and its Unicode map."""

    name: str
    program: bytes | None
    to_unicode: str


def fonts_of(pdf: bytes) -> list[EmbeddedFont]:
    """Return every font used on any page of the PDF."""
    found = {}
    with pikepdf.open(io.BytesIO(pdf)) as document:
        for page in document.pages:
            for font in page.obj.get("/Resources", {}).get("/Font", {}).values():
                descriptor = font.DescendantFonts[0].FontDescriptor
                program = descriptor.get("/FontFile2") or descriptor.get("/FontFile3")
                found[font.objgen] = EmbeddedFont(
                    name=str(font.BaseFont).split("+", 1)[-1],
                    program=program.read_bytes() if program is not None else None,
                    to_unicode=font.ToUnicode.read_bytes().decode("latin-1"))
    return list(found.values())


def drawn_characters(pdf: bytes) -> dict[str, set[str]]:
    """Return, per embedded font name, the characters it draws with a real glyph outline.

    A character Pango could not find in any font would be drawn with a glyph id the font
    does not have (.notdef); such glyphs are left out here.
    """
    drawn: dict[str, set[str]] = {}
    for font in fonts_of(pdf):
        assert font.program is not None, f"{font.name} is not embedded"
        program = TTFont(io.BytesIO(font.program))
        glyphs = program.getGlyphOrder()
        outlines = program["glyf"]
        characters = drawn.setdefault(font.name, set())
        for gid, text in re.findall(r"<([0-9a-f]{4})> <([0-9a-f]+)>", font.to_unicode):
            glyph = int(gid, 16)
            if 0 < glyph < len(glyphs) and outlines[glyphs[glyph]].numberOfContours:
                characters.update(bytes.fromhex(text).decode("utf-16-be"))
    return drawn


def structure_elements(element: pikepdf.Object) -> list[pikepdf.Object]:
    """Return every structure element below element, in reading order."""
    found = []
    kids = element.get("/K")
    for kid in (kids if isinstance(kids, pikepdf.Array) else [kids]):
        if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/StructElem":
            found.append(kid)
            found.extend(structure_elements(kid))
    return found


def figures(pdf: bytes) -> list[tuple[str, int, tuple[float, ...]]]:
    """Return each figure of the tag tree in reading order: its text (Alt), its page number
    and its box in CSS pixels from the page's top left (as WeasyPrint writes it)."""
    with pikepdf.open(io.BytesIO(pdf)) as document:
        pages = {page.objgen: number for number, page in enumerate(document.pages, start=1)}
        return [(str(element.get("/Alt", "")), pages[element.Pg.objgen],
                 tuple(float(v) for v in element.A.BBox))
                for element in structure_elements(document.Root.StructTreeRoot)
                if element.get("/S") == "/Figure"]


def review_boxes(pdf: bytes) -> list[tuple[str, str]]:
    """Return each drawn review box in reading order: its text for a screen reader
    ("Checked" or "Not checked") and the words after it ("Escalated")."""
    printed = subprocess.run(["pdfinfo", "-struct-text", "-"], input=pdf, capture_output=True,
                             check=True, timeout=60).stdout.decode("utf-8")
    labels = []
    after_figure = False
    for line in printed.splitlines():
        content = line.strip()
        if content.startswith("Figure"):
            after_figure = True
        elif after_figure and content.startswith('"') and content != '""':
            labels.append(content[1:-1].strip())
            after_figure = False
    states = [alt for alt, _, _ in figures(pdf) if alt in ("Checked", "Not checked")]
    assert len(states) == len(labels), (states, labels)
    return list(zip(states, labels, strict=True))


def ticked(pdf: bytes) -> list[str]:
    """Return the label of every ticked review box, in reading order."""
    return [label for state, label in review_boxes(pdf) if state == "Checked"]
