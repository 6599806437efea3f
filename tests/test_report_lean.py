"""What keeps the PDF quick to render: simple selectors, no default stylesheet, small files."""

from __future__ import annotations

import gc
import io
import re
import threading
import zlib
from typing import Any
from xml.etree import ElementTree

import pikepdf
import pydyf
import pytest
import tinycss2

from ivig_home.report import render as render_module
from ivig_home.report import render_html, render_pdf
from ivig_home.report.fetcher import static_path
from ivig_home.report.render import STYLESHEET
from tests.answers import example
from tests.pdf_tools import EXAMPLE_NAMES, context_for, example_pdf, text_of

SIMPLE = re.compile(r"\.[a-z][a-z0-9_-]*|[a-z][a-z0-9]*")
# Inline by CSS's initial value, or inside <head>, which pdf.css hides whole.
INLINE_OR_HIDDEN = {"span", "b", "img", "meta", "title"}
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
    return {element.tag for context in contexts
            for element in ElementTree.fromstring(render_html(context)).iter()}  # noqa: S314


def test_pdf_css_gives_every_element_of_the_summary_its_display() -> None:
    # The renderer is given no default stylesheet, so an element pdf.css does not name
    # (a <br>, a <table>) would lose its HTML meaning in the PDF without any error.
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


def test_a_render_pauses_automatic_garbage_collection_and_resumes_it_after() -> None:
    seen: list[bool] = []
    original = render_module._compress_streams

    def spy(document: object, pdf: Any) -> None:
        seen.append(gc.isenabled())
        original(document, pdf)

    assert gc.isenabled()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(render_module, "_compress_streams", spy)
        render_pdf(context_for(example("nothing-to-flag")))
    assert seen == [False]
    assert gc.isenabled()


def test_collection_resumes_when_the_last_of_overlapping_renders_ends() -> None:
    first, second = render_module._collection_paused(), render_module._collection_paused()
    first.__enter__()
    thread = threading.Thread(target=second.__enter__)
    thread.start()
    thread.join()
    first.__exit__(None, None, None)
    assert not gc.isenabled()  # the other render is still under way
    thread = threading.Thread(target=second.__exit__, args=(None, None, None))
    thread.start()
    thread.join()
    assert gc.isenabled()


def test_a_render_leaves_collection_off_when_it_was_off_before() -> None:
    gc.disable()
    try:
        render_pdf(context_for(example("nothing-to-flag")))
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_failed_render_resumes_collection() -> None:
    with pytest.raises(ValueError):
        with render_module._collection_paused():
            raise ValueError("layout failed")
    assert gc.isenabled()


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_the_streams_pydyf_builds_as_it_writes_are_deflated_at_zlibs_default_level(
        name: str) -> None:
    with pikepdf.open(io.BytesIO(example_pdf(name))) as document:
        built = {str(stream.get("/Type")): stream for stream in document.objects
                 if isinstance(stream, pikepdf.Stream)
                 and stream.get("/Type") in ("/ObjStm", "/XRef")}
        assert built.keys() == {"/ObjStm", "/XRef"}
        for stream in built.values():
            assert stream.read_raw_bytes() == zlib.compress(stream.read_bytes(), 6)


def test_a_pydyf_stream_made_elsewhere_keeps_pydyfs_own_level() -> None:
    content = b"".join(b"%d 0 obj" % number for number in range(2000))
    data = pydyf.Stream([content], compress=True).data
    assert zlib.compress(content, 9) in data and zlib.compress(content, 6) not in data


def test_a_render_leaves_next_to_nothing_for_the_garbage_collector() -> None:
    # Reference counting frees what a render made as soon as it ends, but not objects in
    # a reference cycle: those wait for the collector, which then walks them in a render's
    # time. The layout context's cycle is broken once the PDF is written, the file's
    # objects hold no write bound to the file, and no recursive closure holds boxes: none
    # of the context, the file or a box is left for the collector (which sees every
    # thread's objects, so other work in the process cannot be counted out by number).
    from weasyprint.formatting_structure.boxes import Box
    from weasyprint.layout import LayoutContext

    for name in EXAMPLE_NAMES:
        render_pdf(context_for(example(name)))  # the caches filled
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)  # what the collection finds stays in gc.garbage
    try:
        render_pdf(context_for(example("emergency")))
        gc.collect()
        left = [item for item in gc.garbage
                if isinstance(item, (LayoutContext, pydyf.PDF, pydyf.Object, Box))]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert not left, len(left)
