"""What keeps the PDF quick to render and small: simple selectors, lean markup, deflated streams."""

from __future__ import annotations

import io
import re
from xml.etree import ElementTree

import pikepdf
import pytest
import tinycss2

from ivig_home.report import render_html
from ivig_home.report.fetcher import static_path
from ivig_home.report.render import STYLESHEET
from tests.answers import example
from tests.pdf_tools import EXAMPLE_NAMES, context_for, example_pdf, text_of

SIMPLE = re.compile(r"\.[a-z][a-z0-9_-]*|[a-z][a-z0-9]*")
# Inline by CSS's initial value, or inside <head>, which pdf.css hides whole.
INLINE_OR_HIDDEN = {"span", "b", "img", "meta", "title"}
# A reviewed copy's drawn tick boxes: inline images, their insides drawn by the SVG renderer.
SVG = "{http://www.w3.org/2000/svg}"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c63f8cfc0f01f0005000201a5e1a3d20000000049454e44ae426082")


def style_rules() -> list[tuple[list[str], str]]:
    """Return each rule of pdf.css as (its selectors, its declarations as text)."""
    sheet = tinycss2.parse_stylesheet(static_path(STYLESHEET).read_text("utf-8"),
                                      skip_comments=True, skip_whitespace=True)
    return [([part.strip() for part in tinycss2.serialize(rule.prelude).split(",")],
             tinycss2.serialize(rule.content))
            for rule in sheet if rule.type == "qualified-rule"]


def test_every_selector_is_one_class_or_one_element_name() -> None:
    # WeasyPrint matches selectors in Python, element by element: combinators, attribute
    # selectors and pseudo-classes cost on every element of every render.
    selectors = [selector for selectors, _ in style_rules() for selector in selectors]
    assert selectors
    assert [s for s in selectors if not SIMPLE.fullmatch(s)] == []


def test_no_declaration_uses_percentages_or_calc() -> None:
    assert [text for _, text in style_rules() if "%" in text or "calc(" in text] == []


def summary_tags() -> set[str]:
    """Return every element name the summary template produces, whatever it shows."""
    review = {"reviewer": "R", "reviewed_at": "2026-11-22T15:30:00+00:00", "note": "n",
              "items": {"breathing_trouble_now": {"dispositions": ["escalated"]}}}
    contexts = [context_for(example(name)) for name in EXAMPLE_NAMES]
    contexts.append(context_for(example("emergency"), review=review, original_sha256="0" * 64,
                                messages_shown={"emergency": "2026-11-21T09:02:00+00:00"},
                                agency={"name": "H", "logo": PNG, "logo_type": "image/png"}))
    tags = {element.tag for context in contexts
            for element in ElementTree.fromstring(render_html(context)).iter()}  # noqa: S314
    assert f"{SVG}svg" in tags  # the reviewed copy is among them
    return {tag for tag in tags if not tag.startswith(SVG)}


def test_pdf_css_gives_every_element_of_the_summary_its_display() -> None:
    # pdf.css states the display of every element the summary uses, so the layout does
    # not rest on WeasyPrint's default stylesheet, which may change from one version to
    # the next.
    named = {s for selectors, text in style_rules() if "display" in text for s in selectors}
    assert summary_tags() - named - INLINE_OR_HIDDEN == set()


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_nothing_from_the_head_is_printed(name: str) -> None:
    assert text_of(example_pdf(name)).startswith("Harbour Home Infusion, phone 555-0142 IVIG")


def test_every_stream_is_compressed() -> None:
    with pikepdf.open(io.BytesIO(example_pdf("clinical-risk-factors"))) as document:
        streams = [item for item in document.objects if isinstance(item, pikepdf.Stream)]
        assert streams
        assert {str(stream.get("/Filter")) for stream in streams} == {"/FlateDecode"}
