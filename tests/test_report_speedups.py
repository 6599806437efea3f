"""The render's speed-ups change nothing in the PDF: byte for byte what WeasyPrint writes."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pydyf
import pytest
import weasyprint
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ivig_home.report import render_pdf, speedups
from tests.answers import clean, example
from tests.pdf_tools import EMERGENCY_SHOWN, EXAMPLE_NAMES, context_for, text_of
from tests.test_report_fonts import NAMES
from tests.test_report_lean import PNG


@pytest.fixture
def without_speedups() -> Iterator[Any]:
    """Yield a function rendering a context with WeasyPrint's own code only."""
    def plain(context: dict[str, Any], page_size: str | None = None) -> bytes:
        speedups.uninstall()
        try:
            return render_pdf(context, page_size=page_size)
        finally:
            speedups.install()
    yield plain
    speedups.install()


def test_the_speedups_are_in_use_with_the_weasyprint_they_were_written_for() -> None:
    # Upgrading WeasyPrint turns them off (they read its internals): this test then says
    # to check them against the new version and move WEASYPRINT_VERSION on.
    assert weasyprint.__version__ == speedups.WEASYPRINT_VERSION
    assert speedups.installed()


@pytest.mark.parametrize("page_size", ["letter", "a4"])
@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_each_example_renders_the_same_bytes_with_and_without_them(
        name: str, page_size: str, without_speedups: Any) -> None:
    shown = EMERGENCY_SHOWN if name == "emergency" else None
    context = context_for(example(name), messages_shown=shown)
    first = render_pdf(context, page_size=page_size)
    again = render_pdf(context, page_size=page_size)  # everything reused this time
    assert first == again == without_speedups(context, page_size)


def test_the_glyph_by_glyph_path_writes_the_same_bytes_as_the_whole_line_path(
        monkeypatch: pytest.MonkeyPatch, without_speedups: Any) -> None:
    # A glyph's width recorded first at another size would send a line down the
    # glyph-by-glyph path; the examples never do, so it is forced here for all of them.
    monkeypatch.setattr(speedups, "FAST_RUNS", False)
    for name in EXAMPLE_NAMES:
        context = context_for(example(name))
        render_pdf(context)
        assert render_pdf(context) == without_speedups(context)


def test_one_submission_after_another_renders_as_it_would_alone(
        without_speedups: Any) -> None:
    # Warm with every example, then a different patient: nothing of the others shows.
    for name in EXAMPLE_NAMES:
        render_pdf(context_for(example(name)))
    context = context_for(clean(patient_name="Second Patient", contact_phone="555-0199"),
                          reference="HKT-7777")
    pdf = render_pdf(context)
    assert pdf == without_speedups(context)
    text = text_of(pdf)
    assert "Second Patient" in text and "HKT-7777" in text and "Mei Chen" not in text


@pytest.mark.parametrize("script", NAMES)
def test_a_name_in_each_script_renders_the_same_bytes(script: str,
                                                      without_speedups: Any) -> None:
    context = context_for(clean(patient_name=NAMES[script]))
    assert render_pdf(context) == render_pdf(context) == without_speedups(context)


def test_a_character_no_font_has_takes_weasyprints_own_path_and_is_warned_about_each_time(
        without_speedups: Any, caplog: pytest.LogCaptureFixture) -> None:
    context = context_for(clean(patient_name="Ada \U0001d11e Byron"))  # musical G clef
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        first, second = render_pdf(context), render_pdf(context)
    warnings = [r for r in caplog.records if ".notdef" in r.getMessage()]
    assert len(warnings) >= 2  # once per render: the cached path never hides it
    assert first == second == without_speedups(context)


# Names and phone numbers mixing scripts, spaces and punctuation, long enough to wrap.
TEXT = st.text(alphabet=st.sampled_from(
    list("abcdefghijklmnopqrstuvwxyz ABCDEFGHIJ-'.,()ëøł ") + list("ΑλέξανδροςАннаКузнецова"
    "فاطمةالزهراءנועהכהן王秀英张伟山田花子ヤマダ김민준이서연")), min_size=1, max_size=60)


@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=TEXT.filter(lambda text: text.strip()), phone=TEXT.filter(lambda t: t.strip()))
def test_any_name_and_phone_render_the_same_bytes_after_other_renders(
        name: str, phone: str, without_speedups: Any) -> None:
    context = context_for(clean(patient_name=name.strip(), contact_phone=phone.strip()))
    assert render_pdf(context) == without_speedups(context)


def _cache_sizes() -> list[int]:
    return list(speedups.cache_sizes().values())


def _seen_sizes() -> list[int]:
    return [len(hashes) for hashes in speedups._local.seen.values()]


# 40 entries are fewer than one summary needs: entries are dropped during a render. With
# room for 30 hashes a cache, a summary's ~200 texts overflow it during a render: most
# texts are never kept. Either way the bytes are still WeasyPrint's.
@pytest.mark.parametrize(("limit", "size", "sizes"), [("LIMIT", 40, _cache_sizes),
                                                      ("SEEN_LIMIT", 30, _seen_sizes)])
def test_the_caches_stay_within_their_limits_and_small_ones_change_nothing(
        limit: str, size: int, sizes: Any, monkeypatch: pytest.MonkeyPatch,
        without_speedups: Any) -> None:
    speedups.clear()
    monkeypatch.setattr(speedups, limit, size)
    for number in range(3):
        context = context_for(clean(patient_name=f"Patient Number {number}"))
        assert render_pdf(context) == without_speedups(context)
        found = sizes()
        assert found and all(each <= size for each in found), found


def test_a_plain_weasyprint_call_elsewhere_in_the_process_is_left_alone() -> None:
    # Only renders with the thread's own font configuration fill (and use) the caches.
    from weasyprint import HTML

    render_pdf(context_for(example("emergency")))
    before = speedups.cache_sizes()
    pdf = HTML(string="<p>Another document, another font configuration</p>").write_pdf()
    assert pdf.startswith(b"%PDF") and speedups.cache_sizes() == before


def test_the_used_values_kept_per_style_are_plain_box_attributes() -> None:
    # resolve_percentages (and resolve_radii_percentages, for the corners) sets them
    # through the box's __dict__, which is what
    # setattr does unless a class makes the name a data descriptor (a property): none may.
    # (Table columns give some a plain class default, which an instance value hides.)
    from weasyprint.formatting_structure import boxes

    classes = [getattr(boxes, name) for name in dir(boxes)
               if isinstance(getattr(boxes, name), type)
               and issubclass(getattr(boxes, name), boxes.Box)]
    assert len(classes) > 20
    for cls in classes:
        for name in (*speedups.USED_NAMES, *speedups.CORNER_RADII):
            found = [vars(owner)[name] for owner in cls.__mro__ if name in vars(owner)]
            assert not any(hasattr(type(value), "__set__") for value in found), (cls, name)


def test_the_apps_render_thread_keeps_its_caches_from_one_summary_to_the_next(
        without_speedups: Any) -> None:
    # The app renders in one long-lived low-priority thread per process (priority.py):
    # its caches must outlive a render, or nothing would ever be reused.
    from flask import Flask

    from ivig_home.report import priority, render_pdf_low_priority

    first = context_for(clean(patient_name="First Patient"), reference="HKT-0001")
    second = context_for(clean(patient_name="Second Patient"), reference="HKT-0002")
    third = context_for(clean(patient_name="Third Patient"), reference="HKT-0003")
    with Flask(__name__).app_context():
        priority._executor().submit(speedups.clear).result()  # earlier tests' summaries
        render_pdf_low_priority(first)
        render_pdf_low_priority(second)  # the text both share is met twice: kept
        sizes = priority._executor().submit(speedups.cache_sizes).result()
        pdf = render_pdf_low_priority(third)
        after = priority._executor().submit(speedups.cache_sizes).result()
    assert sizes["split"] > 100 and sizes["draw"] > 100 and sizes["styles"] > 20
    assert sizes["lines"] > 50 and sizes["whitespace"] > 50
    # The third summary's own text was met once: laid out and drawn, not kept (a font
    # subset with the glyphs of a new name is: it holds glyph ids, not text).
    assert {**after, "subsets": 0} == {**sizes, "subsets": 0}, (sizes, after)
    assert pdf == without_speedups(third)


def _kept_texts() -> list[str]:
    """Return every text in a key of this thread's caches of text."""
    caches = speedups._local.caches
    texts = [key[0] for kind in ("split", "draw", "whitespace") for key in caches[kind]]
    texts += [part[4] for key in caches["lines"] for part in key[0] if part[4]]
    return texts


def test_a_patients_own_text_is_drawn_but_never_kept(without_speedups: Any) -> None:
    speedups.clear()
    for number in range(2):
        render_pdf(context_for(clean(patient_name=f"Earlier Patient {number}",
                                     contact_phone=f"555-010{number}"),
                               reference=f"HKT-100{number}"))
    sizes = speedups.cache_sizes()
    context = context_for(clean(patient_name="Zelda Quintero-Vasquez",
                                contact_phone="555-0177"), reference="HKT-9321")
    pdf = render_pdf(context)
    assert pdf == without_speedups(context)
    assert "Zelda Quintero-Vasquez" in text_of(pdf)
    assert {**speedups.cache_sizes(), "subsets": 0} == {**sizes, "subsets": 0}
    kept = _kept_texts()
    assert len(kept) > 300
    assert not [text for text in kept
                if "Zelda" in text or "555-0177" in text or "HKT-9321" in text]
    # The shared text is kept: a question every summary asks.
    assert any("kidney" in text.lower() for text in kept)


class _Style(dict[str, Any]):
    """A computed style as the corner radii read it: values by name, a font configuration."""

    font_config = None


class _Box:
    """A box as resolve_radii_percentages reads it."""

    def __init__(self, radii: Any, removed: set[str] | None = None) -> None:
        self.style = _Style(zip(speedups.CORNER_RADII, radii, strict=True))
        self.remove_decoration_sides = removed or set()

    def border_width(self) -> float:
        return 200.0

    def border_height(self) -> float:
        return 50.0


@pytest.mark.parametrize("removed", [set(), {"top", "left"}])
def test_the_corner_radii_are_weasyprints_for_square_and_rounded_corners(
        removed: set[str]) -> None:
    from weasyprint.css.properties import Dimension
    from weasyprint.layout import percent

    zero, px, pct = Dimension(0, "px"), Dimension(4, "px"), Dimension(10, "%")
    for radii in [(zero, zero)] * 4, [(px, zero), (zero, px), (zero, zero), (zero, pct)], [
            (px, px), (pct, pct), (px, pct), (zero, zero)], [(pct, px)] * 4:
        ours, theirs = _Box(radii, removed), _Box(radii, removed)
        speedups.resolve_radii_percentages(ours)
        percent.resolve_radii_percentages(theirs)
        assert {name: getattr(ours, name) for name in speedups.CORNER_RADII} == {
            name: getattr(theirs, name) for name in speedups.CORNER_RADII}, radii


def test_a_summary_with_a_glyph_no_earlier_subset_has_gets_a_subset_of_its_own(
        without_speedups: Any) -> None:
    speedups.clear()
    first = context_for(clean(patient_name="Ada Byron"))
    render_pdf(first)
    subsets = speedups.cache_sizes()["subsets"]
    assert subsets >= 2  # regular and bold, at least
    assert render_pdf(first) == without_speedups(first)
    assert speedups.cache_sizes()["subsets"] == subsets  # the same glyphs: reused
    other = context_for(clean(patient_name="Zoë Quixley-Ødegård"))
    assert render_pdf(other) == without_speedups(other)
    assert speedups.cache_sizes()["subsets"] > subsets
    assert "Zoë Quixley-Ødegård" in text_of(render_pdf(other))


def test_glyph_arrays_by_the_open_type_are_the_same_arrays(without_speedups: Any) -> None:
    from weasyprint.pdf import fonts as weasy_fonts
    from weasyprint.text.ffi import ffi

    handle = weasy_fonts.ffi
    assert isinstance(handle, speedups.OpenArrays)  # what the subsetting code calls
    for glyphs in ([], [3], [3, 17, 65535], list(range(5, 400, 7))):
        made = handle.new(f"hb_codepoint_t[{len(glyphs)}]", glyphs)
        assert ffi.typeof(made) is ffi.typeof("hb_codepoint_t[]")
        assert len(made) == len(glyphs) and list(made) == glyphs
    assert ffi.typeof(handle.new("PangoRectangle *")) is ffi.typeof("PangoRectangle *")
    assert handle.NULL is ffi.NULL
    # A name of a new length of glyphs renders what WeasyPrint's own arrays give.
    speedups.clear()
    context = context_for(clean(patient_name="Œdipa Maas-Ñúñez"))
    assert render_pdf(context) == without_speedups(context)
    assert isinstance(weasy_fonts.ffi, speedups.OpenArrays)  # put back after the plain render


def _bordered_box(widths: tuple[float, ...], styles: tuple[str, ...], colors: tuple[str, ...],
                  radius: float = 0, visibility: str = "visible") -> Any:
    """Return a laid-out block box with these borders, as draw_border reads it."""
    from tinycss2.color4 import parse_color
    from weasyprint.formatting_structure import boxes

    style = _Style(color=parse_color("#111"), visibility=visibility,
                   border_image_source=("none", None), column_width="auto",
                   column_count="auto", column_rule_width=0)
    style.font_config = speedups._fonts()
    box = boxes.BlockBox("div", style, None, [])
    for side, width, line, color in zip(("top", "right", "bottom", "left"), widths, styles,
                                        colors, strict=True):
        style[f"border_{side}_style"] = line
        style[f"border_{side}_color"] = (
            "currentcolor" if color == "currentcolor" else parse_color(color))
        setattr(box, f"border_{side}_width", width)
    box.position_x, box.position_y, box.width, box.height = 36.5, 101.25, 240.0, 18.75
    box.margin_top = box.margin_left = 2.0
    box.margin_right = box.margin_bottom = 0
    box.padding_top, box.padding_right, box.padding_bottom, box.padding_left = 3, 7.5, 3, 7.5
    for name in speedups.CORNER_RADII:
        setattr(box, name, (0, 0))
    box.border_bottom_right_radius = (radius, radius)
    return box


def _drawn(draw: Any, box: Any, tagged: bool) -> list[Any]:
    """Return the operators a draw_border function writes for the box."""
    from weasyprint.pdf.stream import Stream

    stream = Stream(fonts={}, page_rectangle=(0, 0, 612, 792), resources={"ExtGState": {}},
                    images={}, tags={} if tagged else None, color_profiles={},
                    output_intent=None)
    draw(stream, box)
    return list(stream.stream)


BORDER_WIDTHS = [(0, 0, 1.0, 0), (1.0, 1.0, 1.0, 5.333333333333333), (2.0, 2.0, 2.0, 2.0),
                 (0, 1.5, 0, 0), (1.0, 0, 1.0, 0), (0.75, 0.75, 0.75, 4.0), (3.0, 0, 0, 0),
                 (0, 0, 0, 6.0)]
BORDER_LOOKS = [  # styles, colours (top, right, bottom, left)
    (("solid",) * 4, ("#111",) * 4),
    (("solid",) * 4, ("#777", "#777", "#777", "#1d4f91")),
    (("solid",) * 4, ("currentcolor", "#111", "currentcolor", "#111")),
    (("solid",) * 4, ("rgb(0 0 0 / 0.5)",) * 4),
    (("solid",) * 4, ("#111", "#111", "transparent", "#111")),
    (("solid", "solid", "solid", "dashed"), ("#777", "#777", "#777", "#1f6b3a")),
    (("solid", "solid", "solid", "dotted"), ("#777",) * 4),
    (("solid", "solid", "solid", "double"), ("#777", "#777", "#777", "#9b1c1c")),
    (("double",) * 4, ("#111",) * 4),
    (("groove",) * 4, ("#111",) * 4),
    (("none", "none", "solid", "none"), ("#111",) * 4),
]


@pytest.mark.parametrize("tagged", [True, False])
@pytest.mark.parametrize("widths", BORDER_WIDTHS)
def test_borders_drawn_directly_are_the_operators_weasyprint_writes(
        widths: tuple[float, ...], tagged: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    render_pdf(context_for(clean()))  # this thread's font configuration, as in a render
    direct: list[Any] = []
    monkeypatch.setattr(speedups, "_draw_solid_border", _counting(
        speedups._draw_solid_border, direct))
    for styles, colors in BORDER_LOOKS:
        for radius, visibility in (0, "visible"), (4.0, "visible"), (0, "hidden"):
            ours = _bordered_box(widths, styles, colors, radius, visibility)
            theirs = _bordered_box(widths, styles, colors, radius, visibility)
            expected = _drawn(speedups._installed["border"], theirs, tagged)
            assert _drawn(speedups.draw_border, ours, tagged) == expected, (
                styles, colors, radius, visibility)
            again = _bordered_box(widths, styles, colors, radius, visibility)
            again.style = ours.style  # the plan kept on the style, used again
            assert _drawn(speedups.draw_border, again, tagged) == expected
    assert direct  # the solid, square borders took the direct path


def _counting(function: Any, calls: list[Any]) -> Any:
    """Return the function, noting each call in calls."""
    def counted(*args: Any) -> Any:
        calls.append(args)
        return function(*args)
    return counted


def test_the_summarys_solid_borders_take_the_direct_path_and_a_wrong_one_shows(
        monkeypatch: pytest.MonkeyPatch, without_speedups: Any) -> None:
    context = context_for(example("emergency"))
    direct: list[Any] = []
    monkeypatch.setattr(speedups, "_draw_solid_border", _counting(
        speedups._draw_solid_border, direct))
    assert render_pdf(context) == without_speedups(context)
    assert len(direct) > 10
    # A side clipped wrongly (here: bottom and top swapped) changes the bytes.
    original = speedups._clip_square_side

    def swapped(stream: Any, index: int, *rest: Any) -> None:
        original(stream, {0: 2, 2: 0}.get(index, index), *rest)

    monkeypatch.setattr(speedups, "_clip_square_side", swapped)
    assert render_pdf(context) != without_speedups(context)


COLORS = ["#111", "#1d4f91", "rgb(0 0 0 / 0.5)", "transparent", "rgb(none 50% 20%)",
          "hsl(120 40% 50%)", "lab(50% 20 -30)", "#9b1c1c", "#111", "rgb(12.5% 0% 100%)",
          "white", "black"]


def test_colours_set_from_kept_operators_are_the_ones_weasyprint_writes() -> None:
    from tinycss2.color4 import parse_color
    from tinycss2.color5 import parse_color as parse_color5
    from weasyprint.pdf.stream import Stream

    def stream() -> Any:
        return Stream(fonts={}, page_rectangle=(0, 0, 612, 792), resources={"ExtGState": {}},
                      images={}, tags=None, color_profiles={}, output_intent=None)

    speedups._color_operators.clear()
    ours, theirs = stream(), stream()
    for _round in range(2):  # the second time every sRGB operator is a kept one
        for text in COLORS:
            for parse in parse_color, parse_color5:
                for stroke in False, True, False:
                    color = parse(text)
                    speedups.set_color(ours, color, stroke)
                    speedups._installed["set_color"](theirs, color, stroke)
                    assert ours.stream == theirs.stream, (text, stroke)
                for each in ours, theirs:  # forget the colour: each is written again
                    each.push_state()
                    each.pop_state()
        assert ours.stream == theirs.stream
        assert ours._resources == theirs._resources
    assert 4 <= len(speedups._color_operators) <= speedups.COLOR_LIMIT
    # A kept operator is what is written: a wrong one shows.
    key = next(iter(speedups._color_operators))
    speedups._color_operators[key] = b"0 0 0 rg"
    ours, theirs = stream(), stream()
    for text in COLORS:
        for stroke in False, True:
            speedups.set_color(ours, parse_color(text), stroke)
            speedups._installed["set_color"](theirs, parse_color(text), stroke)
    speedups._color_operators.clear()
    assert ours.stream != theirs.stream


MARGIN_RULES = [  # rules, a word they put in the margins
    ("", "Reference"),
    ("@page { @top-left { content: 'Lefty' } }", "Lefty"),
    ("@page { @top-right { content: 'Righty' } @bottom-right-corner { content: 'Cornery' } }",
     "Cornery"),
    ("@page { @left-middle { content: 'Sidey'; width: 30pt } }", "Sidey"),
    ("@page :first { @bottom-center { content: none } } "
     "@page { @right-top { content: 'Rtop' } }", "Rtop"),
    ("@page { @top-left-corner { content: 'Tlc' counter(page) } "
     "@bottom-left { content: 'Bleft' } }", "Bleft"),
]


@pytest.mark.parametrize(("rules", "word"), MARGIN_RULES)
def test_margin_boxes_built_only_where_a_rule_applies_are_weasyprints(
        rules: str, word: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from weasyprint import CSS
    from weasyprint.formatting_structure import boxes

    from ivig_home.report import render as render_module

    # The thread's font configuration, so the speedups apply; the app's parsing, so no
    # user-agent stylesheet (WeasyPrint's has a rule for every margin box).
    fonts, sheets = render_module._styles("letter")
    extra = CSS(string=rules, font_config=fonts)
    html = render_module.render_html(context_for(example("emergency")))

    def write() -> bytes:
        document = render_module._parse(html, render_module.SandboxFetcher())
        pdf: bytes = document.write_pdf(stylesheets=[*sheets, extra], font_config=fonts,
                                        pdf_variant="pdf/ua-1")
        return pdf

    built: list[Any] = []
    monkeypatch.setattr(boxes, "MarginBox", _counting_class(boxes.MarginBox, built))
    ours = write()
    ours_built = len(built)
    speedups.uninstall()
    try:
        built.clear()
        theirs = write()
    finally:
        speedups.install()
    assert ours == theirs
    assert ours_built < len(built)  # fewer boxes built, the same PDF
    assert word in text_of(ours)


def _counting_class(cls: type, made: list[Any]) -> type:
    """Return a subclass of cls noting each instance made in made."""
    def init(self: Any, *args: Any) -> None:
        made.append(self)
        cls.__init__(self, *args)

    return type(cls.__name__, (cls,), {"__init__": init})


def test_the_summarys_footer_is_the_only_side_built_and_leaving_it_out_shows(
        monkeypatch: pytest.MonkeyPatch, without_speedups: Any) -> None:
    context = context_for(example("clinical-risk-factors"))
    skipped_sets: list[set[str]] = []
    original = speedups._margin_boxes

    def spy(context: Any, page: Any, state: Any, skipped: set[str]) -> Any:
        skipped_sets.append(set(skipped))
        return original(context, page, state, skipped)

    monkeypatch.setattr(speedups, "_margin_boxes", spy)
    assert render_pdf(context) == without_speedups(context)
    assert skipped_sets and all(len(skipped) == 13 for skipped in skipped_sets)
    assert all("@bottom-center" not in skipped for skipped in skipped_sets)

    def wrong(context: Any, page: Any, state: Any, skipped: set[str]) -> Any:
        return original(context, page, state, skipped | {"@bottom-left"})

    monkeypatch.setattr(speedups, "_margin_boxes", wrong)
    assert render_pdf(context) != without_speedups(context)


def _blocks(stream: Any, marked: Any, artifact: Any, stacked: Any) -> None:
    """Write nested marked, artifact and saved-state blocks, one left by an exception."""
    first, second = object(), object()
    with marked(stream, first, "P"):
        stream.rectangle(0, 0, 1, 1)
        with stacked(stream):
            stream.fill()
            with artifact(stream):
                stream.set_color_rgb(0, 0, 0)
    with pytest.raises(ValueError, match="drawing failed"), marked(stream, second, "Span"):
        with stacked(stream), artifact(stream):
            stream.fill()
            raise ValueError("drawing failed")
    with stacked(stream):
        pass  # nothing drawn: WeasyPrint's pop_state takes the q back


@pytest.mark.parametrize("tagged", [True, False])
def test_marked_artifact_and_stacked_blocks_write_what_weasyprints_write(
        tagged: bool) -> None:
    from weasyprint.pdf.stream import Stream

    def stream() -> Any:
        return Stream(fonts={}, page_rectangle=(0, 0, 612, 792), resources={"ExtGState": {}},
                      images={}, tags={} if tagged else None, color_profiles={},
                      output_intent=None)

    ours, theirs = stream(), stream()
    _blocks(ours, speedups.stream_marked, speedups.stream_artifact, speedups.stream_stacked)
    _blocks(theirs, speedups._installed["marked"], speedups._installed["artifact"],
            speedups._installed["stacked"])
    assert [pydyf._to_bytes(part) for part in ours.stream] == [
        pydyf._to_bytes(part) for part in theirs.stream]
    assert ours._ctm_stack == theirs._ctm_stack
    assert (list(ours._tags.values()) if tagged else ours._tags) == (
        list(theirs._tags.values()) if tagged else theirs._tags)
    assert ours.stream.count(b"EMC" if tagged else b"Q") >= 2  # left even by the exception
    from weasyprint.pdf.stream import Stream as Installed

    assert Installed.marked is speedups.stream_marked


def test_a_block_left_by_an_exception_is_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    # A block that forgot its closing operator on an exception would unbalance the page.
    from weasyprint.pdf.stream import Stream

    stream = Stream(fonts={}, page_rectangle=(0, 0, 612, 792), resources={}, images={},
                    tags={}, color_profiles={}, output_intent=None)
    monkeypatch.setattr(speedups._Leaving, "__exit__", lambda self, *exception: None)
    with pytest.raises(ValueError, match="failed"), stream.marked(object(), "P"):
        raise ValueError("failed")
    assert b"EMC" not in stream.stream  # the check below would see a broken one
    monkeypatch.undo()
    with pytest.raises(ValueError, match="failed"), stream.marked(object(), "P"):
        raise ValueError("failed")
    assert stream.stream[-1] == b"EMC"


WHITE_SPACE_TEXT = st.text(alphabet=st.sampled_from(list(" \t\n\r\x0c\u00a0\u2003ab.")),
                           max_size=12)
WHITE_SPACE_VALUES = ["normal", "nowrap", "pre", "pre-wrap", "pre-line", "break-spaces"]


def _text_box(text: str, white_space: str) -> Any:
    """Return a text box of this text, its style of this thread's renders."""
    from weasyprint.formatting_structure import boxes

    style = _Style(white_space=white_space)
    style.font_config = speedups._fonts()
    box = boxes.TextBox("p", style, None, "x")
    box.text = text  # may be empty, as after a split
    return box


@settings(max_examples=300, deadline=None)
@given(text=WHITE_SPACE_TEXT, white_space=st.sampled_from(WHITE_SPACE_VALUES),
       following=st.sampled_from([False, True, None, 1]))
def test_white_space_collapsed_from_kept_outcomes_is_weasyprints(
        text: str, white_space: str, following: Any) -> None:
    if speedups._fonts() is None:
        render_pdf(context_for(clean()))  # this thread's font configuration
    for _three_times in range(3):  # kept when met the second time, used the third
        ours, theirs = _text_box(text, white_space), _text_box(text, white_space)
        returned = ours.process_whitespace(following)
        assert returned == speedups._installed["whitespace"](theirs, following)
        assert vars(ours) == vars(theirs)


def test_a_wrong_kept_white_space_outcome_shows(without_speedups: Any) -> None:
    context = context_for(example("nothing-to-flag"))
    assert render_pdf(context) == render_pdf(context) == without_speedups(context)
    cache = speedups._local.caches["whitespace"]
    assert len(cache) > 50  # the summary's texts went through it
    for key, (text, leading, following) in list(cache.items()):
        cache[key] = (text.upper(), leading, following)
    try:
        assert render_pdf(context) != without_speedups(context)
    finally:
        cache.clear()


def test_lines_laid_out_before_are_moved_into_place_as_weasyprint_places_them(
        without_speedups: Any) -> None:
    # A short name, then one that wraps: every line after it lies lower on the page, so
    # the kept lines are moved, not just handed back.
    speedups.clear()
    for _twice in range(2):  # a line is kept the second time it is met
        render_pdf(context_for(example("emergency"), messages_shown=EMERGENCY_SHOWN))
    kept = speedups.cache_sizes()["lines"]
    assert kept > 100  # the summary's lines went through it
    long_name = "Maximiliana Wilhelmina Konstantinopoulou-Featherstonehaugh " * 3
    context = context_for(example("emergency"), messages_shown=EMERGENCY_SHOWN,
                          reference="HKT-5150")
    context["patient"]["name"] = long_name.strip()
    pdf = render_pdf(context)
    assert pdf == without_speedups(context)
    # The lines with this patient's own text were met once: not kept.
    assert speedups.cache_sizes()["lines"] == kept
    assert "Konstantinopoulou" in text_of(pdf)


def test_a_float_on_the_page_sends_its_lines_down_weasyprints_own_path(
        without_speedups: Any) -> None:
    agency = {"name": "Harbour Home Infusion", "phone": "555-0142", "colour": "#0b6e4f",
              "logo": PNG, "logo_type": "image/png"}
    context = context_for(example("clinical-risk-factors"), agency=agency)
    assert render_pdf(context) == render_pdf(context) == without_speedups(context)


def test_a_line_taken_from_the_cache_is_a_copy_the_document_can_change() -> None:
    for _twice in range(2):
        render_pdf(context_for(example("nothing-to-flag")))
    kept = next(iter(speedups._local.caches["lines"].values()))
    line, x, y = kept[0], kept[0].position_x, kept[0].position_y
    copy = speedups._moved(line, 3.5, -2)
    assert (copy.position_x, copy.position_y) == (x + 3.5, y - 2)
    assert (line.position_x, line.position_y) == (x, y)
    pairs = list(zip(copy.descendants(), line.descendants(), strict=True))
    assert all(ours is not theirs for ours, theirs in pairs)
    assert all(ours.position_y == theirs.position_y - 2 for ours, theirs in pairs)


def test_a_wrong_kept_line_shows(without_speedups: Any) -> None:
    context = context_for(example("nothing-to-flag"))
    assert render_pdf(context) == render_pdf(context) == without_speedups(context)
    cache = speedups._local.caches["lines"]
    assert len(cache) > 50
    for key, kept in list(cache.items()):
        cache[key] = (speedups._moved(kept[0], 2, 0), *kept[1:])
    try:
        assert render_pdf(context) != without_speedups(context)
    finally:
        cache.clear()


def test_page_values_given_at_once_are_weasyprints_for_every_box(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Every call in renders of every example, in both page sizes, checked against
    # WeasyPrint's own walk down the first and last children.
    calls = []

    def both(box: Any) -> Any:
        ours = speedups.page_values(box)
        assert ours == speedups._installed["page_values"](box)
        calls.append(ours)
        return ours

    monkeypatch.setattr(weasyprint.formatting_structure.boxes.ParentBox, "page_values", both)
    for name in EXAMPLE_NAMES:
        for page_size in ("letter", "a4"):
            render_pdf(context_for(example(name)), page_size=page_size)
            assert speedups._local.unnamed_pages
    assert len(calls) > 1000


def test_a_page_property_anywhere_in_a_stylesheet_is_found() -> None:
    from weasyprint import CSS

    from ivig_home.report.render import _styles

    assert not speedups._declares(_styles("letter")[1][0], "page")  # the summary's own
    assert speedups._declares(CSS(string="p { color: red } .wide { page: wide }"), "page")
    assert speedups._declares(CSS(string="#a { page: wide }"), "page")
    assert speedups._declares(CSS(string="[lang] { page: wide }"), "page")
    assert speedups._declares(CSS(string="div > p { page: wide }"), "page")
    assert not speedups._declares(CSS(string="@page { margin: 1cm }"), "page")
    assert speedups._declares(CSS(string="@page { margin: 1cm }"), "margin_top")
