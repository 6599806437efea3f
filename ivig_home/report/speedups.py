"""Make WeasyPrint faster for the summary: reuse its work across renders, and some of its
most called small functions written for speed.

Every summary repeats the same questions, reasons, sources, headings and labels; only the
patient's details and answers differ. WeasyPrint shapes each piece of text with Pango to
break it into lines, and again to draw it, then writes each glyph from a Python loop. Here
both results are kept, per thread, keyed by the text and every style property the work
reads, and reused when the same text comes again in the same style and width; the
computed styles and the rules each kind of element matches are kept too:

- line breaking (`split_first_line`): the first line's text, width, height and baseline;
- drawing (`draw_text`): the glyphs of the line (ids, offsets, advances, the characters
  each stands for, the width each would record), from which the same PDF operators are
  written, and the same glyph widths and character maps recorded in the document's fonts;
- computed styles (`set_computed_styles`), see there; matched rules (`memoize_matching`)
  and the style an element gets under a given parent style (`style_for_init`);
- font subsets (`font_subset`): the subset of a font for the same glyphs;
- whole lines (`get_next_linebox`): a line of text laid out before, in the same styles and
  width, is copied and moved to where the new one goes, as WeasyPrint moves every line.

Small functions called thousands of times a render get faster equivalents with the same
results: the used margins, paddings and sizes (`resolve_percentages`, with a direct path
for lengths in px), whether a box is in normal flow (one look at the style instead of five
method calls), a box with no border, border image or column rule skipping the border
drawing at once, solid borders with square corners drawn without the general geometry,
a style's line height and baseline once per style object (`strut`),
a line box's place with no floats on the page (`avoid_collisions`), a box whose style has
no background skipping the background lookups (`layout_box_backgrounds`), the corner
radii of a style with no rounded corner set at once (`resolve_radii_percentages`), pydyf's page
references built once per page list instead of on each of ~500 reads,
pydyf's conversion of operands to bytes (exact types first), the operator setting an sRGB
colour kept by colour (`set_color`), no margin box built for the sides and corners of a
page that no margin rule applies to (`make_margin_boxes`), the stream's marked content,
artifact and saved-state blocks as plain context managers (`stream_marked`), a text's
white space collapsed once per text and white-space value (`process_whitespace`), a
box's start and end page values at once when no `page` property is declared
(`page_values`), and `cached_property` without the lock Python 3.11 takes on first use.

The output is byte for byte what WeasyPrint writes without any of this
(tests/test_report_speedups.py renders the examples, names in every bundled script and
random text both ways). Anything unusual (decorations, ellipses,
colour or bitmap fonts, raised glyphs, glyphs missing from the fonts) takes WeasyPrint's
own path. The code reads WeasyPrint's internals, so it is used only with the version it
was written for; with any other version, WeasyPrint runs unchanged.
"""

from __future__ import annotations

import copy
import functools
import itertools
import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator
from math import inf
from typing import Any, NamedTuple

import cssselect2
import pydyf
import tinycss2.color4
import tinycss2.color5
import weasyprint
from weasyprint import css as weasy_css
from weasyprint import document as weasy_document
from weasyprint import draw as weasy_draw
from weasyprint import layout as weasy_layout
from weasyprint.css.functions import check_math
from weasyprint.css.properties import Dimension
from weasyprint.draw import border as weasy_border
from weasyprint.draw import text as weasy_text
from weasyprint.formatting_structure import boxes as weasy_boxes
from weasyprint.formatting_structure import build as weasy_build
from weasyprint.layout import absolute, block, column, grid, page, table
from weasyprint.layout import background as weasy_background
from weasyprint.layout import float as weasy_float
from weasyprint.layout import inline as weasy_inline
from weasyprint.layout import page as weasy_page
from weasyprint.layout import percent as weasy_percent
from weasyprint.layout import preferred as weasy_preferred
from weasyprint.pdf import fonts as weasy_fonts
from weasyprint.pdf import stream as weasy_stream
from weasyprint.text import line_break
from weasyprint.text.ffi import FROM_UNITS, ffi, pango
from weasyprint.text.fonts import get_pango_font_key

WEASYPRINT_VERSION = "70.0"
# Entries kept per thread and kind, least recently used dropped first: a summary has a few
# hundred pieces of text, most of them the same in every summary; patients' own text
# comes and goes.
LIMIT = 1_500
# Hashes of keys met once, kept per cache of text before they are forgotten (see _met_before).
SEEN_LIMIT = 4 * LIMIT
# Font subsets kept per thread: ~20 kB each; a summary has three or four fonts, and a new
# subset only when its text has a glyph the earlier ones lacked.
SUBSET_LIMIT = 60
# Every style property the line breaking and the drawing read (Layout.setup, set_text,
# split_first_line, first_line_metrics, get_font_description, font_features).
STYLE_KEYS = (
    "font_family", "font_style", "font_stretch", "font_weight", "font_size", "line_height",
    "font_variant_ligatures", "font_variant_position", "font_variant_caps",
    "font_variant_numeric", "font_variant_alternates", "font_variant_east_asian",
    "font_feature_settings", "font_variation_settings", "font_language_override", "lang",
    "font_kerning", "direction", "text_decoration_line", "white_space", "hyphens",
    "hyphenate_limit_chars", "hyphenate_limit_zone", "hyphenate_character", "overflow_wrap",
    "word_break", "letter_spacing", "word_spacing", "tab_size",
)

# Off only in a test, to check the glyph-by-glyph path on every example.
FAST_RUNS = True
# The modules that call resolve_percentages by the name they imported.
PERCENTAGE_USERS = (weasy_percent, weasy_inline, page, weasy_float, grid, absolute, block,
                    column, table)
# Classes whose functools.cached_property values are looked up thousands of times a render;
# in Python 3.11 each first look takes a lock (3.12 dropped it).
LOCKED_PROPERTY_OWNERS = (cssselect2.ElementWrapper, weasy_css.Style)
_local = threading.local()
_serials = itertools.count(1)  # numbers the shared styles; next() is atomic
_installed: dict[str, Any] = {}


def install() -> bool:
    """Put the reusing functions in place of WeasyPrint's; return whether they are in use."""
    if weasyprint.__version__ != WEASYPRINT_VERSION:
        return False
    if not _installed:
        _installed.update(split=line_break.split_first_line, draw=weasy_text.draw_text,
                          percentage=weasy_percent.resolve_one_percentage,
                          normal_flow=weasy_boxes.Box.is_in_normal_flow,
                          border=weasy_border.draw_border,
                          styles=weasy_css.StyleFor.set_computed_styles,
                          percentages=weasy_percent.resolve_percentages,
                          to_bytes=pydyf._to_bytes, strut=line_break.strut,
                          style_init=weasy_css.StyleFor.__init__,
                          collisions=weasy_float.avoid_collisions,
                          backgrounds=weasy_background.layout_box_backgrounds,
                          page_references=vars(pydyf.PDF)["page_references"],
                          radii=weasy_background.resolve_radii_percentages,
                          subset=weasy_fonts.Font.subset,
                          generate_pdf=weasy_document.generate_pdf,
                          set_color=weasy_stream.Stream.set_color,
                          margin_boxes=weasy_layout.make_margin_boxes,
                          stacked=weasy_stream.Stream.stacked,
                          marked=weasy_stream.Stream.marked,
                          artifact=weasy_stream.Stream.artifact,
                          whitespace=weasy_boxes.TextBox.process_whitespace,
                          ffi=weasy_fonts.ffi, linebox=weasy_inline.get_next_linebox,
                          page_values=weasy_boxes.ParentBox.page_values,
                          layout_context=vars(weasy_document.Document)["_build_layout_context"])
        weasy_inline.split_first_line = split_first_line
        weasy_preferred.split_first_line = split_first_line
        weasy_draw.draw_text = draw_text
        weasy_percent.resolve_one_percentage = resolve_one_percentage
        weasy_boxes.Box.is_in_normal_flow = is_in_normal_flow
        weasy_draw.draw_border = draw_border
        weasy_css.StyleFor.set_computed_styles = set_computed_styles
        for module in PERCENTAGE_USERS:
            module.resolve_percentages = resolve_percentages
        pydyf._to_bytes = _to_bytes
        weasy_inline.strut = strut
        weasy_css.StyleFor.__init__ = style_for_init
        weasy_inline.avoid_collisions = avoid_collisions
        weasy_background.layout_box_backgrounds = layout_box_backgrounds
        pydyf.PDF.page_references = property(page_references)
        weasy_background.resolve_radii_percentages = resolve_radii_percentages
        weasy_fonts.Font.subset = font_subset
        weasy_document.generate_pdf = generate_pdf
        weasy_stream.Stream.set_color = set_color
        weasy_layout.make_margin_boxes = make_margin_boxes
        weasy_stream.Stream.stacked = stream_stacked
        weasy_stream.Stream.marked = stream_marked
        weasy_stream.Stream.artifact = stream_artifact
        weasy_boxes.TextBox.process_whitespace = process_whitespace
        weasy_fonts.ffi = OpenArrays(_installed["ffi"])
        weasy_inline.get_next_linebox = get_next_linebox
        weasy_boxes.ParentBox.page_values = page_values
        weasy_document.Document._build_layout_context = classmethod(build_layout_context)
        for owner in LOCKED_PROPERTY_OWNERS:
            for name, value in list(vars(owner).items()):
                if isinstance(value, functools.cached_property):
                    _installed[f"property {owner.__name__}.{name}"] = value
                    setattr(owner, name, _CachedProperty(value.func, name))
    return True


def uninstall() -> None:
    """Put WeasyPrint's own functions back (used by the tests that compare both)."""
    if _installed:
        weasy_inline.split_first_line = _installed["split"]
        weasy_preferred.split_first_line = _installed["split"]
        weasy_draw.draw_text = _installed["draw"]
        weasy_percent.resolve_one_percentage = _installed["percentage"]
        weasy_boxes.Box.is_in_normal_flow = _installed["normal_flow"]
        weasy_draw.draw_border = _installed["border"]
        weasy_css.StyleFor.set_computed_styles = _installed["styles"]
        for module in PERCENTAGE_USERS:
            module.resolve_percentages = _installed["percentages"]
        pydyf._to_bytes = _installed["to_bytes"]
        weasy_inline.strut = _installed["strut"]
        weasy_css.StyleFor.__init__ = _installed["style_init"]
        weasy_inline.avoid_collisions = _installed["collisions"]
        weasy_background.layout_box_backgrounds = _installed["backgrounds"]
        pydyf.PDF.page_references = _installed["page_references"]
        weasy_background.resolve_radii_percentages = _installed["radii"]
        weasy_fonts.Font.subset = _installed["subset"]
        weasy_document.generate_pdf = _installed["generate_pdf"]
        weasy_stream.Stream.set_color = _installed["set_color"]
        weasy_layout.make_margin_boxes = _installed["margin_boxes"]
        weasy_stream.Stream.stacked = _installed["stacked"]
        weasy_stream.Stream.marked = _installed["marked"]
        weasy_stream.Stream.artifact = _installed["artifact"]
        weasy_boxes.TextBox.process_whitespace = _installed["whitespace"]
        weasy_fonts.ffi = _installed["ffi"]
        weasy_inline.get_next_linebox = _installed["linebox"]
        weasy_boxes.ParentBox.page_values = _installed["page_values"]
        weasy_document.Document._build_layout_context = _installed["layout_context"]
        for owner in LOCKED_PROPERTY_OWNERS:
            for name, value in list(vars(owner).items()):
                if isinstance(value, _CachedProperty):
                    setattr(owner, name, _installed[f"property {owner.__name__}.{name}"])
        _installed.clear()


def installed() -> bool:
    """Return whether the reusing functions are in use."""
    return bool(_installed)


def memoize_matching(sheet: Any) -> None:
    """Match each kind of element against this stylesheet once per thread, not per render.

    For the summary's own stylesheet only: every selector in it is one class or one element
    name (tests/test_report_lean.py holds it to that), so the rules an element matches
    follow from its tag and attributes alone; data- attributes, which carry a submission's
    reference to the page footer, are left out of the key (no selector may name them).
    """
    original = sheet.matcher.match
    memo: OrderedDict[Any, Any] = OrderedDict()

    def match(element: Any) -> Any:
        tree = element.etree_element
        key = (tree.tag, tuple(item for item in tree.attrib.items()
                               if not item[0].startswith("data-")))
        found = _recall(memo, key)
        if found is None:
            found = original(element)
            _remember(memo, key, found)
        return found

    sheet.matcher.match = match


def reuse_for(font_config: Any) -> None:
    """Reuse work in this thread's renders made with this font configuration, only.

    The app builds one per thread and keeps it (render.py); cached layouts keep its fonts
    alive. Renders with any other configuration (a plain WeasyPrint call elsewhere in the
    process) run as WeasyPrint wrote them. A new configuration starts empty caches.
    """
    if getattr(_local, "font_config", None) is not font_config:
        clear()
        _local.font_config = font_config


def release() -> None:
    """Drop this thread's caches and its font configuration (before the process exits)."""
    clear()
    _local.font_config = None


def _fonts() -> Any:
    return getattr(_local, "font_config", None)


def clear() -> None:
    """Empty this thread's caches (and forget the keys met once)."""
    for cache in getattr(_local, "caches", {}).values():
        cache.clear()
    getattr(_local, "seen", {}).clear()


def cache_sizes() -> dict[str, int]:
    """Return how many entries this thread's caches hold, by kind."""
    caches: dict[str, OrderedDict[Any, Any]] = getattr(_local, "caches", {})
    return {kind: len(cache) for kind, cache in caches.items()}


def _cache(kind: str) -> OrderedDict[Any, Any]:
    caches: dict[str, OrderedDict[Any, Any]] | None = getattr(_local, "caches", None)
    if caches is None:
        caches = _local.caches = {"split": OrderedDict(), "draw": OrderedDict(),
                                  "styles": OrderedDict(), "elements": OrderedDict(),
                                  "subsets": OrderedDict(), "whitespace": OrderedDict(),
                                  "lines": OrderedDict()}
    return caches[kind]


def _remember(cache: OrderedDict[Any, Any], key: Any, value: Any,
              limit: int | None = None) -> None:
    """Add an entry, dropping the least recently used beyond the limit (LIMIT if none)."""
    cache[key] = value
    while len(cache) > min(LIMIT, limit or LIMIT):
        cache.popitem(last=False)


def _met_before(cache: OrderedDict[Any, Any], key: Any) -> bool:
    """Return whether a key missing from a cache was met before; remember that it was.

    The caches of text keep an entry the second time its key is met: nearly every piece of
    text in a summary comes again in the next one, while the patient's own (name, date of
    birth, reference, typed answers) usually does not. Such text is laid out and drawn as
    usual but not kept, so it neither pushes shared entries out nor stays in memory; only
    the key's hash is remembered, up to SEEN_LIMIT hashes a cache, then forgotten at once.
    """
    seen: dict[int, set[int]] | None = getattr(_local, "seen", None)
    if seen is None:
        seen = _local.seen = {}
    hashes = seen.setdefault(id(cache), set())
    marker = hash(key)
    if marker in hashes:
        return True
    if len(hashes) >= SEEN_LIMIT:
        hashes.clear()
    hashes.add(marker)
    return False


def _recall(cache: OrderedDict[Any, Any], key: Any) -> Any:
    """Return an entry (None if absent), marking it as recently used."""
    found = cache.get(key)
    if found is not None:
        cache.move_to_end(key)
    return found


def _style_key(style: Any) -> str:
    """Return what the text work reads from a style, worked out once per style object.

    A style object belongs to one render (or is shared as a whole, see
    set_computed_styles); a changed copy is a new object.
    """
    key: str | None = style.__dict__.get("_text_reuse_key")
    if key is None:
        key = style.__dict__["_text_reuse_key"] = repr(tuple(style[name] for name in STYLE_KEYS))
    return key


def split_first_line(text: str, style: Any, context: Any, max_width: Any,
                     justification_spacing: Any, is_line_start: bool = True,
                     minimum: bool = False) -> Any:
    """WeasyPrint's split_first_line, answered from the cache when it has seen the text."""
    if style.font_config is not _fonts():
        return _installed["split"](text, style, context, max_width, justification_spacing,
                                   is_line_start, minimum)
    key = (text, _style_key(style), max_width, justification_spacing, is_line_start, minimum)
    cache = _cache("split")
    found = _recall(cache, key)
    if found is None:
        found = _installed["split"](text, style, context, max_width, justification_spacing,
                                    is_line_start, minimum)
        if _met_before(cache, key):
            _remember(cache, key, found)
    # The layout is handed on to the text box, which changes it when drawing: a copy each.
    layout, *rest = found
    return (_copy_layout(layout), *rest)


def strut(style: Any) -> Any:
    """WeasyPrint's strut (line height and baseline of a style), once per style object.

    WeasyPrint caches it per font but builds the cache key, a string of fourteen
    properties, on each of the ~500 calls a render makes.
    """
    found = style.__dict__.get("_strut")
    if found is None:
        found = _installed["strut"](style)
        if style.font_config is _fonts():
            style.__dict__["_strut"] = found
    return found


def _copy_layout(layout: Any) -> Any:
    """Return a shallow copy of a Layout (copy.copy's generic path took 4 % of a render)."""
    copied = object.__new__(type(layout))
    copied.__dict__.update(layout.__dict__)
    return copied


def draw_text(stream: Any, textbox: Any, offset_x: Any, text_overflow: str,
              block_ellipsis: str = "none") -> None:
    """WeasyPrint's draw_text, writing the glyphs from the cache when it has them."""
    style = textbox.style
    if (style.font_config is not _fonts() or text_overflow == "ellipsis"
            or block_ellipsis != "none"
            or style["visibility"] != "visible" or style["text_decoration_line"] != "none"
            or style["font_size"] < 1e-6 or not textbox.text.strip()):
        _installed["draw"](stream, textbox, offset_x, text_overflow, block_ellipsis)
        return
    layout = textbox.pango_layout
    key = (layout.text, _style_key(style), layout.justification_spacing)
    cache = _cache("draw")
    runs = _recall(cache, key)
    if runs is None:
        # Read once, then written from what was read: the same operators WeasyPrint writes.
        runs = _read_glyphs(stream, textbox)
        if _met_before(cache, key):
            _remember(cache, key, runs)
    if runs is False:  # something only WeasyPrint's own path handles
        _installed["draw"](stream, textbox, offset_x, text_overflow, block_ellipsis)
        return
    stream.set_color(style["color"])
    stream.begin_text()
    _write_glyphs(stream, textbox, runs)
    stream.end_text()


class _Run(NamedTuple):
    """One run of glyphs in one font, as draw_first_line reads it from Pango."""

    pango_font: Any
    font_size: float
    bitmap: bool
    glyphs: tuple[tuple[int, float, float, str | None, int | None], ...]
    ids: tuple[int, ...]  # the drawn glyphs (not Pango's empty ones), in order
    own_widths: list[int]  # the width each of them records in the font if it is first
    characters: tuple[str, ...]  # the text each of them stands for
    id_set: frozenset[int]  # the same ids, to see at once whether the font has them all
    own_string: str  # the operators when every glyph's recorded width is its own
    font_key: Any  # the key of the document's font for pango_font (kept alive with it)


def _read_glyphs(stream: Any, textbox: Any) -> Any:
    """Return the line's runs of glyphs as draw_first_line reads them, or False.

    Per glyph: its id, x offset, advance, the text it stands for and the width it records.
    The layout is kept with the runs: it keeps their Pango fonts alive.
    """
    style = textbox.style
    layout = _copy_layout(textbox.pango_layout)
    layout.reactivate(style)
    pango.pango_layout_set_single_paragraph_mode(layout.layout, True)
    first_line, _ = layout.get_first_line()
    utf8_text = layout.text.encode()
    runs = []
    run = first_line.runs[0]
    logical = ffi.new("PangoRectangle *")
    while run != ffi.NULL:
        glyph_item = run.data
        run = run.next
        glyph_string = glyph_item.glyphs
        num_glyphs = glyph_string.num_glyphs
        clusters = glyph_string.log_clusters
        pango_font = glyph_item.item.analysis.font
        description = ffi.gc(pango.pango_font_describe_with_absolute_size(pango_font),
                             pango.pango_font_description_free)
        font_size = pango.pango_font_description_get_size(description) * FROM_UNITS
        # Adds the font to the document as drawing the run would, in the same order (fonts
        # are resources, not operators, so this may come before the line's colour).
        font, _ = stream.add_font(pango_font)
        if pango.pango_version() < 14802 or not font_size or font.png or font.svg or font.colr:
            return False
        offset = glyph_item.item.offset
        rtl = glyph_item.item.analysis.level % 2
        glyphs = []
        for i, glyph_info in enumerate(glyph_string.glyphs[0:num_glyphs]):
            glyph_id = glyph_info.glyph
            width = glyph_info.geometry.width
            if glyph_id & pango.PANGO_GLYPH_UNKNOWN_FLAG or glyph_info.geometry.y_offset:
                return False  # .notdef (warned about) and raised glyphs: WeasyPrint's path
            if glyph_id == pango.PANGO_GLYPH_EMPTY:
                glyphs.append((glyph_id, 0, width, None, None))
                continue
            t1 = clusters[i]
            if rtl:
                t2 = glyph_item.item.length if i == 0 else clusters[i - 1]
            else:
                t2 = glyph_item.item.length if i == num_glyphs - 1 else clusters[i + 1]
            pango.pango_font_get_glyph_extents(pango_font, glyph_id, ffi.NULL, logical)
            glyphs.append((glyph_id, glyph_info.geometry.x_offset, width,
                           utf8_text[offset + t1:offset + t2].decode(),
                           round(logical.width * 1000 * FROM_UNITS / font_size)))
        drawn = [glyph for glyph in glyphs if glyph[3] is not None]
        runs.append(_Run(
            pango_font, font_size, font.bitmap, tuple(glyphs),
            tuple(glyph[0] for glyph in drawn), [int(glyph[4] or 0) for glyph in drawn],
            tuple(str(glyph[3]) for glyph in drawn),
            frozenset(glyph[0] for glyph in drawn),
            _run_string(glyphs, font_size, font.bitmap, {}, {}),
            get_pango_font_key(pango_font)[0]))
    ffi.release(logical)
    return (layout.layout, tuple(runs))


def _run_string(glyphs: Any, font_size: float, bitmap: bool, widths: dict[int, int],
                to_unicode: dict[int, str]) -> str:
    """Return a run's text operators as draw_first_line writes them, filling the font's maps.

    The kerning of a glyph uses the width the font recorded first for it, which may come
    from another line in another size: WeasyPrint's arithmetic, in its order.
    """
    string = "<"
    for glyph_id, x_offset, width, characters, own_width in glyphs:
        if characters is None:  # PANGO_GLYPH_EMPTY
            string += f">{-width / font_size}<"
            continue
        if glyph_id not in to_unicode:
            to_unicode[glyph_id] = characters
        offset = x_offset / font_size
        if offset:
            string += f">{-offset}<"
        string += f"{glyph_id:02x}" if bitmap else f"{glyph_id:04x}"
        logical_width = widths.get(glyph_id)
        if logical_width is None:
            logical_width = widths[glyph_id] = own_width
        kerning = logical_width + offset - width * 1000 * FROM_UNITS / font_size
        if kerning:
            string += f">{int(kerning)}<"
    return string[:-1] if string[-1] == "<" else string + ">"


def _write_glyphs(stream: Any, textbox: Any, entry: Any) -> None:
    """Write the line as draw_first_line does, from the cached glyphs."""
    _alive, runs = entry
    # stream.set_text_matrix(*Matrix(d=-1, e=x, f=y).values), written directly.
    stream.stream.append(b"1 0 0 -1 " + _to_bytes(textbox.position_x) + b" "
                         + _to_bytes(textbox.position_y + textbox.baseline) + b" Tm")
    previous_font = None
    string = ""
    for run in runs:
        if run.pango_font != previous_font:
            previous_font = run.pango_font
            # The document's font, looked up by its key without describing the font again.
            font = stream._fonts.get(run.font_key)
            if font is None:
                font, _ = stream.add_font(run.pango_font)
            if string:
                stream.show_text(string)
            string = ""
            stream.set_font_size(font.hash, 1 if run.bitmap else run.font_size)
        widths, to_unicode = font.widths, font.to_unicode
        if FAST_RUNS and list(map(widths.get, run.ids, run.own_widths)) == run.own_widths:
            # Every glyph is new to the font or recorded with its own width: the operators
            # are the ones worked out when the line was read. Record what the font lacks,
            # in the same order (first text and first width win, as in WeasyPrint).
            string += run.own_string
            if not run.id_set <= widths.keys():
                _consume(map(widths.setdefault, run.ids, run.own_widths))
            if not run.id_set <= to_unicode.keys():
                _consume(map(to_unicode.setdefault, run.ids, run.characters))
        else:
            string += _run_string(run.glyphs, run.font_size, run.bitmap, widths, to_unicode)
    stream.show_text(string)


def _consume(iterator: Iterator[Any]) -> None:
    """Run an iterator to its end, keeping nothing."""
    deque(iterator, maxlen=0)


MINIMUMS = ("min_width", "min_height")
NOT_IN_FLOW_FLOATS = ("left", "right", "inline-start", "inline-end", "footnote")
NOT_IN_FLOW_POSITIONS = ("absolute", "fixed")
NOT_IN_FLOW_FUNCTIONS = ("running()", "note()")


def resolve_one_percentage(box: Any, property_name: str, refer_to: Any) -> None:
    """WeasyPrint's resolve_one_percentage, with lengths in px and % read directly."""
    value = box.style[property_name]
    if type(value) is Dimension and value.unit == "px":
        used = value.value
    elif type(value) is Dimension and value.unit == "%":
        used = refer_to * value.value / 100
    else:
        used = weasy_percent.percentage(value, box.style, refer_to)
    if used == "auto" and property_name in MINIMUMS:
        used = 0
    setattr(box, property_name, used)


def is_in_normal_flow(self: Any) -> bool:
    """WeasyPrint's Box.is_in_normal_flow, from one look at the float and position."""
    style = self.style
    if style["float"] in NOT_IN_FLOW_FLOATS:
        return False
    position = style["position"]
    return not (position in NOT_IN_FLOW_POSITIONS or position[0] in NOT_IN_FLOW_FUNCTIONS)


def draw_border(stream: Any, box: Any) -> None:
    """WeasyPrint's draw_border, returning at once for a box with nothing to draw, and
    drawing solid borders with square corners directly.

    Without borders, a border image or column rules, WeasyPrint's own function draws
    nothing either; it gets there after a dozen style lookups. Solid borders (every
    border of the summary but the flags' dashed and dotted ones) are drawn with the
    operators WeasyPrint writes for them, worked out without its general geometry for
    rounded corners and dashes (~90 µs a box, with ~40 boxes a summary): see
    _solid_border_plan and _draw_solid_border.
    """
    widths = (box.border_top_width, box.border_right_width, box.border_bottom_width,
              box.border_left_width)
    style = box.style
    if widths == NO_BORDER:
        if style["border_image_source"][0] == "none" and not (
                isinstance(box, weasy_boxes.BlockContainerBox)
                and (style["column_width"] != "auto" or style["column_count"] != "auto")
                and style["column_rule_width"]):
            return
    elif style.font_config is _fonts() and FAST_BORDERS:
        plans = style.__dict__.get("_solid_borders")
        if plans is None:
            plans = style.__dict__["_solid_borders"] = {}
        plan = plans.get(widths, NOT_PLANNED)
        if plan is NOT_PLANNED:
            plan = plans[widths] = _solid_border_plan(box, style, widths)
        if plan is not None and all(
                radius == (0, 0) for radius in (
                    box.border_top_left_radius, box.border_top_right_radius,
                    box.border_bottom_right_radius, box.border_bottom_left_radius)):
            _draw_solid_border(stream, box, widths, plan)
            return
    _installed["border"](stream, box)


NO_BORDER = (0, 0, 0, 0)
NOT_PLANNED = object()
# Off only in a test, to check that the direct path is what the examples take.
FAST_BORDERS = True
BORDER_SIDES = ("top", "right", "bottom", "left")


def _solid_border_plan(box: Any, style: Any, widths: tuple[Any, ...]) -> Any:
    """Return how WeasyPrint's draw_border draws a box of this style with these border
    widths when every border drawn is solid and no corner is rounded, else None.

    The plan is (None, colour) for one ring of one colour (WeasyPrint's simple case), or
    ((side index, colour), ...) for the sides drawn one by one, in its order.
    It follows from the style and the widths alone (the corners are checked per box).
    """
    from weasyprint.draw.color import get_color

    if (style["visibility"] != "visible" or style["border_image_source"][0] != "none"
            or (isinstance(box, weasy_boxes.BlockContainerBox)
                and (style["column_width"] != "auto" or style["column_count"] != "auto"))):
        return None
    colors = [get_color(style, f"border_{side}_color") for side in BORDER_SIDES]
    styles = [colors[i].alpha and style[f"border_{side}_style"]
              for i, side in enumerate(BORDER_SIDES)]
    if set(styles) == {"solid"} and len(set(colors)) == 1 and 0 not in widths:
        return (None, colors[0])
    if any(width != 0 and styles[index] != "solid" for index, width in enumerate(widths)):
        return None  # dashes, dots, double lines, 3D styles or an invisible side
    return tuple((index, colors[index]) for index in (2, 3, 1, 0) if widths[index] != 0)


def _border_rectangle(box: Any, top: Any, right: Any, bottom: Any,
                      left: Any) -> tuple[Any, Any, Any, Any]:
    """Return Box.rounded_box's rectangle (no radii), in its arithmetic."""
    return (box.border_box_x() + left, box.border_box_y() + top,
            box.border_width() - left - right, box.border_height() - top - bottom)


def _draw_solid_border(stream: Any, box: Any, widths: tuple[Any, ...], plan: Any) -> None:
    """Write what WeasyPrint's draw_border writes for a plan of _solid_border_plan.

    Each ring is an artifact in its own graphics state: the colour, the padding box and
    the border box filled even-odd; a side drawn alone is clipped first to the
    trapezoid clip_border_segment gives it with square corners.
    """
    bt, br, bb, bl = widths
    padding_box = _border_rectangle(box, bt, br, bb, bl)
    border_box = _border_rectangle(box, 0, 0, 0, 0)
    tagged = stream._tags is not None
    rings = (plan,) if plan[0] is None else plan
    for index, color in rings:
        if tagged:
            stream.begin_marked_content("Artifact")
        stream.push_state()
        if index is not None:
            _clip_square_side(stream, index, border_box, widths)
        stream.set_color(color)
        stream.rectangle(*padding_box)
        stream.rectangle(*border_box)
        stream.fill(even_odd=True)
        stream.pop_state()
        if tagged:
            stream.end_marked_content()


def _clip_square_side(stream: Any, index: int, border_box: tuple[Any, ...],
                      widths: tuple[Any, ...]) -> None:
    """Write clip_border_segment's clip for one solid side with square corners.

    With no radius, each corner's transition point is the inner corner of the borders.
    """
    bbx, bby, bbw, bbh = border_box
    bt, br, bb, bl = widths
    if index == 0:  # top
        main_offset = bby
        stream.move_to(bbx + bbw, main_offset)
        stream.line_to(bbx, main_offset)
        stream.line_to(bbx + bl, main_offset + bt)
        stream.line_to(bbx + bbw + -br, main_offset + bt)
    elif index == 2:  # bottom
        main_offset = bby + bbh
        stream.move_to(bbx + bbw, main_offset)
        stream.line_to(bbx, main_offset)
        stream.line_to(bbx + bl, main_offset + -bb)
        stream.line_to(bbx + bbw + -br, main_offset + -bb)
    elif index == 1:  # right
        main_offset = bbx + bbw
        stream.move_to(main_offset, bby + bbh)
        stream.line_to(main_offset, bby)
        stream.line_to(main_offset + -br, bby + bt)
        stream.line_to(main_offset + -br, bby + bbh + -bb)
    else:  # left
        main_offset = bbx
        stream.move_to(main_offset, bby + bbh)
        stream.line_to(main_offset, bby)
        stream.line_to(main_offset + bl, bby + bt)
        stream.line_to(main_offset + bl, bby + bbh + -bb)
    stream.clip(even_odd=True)
    stream.end()


def set_computed_styles(self: Any, element: Any, parent: Any, root: Any = None,
                        pseudo_type: Any = None, base_url: Any = None,
                        target_collector: Any = None) -> None:
    """WeasyPrint's StyleFor.set_computed_styles, sharing computed styles across renders.

    WeasyPrint already shares one computed style between the elements of a document that
    have the same parent style and the same matched declarations. This carries that
    sharing over to the next render on the thread: a style depends only on its parent's
    style and on its cascaded declarations, which come from the stylesheet parsed once per
    thread (the same objects every render). Values WeasyPrint works out lazily (on first
    use) are then already there.
    """
    cascaded = self.get_cascaded_styles().get((element, pseudo_type), {})
    computed_styles = self.get_computed_styles()
    if element == root and pseudo_type is None:
        parent_serial: int | None = 0
    else:
        parent_serial = computed_styles[parent, None].__dict__.get("_reuse_serial")
    if (parent_serial is None or self.font_config is not _fonts()
            or self.initial_page_sizes != {"box": None, "area": None}):
        _installed["styles"](self, element, parent, root, pseudo_type, base_url,
                             target_collector)
        return
    key = (parent_serial, pseudo_type, base_url, repr(tuple(cascaded.items())))
    cache = _cache("styles")
    found = _recall(cache, key)
    if found is None:
        _installed["styles"](self, element, parent, root, pseudo_type, base_url,
                             target_collector)
        style = computed_styles[element, pseudo_type]
        style.__dict__["_reuse_serial"] = next(_serials)
        # The declarations are kept with the entry, so their ids stay theirs.
        _remember(cache, key, (style, tuple(cascaded.values())))
        return
    style = computed_styles[element, pseudo_type] = found[0]
    if target_collector and style["anchor"]:
        target_collector.collect_anchor(style["anchor"])


def resolve_percentages(box: Any, containing_block: Any) -> None:
    """WeasyPrint's resolve_percentages, with lengths in px and % read directly.

    The used values follow from the style, the containing block's size and whether the
    box is a page: for a style of this thread's renders (shared across them, see
    set_computed_styles) they are kept on the style per size and set again from there.
    Boxes with collapsing borders (tables) always take the full path.
    """
    if isinstance(containing_block, weasy_boxes.Box):
        cb_width, cb_height = containing_block.width, containing_block.height
    else:
        cb_width, cb_height = containing_block
    is_page = isinstance(box, weasy_boxes.PageBox)
    style = box.style
    known = style.__dict__.get("_used_values")
    if known is not None:
        found = known.get((cb_width, cb_height, is_page))
        if found is not None:
            box.__dict__.update(zip(USED_NAMES, found, strict=True))
            return
    _resolve_percentages(box, style, cb_width, cb_height, is_page)
    if style["border_collapse"] != "collapse" and style.font_config is _fonts():
        if known is None:
            known = style.__dict__["_used_values"] = {}
        known[cb_width, cb_height, is_page] = tuple(box.__dict__[name] for name in USED_NAMES)


def _resolve_percentages(box: Any, style: Any, cb_width: Any, cb_height: Any,
                         is_page: bool) -> None:
    maybe_height = cb_height if is_page else cb_width
    for name, refer_to in (("margin_left", cb_width), ("margin_right", cb_width),
                           ("margin_top", maybe_height), ("margin_bottom", maybe_height),
                           ("padding_left", cb_width), ("padding_right", cb_width),
                           ("padding_top", maybe_height), ("padding_bottom", maybe_height),
                           ("width", cb_width), ("min_width", cb_width),
                           ("max_width", cb_width)):
        value = style[name]
        if type(value) is Dimension and value.unit == "px":
            setattr(box, name, value.value)
        else:
            resolve_one_percentage(box, name, refer_to)
    if cb_height == "auto":
        # The containing block's height depends on its content.
        height = style["height"]
        if height == "auto" or check_math(height) or height.unit == "%":
            box.height = "auto"
        else:
            assert height.unit.lower() == "px"  # noqa: S101  # nosec B101  # as WeasyPrint
            box.height = height.value
        resolve_one_percentage(box, "min_height", 0)
        resolve_one_percentage(box, "max_height", inf)
    else:
        resolve_one_percentage(box, "height", cb_height)
        resolve_one_percentage(box, "min_height", cb_height)
        resolve_one_percentage(box, "max_height", cb_height)
    collapse = style["border_collapse"] == "collapse"
    for prop in BORDER_WIDTHS:
        # Used value == computed value, unless resolved by collapsed-border conflicts.
        if not (collapse and hasattr(box, prop)):
            setattr(box, prop, style[prop])
    weasy_percent.adjust_box_sizing(box, "width")
    weasy_percent.adjust_box_sizing(box, "height")


BORDER_WIDTHS = ("border_top_width", "border_right_width", "border_bottom_width",
                 "border_left_width")
# Every attribute resolve_percentages sets on a box (none is a property of Box).
USED_NAMES = ("margin_left", "margin_right", "margin_top", "margin_bottom", "padding_left",
              "padding_right", "padding_top", "padding_bottom", "width", "min_width",
              "max_width", "height", "min_height", "max_height", *BORDER_WIDTHS)


def _to_bytes(item: Any) -> Any:
    """pydyf's _to_bytes, with the common exact types first (subclasses take pydyf's)."""
    kind = type(item)
    if kind is bytes:
        return item
    if kind is str:
        return item.encode("ascii")
    if kind is int:
        return str(item).encode("ascii")
    if kind is float:
        if item.is_integer():
            return str(int(item)).encode("ascii")
        return f"{item:f}".rstrip("0").encode("ascii")
    return _installed["to_bytes"](item)


class _CachedProperty:
    """functools.cached_property without the lock Python 3.11 takes on every first look.

    The value is computed from the instance alone, so two threads computing it at once
    get equal values, and the instance keeps one of them.
    """

    def __init__(self, function: Callable[[Any], Any], name: str) -> None:
        self.func = function
        self.attrname = name
        self.__doc__ = function.__doc__

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        if instance is None:
            return self
        value = instance.__dict__[self.attrname] = self.func(instance)
        return value


def style_for_init(self: Any, html: Any, sheets: Any, presentational_hints: Any,
                   font_config: Any, target_collector: Any) -> None:
    """WeasyPrint's StyleFor.__init__, giving an element a style seen in an earlier render
    without matching and cascading it again.

    The style an element gets follows from its parent's style, the declarations of its own
    attributes (style, lang, id) and the rules it matches, which with the summary's
    stylesheet follow from its tag and attributes (see memoize_matching). So an element
    without declarations of its own, under a parent style shared across renders (see
    set_computed_styles), takes the style an element with the same tag and attributes
    under the same parent style got before. Everything else is WeasyPrint's code, as is.
    """
    _local.unnamed_pages = False
    if font_config is not _fonts():
        _installed["style_init"](self, html, sheets, presentational_hints, font_config,
                                 target_collector)
        return
    cascaded_styles: dict[Any, Any] = {}
    computed_styles: dict[Any, Any] = {}
    self._cascaded_styles, self._computed_styles = cascaded_styles, computed_styles
    self.initial_page_sizes = {"box": None, "area": None}
    self._sheets = sheets
    self.font_config = font_config
    weasy_css.PROGRESS_LOGGER.info("Step 3 - Applying CSS")
    layer_order = inf
    elements_declarations: dict[Any, Any] = {}
    for specificity, element, declarations, base_url in weasy_css.find_style_attributes(
            html.etree_element, presentational_hints, html.base_url):
        style = cascaded_styles.setdefault((element, None), {})
        elements_declarations[element] = tuple(declarations)
        for name, values, importance in weasy_css.preprocess_declarations(
                base_url, declarations):
            precedence = weasy_css.declaration_precedence("author", importance)
            weight = (precedence, layer_order, specificity)
            old_weight = style.get(name, (None, None))[1]
            if old_weight is None or old_weight <= weight:
                style[name] = values, weight
    memo = _cache("elements")
    sheet_ids = tuple(id(sheet) for sheet, _origin, _specificity in sheets)
    computed_cache: dict[Any, Any] = {}
    for element in html.wrapper_element.iter_subtree():
        etree_element = element.etree_element
        parent = element.parent.etree_element if element.parent else None
        parent_style = computed_styles[parent, None] if element.parent else None
        element_declarations = elements_declarations.get(etree_element)
        memo_key = None
        if element_declarations is None and parent_style is not None:
            serial = parent_style.__dict__.get("_reuse_serial")
            if serial is not None:
                memo_key = (serial, sheet_ids, etree_element.tag, tuple(
                    item for item in etree_element.attrib.items()
                    if not item[0].startswith("data-")))
                found = _recall(memo, memo_key)
                if found is not None:
                    computed_styles[etree_element, None] = found
                    if target_collector and found["anchor"]:
                        target_collector.collect_anchor(found["anchor"])
                    continue
        parent_id = id(parent_style) if element.parent else None
        selectors_keys = []
        pseudo = False
        for sheet, origin, sheet_specificity in sheets:
            for selector in sheet.matcher.match(element):
                specificity, _order, pseudo_type, (declarations, layer) = selector
                layer_order = inf if layer is None else sheet.layers.index(layer)
                selectors_keys.append((sheet, specificity, id(declarations), layer_order))
                specificity = sheet_specificity or specificity
                pseudo = pseudo or pseudo_type is not None
                style = cascaded_styles.setdefault((etree_element, pseudo_type), {})
                for name, values, importance in declarations:
                    precedence = weasy_css.declaration_precedence(origin, importance)
                    weight = (precedence, layer_order, specificity)
                    old_weight = style.get(name, (None, None))[1]
                    if old_weight is None or old_weight <= weight:
                        style[name] = values, weight
        key = (parent_id, element_declarations, tuple(selectors_keys))
        if key in computed_cache:
            computed_styles[etree_element, None] = computed_cache[key]
        else:
            self.set_computed_styles(
                etree_element, root=html.etree_element, parent=parent,
                base_url=html.base_url, target_collector=target_collector)
            computed_cache[key] = computed_styles[etree_element, None]
        shared = computed_styles[etree_element, None]
        if memo_key is not None and not pseudo and "_reuse_serial" in shared.__dict__:
            _remember(memo, memo_key, shared)
    for element, pseudo_type in cascaded_styles:
        if pseudo_type:
            self.set_computed_styles(
                element, pseudo_type=pseudo_type, root=html.etree_element, parent=element,
                base_url=html.base_url, target_collector=target_collector)
    self._cascaded_styles.clear()
    # No page property anywhere: every box's start and end page values are "auto".
    _local.unnamed_pages = not any(
        _declares(sheet, "page") for sheet, _origin, _specificity in sheets) and not any(
        getattr(declaration, "lower_name", None) == "page"
        for declarations in elements_declarations.values() for declaration in declarations)


def avoid_collisions(context: Any, box: Any, containing_block: Any, outer: bool = True) -> Any:
    """WeasyPrint's avoid_collisions, worked out at once for a line box with no floats.

    With no float on the page the line fits between the containing block's content edges;
    any other case (floats, other boxes) takes WeasyPrint's own loop.
    """
    if (context.excluded_shapes or not isinstance(box, weasy_boxes.LineBox)
            or box.style["float"] != "none"):
        return _installed["collisions"](context, box, containing_block, outer)
    position_y = box.position_y if outer else box.border_box_y()
    max_left_bound = containing_block.content_box_x()
    max_right_bound = max_left_bound + containing_block.width
    if not outer:
        max_left_bound += box.margin_left
        max_right_bound -= box.margin_right
    position_x = (max_right_bound if containing_block.style["direction"] == "rtl"
                  else max_left_bound)
    available_width = max_right_bound - max_left_bound
    if not outer:
        position_x -= box.margin_left
        position_y -= box.margin_top
    return position_x, position_y, available_width


def layout_box_backgrounds(page: Any, box: Any, get_image_from_uri: Any,
                           layout_children: bool = True, style: Any = None) -> None:
    """WeasyPrint's layout_box_backgrounds, skipping the style lookups for a box whose
    style has no background, border image, mask image or shadow (known once per style)."""
    if style is None and box is not page:
        plain = box.style.__dict__.get("_plain_background")
        if plain is None:
            plain = _plain_background(box.style)
            if box.style.font_config is _fonts():
                box.style.__dict__["_plain_background"] = plain
        if plain:
            resolve_radii_percentages(box)
            if layout_children:
                for child in box.all_children():
                    layout_box_backgrounds(page, child, get_image_from_uri)
            box.background = None
            return
    _installed["backgrounds"](page, box, get_image_from_uri, layout_children, style)


def _plain_background(style: Any) -> bool:
    """Return whether WeasyPrint would give a box of this style no background at all."""
    from weasyprint.draw.color import get_color

    if style["border_image_source"][0] != "none" or style["mask_border_source"][0] != "none":
        return False
    if style["visibility"] != "hidden" and (
            any(kind != "none" for kind, _value in style["background_image"])
            or get_color(style, "background_color").alpha != 0):
        return False
    return not style["box_shadow"]


def page_references(self: Any) -> Any:
    """pydyf's PDF.page_references, built again only when the page list has changed.

    WeasyPrint's tags read it for every structure element (500 times a summary), and
    pydyf builds the whole tuple each time.
    """
    kids = self.pages["Kids"]
    found = self.__dict__.get("_page_references")
    if found is None or found[0] is not kids or found[1] != len(kids):
        references = tuple(f"{number} 0 R".encode("ascii") for number in kids[::3])
        found = self.__dict__["_page_references"] = (kids, len(kids), references)
    return found[2]


CORNER_RADII = ("border_top_left_radius", "border_top_right_radius",
                "border_bottom_right_radius", "border_bottom_left_radius")
SQUARE_CORNERS = dict.fromkeys(CORNER_RADII, (0, 0))


def resolve_radii_percentages(box: Any) -> None:
    """WeasyPrint's resolve_radii_percentages, at once for a style with no rounded corner.

    A corner whose computed radius has a zero length on either axis is (0, 0) whatever the
    box; the summary has no rounded corner, so every box takes the four at once (whether
    its style has one is known once per style).
    """
    style = box.style
    square = style.__dict__.get("_square_corners")
    if square is None:
        square = all((0, "px") in style[name] for name in CORNER_RADII)
        if style.font_config is _fonts():
            style.__dict__["_square_corners"] = square
    if square:
        box.__dict__.update(SQUARE_CORNERS)
    else:
        _installed["radii"](box)


def generate_pdf(document: Any, *args: Any, **kwargs: Any) -> Any:
    """WeasyPrint's generate_pdf, noting whether the document is one of this thread's renders
    (made with its font configuration): only their fonts' subsets are reused."""
    _local.subsetting = document.font_config is _fonts() and _fonts() is not None
    try:
        return _installed["generate_pdf"](document, *args, **kwargs)
    finally:
        _local.subsetting = False


class OpenArrays:
    """WeasyPrint's cffi handle, as its font subsetting sees it: glyph arrays are asked for
    by the open C type `hb_codepoint_t[]` instead of `hb_codepoint_t[N]`.

    cffi parses a C type the first time its exact text is seen, ~3 ms each, and subsetting
    names a new length N for nearly every summary with a new glyph count (a name with
    letters no earlier one had); the open type is parsed once and, given the same values,
    makes the same array. Everything else is the real handle's.
    """

    def __init__(self, ffi: Any) -> None:
        self._ffi = ffi

    def new(self, cdecl: str, init: Any = None) -> Any:
        """Make a C object; a glyph array by the open type, its length from its values."""
        if init is not None and cdecl.startswith("hb_codepoint_t[") and cdecl.endswith("]"):
            cdecl = "hb_codepoint_t[]"
        return self._ffi.new(cdecl, init)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ffi, name)


def font_subset(self: Any, to_unicode: Any, hinting: Any) -> None:
    """WeasyPrint's Font.subset, reusing the subset made before for the same glyphs.

    The summary's fonts are subset to the glyphs it draws, mostly the same from one summary
    to the next (~0.5 ms a font each time). A subset follows from the font file, the glyph
    ids, whether glyphs were missing and the hinting: the file is known by its face in
    this thread's font configuration (kept for the thread, see reuse_for), the
    description WeasyPrint embeds it by, and its length. A failed subset is not kept, so
    its warning is given each time.
    """
    if not getattr(_local, "subsetting", False) or not to_unicode:
        _installed["subset"](self, to_unicode, hinting)
        return
    key = (int(ffi.cast("uintptr_t", self.hb_face)), self.hash, self.index,
           len(self.file_content), tuple(sorted(to_unicode)), bool(self.missing), hinting)
    cache = _cache("subsets")
    found = _recall(cache, key)
    if found is None:
        original = self.file_content
        _installed["subset"](self, to_unicode, hinting)
        if self.file_content is original:
            return
        found = self.file_content
        _remember(cache, key, found, SUBSET_LIMIT)
    self.file_content = found


# The operators setting sRGB colours, by coordinates and stroke: a summary has a dozen.
_color_operators: dict[tuple[Any, bool], bytes] = {}
COLOR_LIMIT = 256
# tinycss2's colour classes, whose conversion and iteration set_color reproduces.
PLAIN_COLORS = (tinycss2.color4.Color, tinycss2.color5.Color)


def set_color(self: Any, color: Any, stroke: bool = False) -> None:
    """WeasyPrint's Stream.set_color, the operator for an sRGB colour kept by its value.

    WeasyPrint converts the colour to sRGB (a new colour object) and writes its three
    numbers on each change of colour (~300 a summary); for a colour already in sRGB the
    conversion only turns undefined coordinates into 0, so the operator follows from the
    coordinates and whether it strokes. Other colour spaces take WeasyPrint's own path.
    """
    if type(color) not in PLAIN_COLORS or color.space != "srgb":
        _installed["set_color"](self, color, stroke)
        return
    coordinates = color.coordinates
    self.set_alpha(color.alpha, stroke)
    current = ("srgb", *coordinates)
    if stroke:
        if current == self._current_color_stroke:
            return
        self._current_color_stroke = current
    else:
        if current == self._current_color:
            return
        self._current_color = current
    key = (coordinates, stroke)
    operator = _color_operators.get(key)
    if operator is None:
        red, green, blue = (coordinate or 0 for coordinate in coordinates)
        operator = b" ".join((pydyf._to_bytes(float(red)), pydyf._to_bytes(float(green)),
                              pydyf._to_bytes(float(blue)), b"RG" if stroke else b"rg"))
        if len(_color_operators) >= COLOR_LIMIT:
            _color_operators.clear()
        _color_operators[key] = operator
    self.stream.append(operator)


# The page margin boxes, by side: the side's prefix, whether it is vertical, its three boxes.
MARGIN_SIDES = (("top", False, ("left", "center", "right")),
                ("bottom", False, ("left", "center", "right")),
                ("left", True, ("top", "middle", "bottom")),
                ("right", True, ("top", "middle", "bottom")))
MARGIN_CORNERS = ("@top-left-corner", "@top-right-corner", "@bottom-left-corner",
                  "@bottom-right-corner")
EMPTY_CONTENT = ("normal", "inhibit", "none")


def make_margin_boxes(context: Any, page: Any, state: Any) -> Iterator[Any]:
    """WeasyPrint's make_margin_boxes, building no box for a side or corner that no margin
    rule of the page applies to.

    Such a side's three boxes take the page's anonymous style; when its content is empty
    none of them is generated, and WeasyPrint builds, sizes and drops them (twelve of the
    sixteen boxes of each page of the summary, whose only margin box is the footer). The
    page's anonymous style is still given the page-based counters it would have got; every
    other margin box is WeasyPrint's own work, in its order (the footer's text differs on
    each page, so nothing of it is reused).
    """
    if page.style.font_config is not _fonts():
        yield from _installed["margin_boxes"](context, page, state)
        return
    page_type = page.page_type
    anonymous = page.style.anonymous_style
    if anonymous["content"] not in EMPTY_CONTENT:
        yield from _installed["margin_boxes"](context, page, state)
        return
    skipped = set()
    for prefix, _vertical, suffixes in MARGIN_SIDES:
        keywords = [f"@{prefix}-{suffix}" for suffix in suffixes]
        if all(context.style_for(page_type, keyword) is None for keyword in keywords):
            skipped.update(keywords)
    skipped.update(keyword for keyword in MARGIN_CORNERS
                   if context.style_for(page_type, keyword) is None)
    if skipped:
        # What WeasyPrint's make_box does to the anonymous style for each of them.
        for keyword in sorted(skipped):
            weasy_page._standardize_page_based_counters(anonymous, keyword)
    yield from _margin_boxes(context, page, state, skipped)


def _margin_boxes(context: Any, page: Any, state: Any, skipped: set[str]) -> Iterator[Any]:
    """WeasyPrint's make_margin_boxes (layout/page.py), the boxes named in skipped left out."""
    def make_box(at_keyword: str, containing_block: Any) -> Any:
        style = context.style_for(page.page_type, at_keyword)
        if style is None:
            # doesn't affect counters
            style = page.style.anonymous_style
        weasy_page._standardize_page_based_counters(style, at_keyword)
        box = weasy_boxes.MarginBox(at_keyword, style)
        box.is_generated = style["content"] not in EMPTY_CONTENT
        if box.is_generated:
            # @margins mustn't manipulate page-context counters
            margin_state = copy.deepcopy(state)
            quote_depth, counter_values, counter_scopes, _page_groups = margin_state
            counter_scopes.append(set())
            weasy_build.update_counters(margin_state, box.style)
            box.children = weasy_build.content_to_boxes(
                box.style, box, quote_depth, counter_values,
                context.get_image_from_uri, context.target_collector,
                context.counter_style, context, page)
            box.process_whitespace()
            box.process_text_transform()
            box = weasy_build.create_anonymous_boxes(box)
        weasy_page.resolve_percentages(box, containing_block)
        if not box.is_generated:
            box.width = box.height = 0
            for side in ("top", "right", "bottom", "left"):
                box._reset_spacing(side)
        return box

    margin_top = page.margin_top
    margin_bottom = page.margin_bottom
    margin_left = page.margin_left
    margin_right = page.margin_right
    max_box_width = page.border_width()
    max_box_height = page.border_height()
    page_end_x = margin_left + max_box_width
    page_end_y = margin_top + max_box_height
    generated_boxes = []

    for prefix, vertical, containing_block, position_x, position_y in (
        ("top", False, (max_box_width, margin_top), margin_left, 0),
        ("bottom", False, (max_box_width, margin_bottom), margin_left, page_end_y),
        ("left", True, (margin_left, max_box_height), 0, margin_top),
        ("right", True, (margin_right, max_box_height), page_end_x, margin_top),
    ):
        if vertical:
            suffixes = ["top", "middle", "bottom"]
            fixed_outer, variable_outer = containing_block
        else:
            suffixes = ["left", "center", "right"]
            variable_outer, fixed_outer = containing_block
        if f"@{prefix}-{suffixes[0]}" in skipped:
            continue  # none of the three is generated
        side_boxes = [make_box(f"@{prefix}-{suffix}", containing_block) for suffix in suffixes]
        if not any(box.is_generated for box in side_boxes):
            continue
        weasy_page.compute_variable_dimension(context, side_boxes, vertical, variable_outer)
        for box, offset in zip(side_boxes, [0, 0.5, 1], strict=True):
            if not box.is_generated:
                continue
            box.position_x = position_x
            box.position_y = position_y
            if vertical:
                box.position_y += offset * (variable_outer - box.margin_height())
            else:
                box.position_x += offset * (variable_outer - box.margin_width())
            weasy_page.compute_fixed_dimension(
                context, box, fixed_outer, not vertical, prefix in ("top", "left"))
            generated_boxes.append(box)

    for at_keyword, cb_width, cb_height, position_x, position_y in (
        ("@top-left-corner", margin_left, margin_top, 0, 0),
        ("@top-right-corner", margin_right, margin_top, page_end_x, 0),
        ("@bottom-left-corner", margin_left, margin_bottom, 0, page_end_y),
        ("@bottom-right-corner", margin_right, margin_bottom, page_end_x, page_end_y),
    ):
        if at_keyword in skipped:
            continue
        box = make_box(at_keyword, (cb_width, cb_height))
        if not box.is_generated:
            continue
        box.position_x = position_x
        box.position_y = position_y
        weasy_page.compute_fixed_dimension(
            context, box, cb_height, True, "top" in at_keyword)
        weasy_page.compute_fixed_dimension(
            context, box, cb_width, False, "left" in at_keyword)
        generated_boxes.append(box)

    for box in generated_boxes:
        yield weasy_page.margin_box_content_layout(context, page, box)


class _Leaving:
    """A context manager calling a function, if any, on leaving its block (even by an
    exception), as WeasyPrint's generator-based ones do in their finally clause."""

    __slots__ = ("leave",)

    def __init__(self, leave: Callable[[], Any] | None) -> None:
        self.leave = leave

    def __enter__(self) -> None:
        return None

    def __exit__(self, *_exception: object) -> None:
        if self.leave is not None:
            self.leave()


_NOTHING_TO_LEAVE = _Leaving(None)


def stream_marked(self: Any, box: Any, tag: str) -> _Leaving:
    """WeasyPrint's Stream.marked (the box's content tagged, for PDF/UA), the same
    operators and tags without a generator: ~300 blocks a summary, each paid
    contextlib's generator machinery (~2 µs)."""
    tags = self._tags
    if tags is None:
        return _NOTHING_TO_LEAVE
    mcid = len(tags)
    assert box not in tags  # noqa: S101  # nosec B101  # as WeasyPrint
    tags[box] = {"tag": tag, "mcid": mcid}
    pydyf.Stream.begin_marked_content(self, tag, pydyf.Dictionary({"MCID": mcid}))
    return _Leaving(functools.partial(pydyf.Stream.end_marked_content, self))


def stream_artifact(self: Any) -> _Leaving:
    """WeasyPrint's Stream.artifact, without a generator (see stream_marked)."""
    if self._tags is None:
        return _NOTHING_TO_LEAVE
    pydyf.Stream.begin_marked_content(self, "Artifact")
    return _Leaving(functools.partial(pydyf.Stream.end_marked_content, self))


def stream_stacked(self: Any) -> _Leaving:
    """WeasyPrint's Stream.stacked (the graphics state saved, then restored), without a
    generator (see stream_marked)."""
    self.push_state()
    return _Leaving(self.pop_state)


def process_whitespace(self: Any, following_collapsible_space: Any = False) -> Any:
    """WeasyPrint's TextBox.process_whitespace, each text's outcome kept for the thread.

    The white space of ~700 texts a summary is collapsed with three regular expressions
    each, nearly all of them texts every summary has; the outcome follows from the text,
    the white-space value and whether a collapsible space comes before (see
    _collapse_whitespace).
    """
    text = self.text
    style = self.style
    if not text or style.font_config is not _fonts():
        return _installed["whitespace"](self, following_collapsible_space)
    key = (text, style["white_space"], bool(following_collapsible_space))
    cache = _cache("whitespace")
    found = _recall(cache, key)
    if found is None:
        found = _collapse_whitespace(*key)
        if _met_before(cache, key):
            _remember(cache, key, found)
    self.text, leading, following = found
    if leading:
        self.leading_collapsible_space = True
    return following


def _collapse_whitespace(text: str, white_space: str,
                         following_collapsible_space: bool) -> tuple[str, bool, bool]:
    """Return TextBox.process_whitespace's text, whether it sets leading_collapsible_space
    and what it returns, in its steps."""
    text = weasy_boxes.LINE_FEED_RE.sub("\n", text)
    new_line_collapse = white_space in ("normal", "nowrap")
    space_collapse = white_space in ("normal", "nowrap", "pre-line")
    if space_collapse:
        text = weasy_boxes.TAB_RE.sub("\n", text)
    if new_line_collapse:
        text = text.replace("\n", " ")
    leading = False
    if space_collapse:
        previous_text = text = weasy_boxes.SPACE_RE.sub(" ", text)
        if following_collapsible_space and text.startswith(" "):
            text = text[1:]
            leading = True
        following_collapsible_space = previous_text.endswith(" ")
    else:
        following_collapsible_space = False
    return text, leading, following_collapsible_space


# The boxes a line made of text may hold, and a line's box.
LINE_CONTENT = (weasy_boxes.TextBox, weasy_boxes.InlineBox)


def get_next_linebox(context: Any, linebox: Any, position_y: Any, bottom_space: Any,
                     skip_stack: Any, containing_block: Any, absolute_boxes: Any,
                     fixed_boxes: Any, first_letter_style: Any, first_line_style: Any) -> Any:
    """WeasyPrint's get_next_linebox, a line of text seen in an earlier render moved into place.

    Most lines of a summary are the same in every summary: the same text in the same
    styles, broken at the same width. A line of text boxes and inline boxes only, below
    every float on the page and with no first-letter or first-line style, follows from its boxes
    (their kinds, styles, texts and collapsible spaces), where it resumes, the width it
    has and its first line's indent; where it is placed only moves it. So the line
    WeasyPrint laid out is kept, with where it was placed, and a later line with the same
    inputs gets a copy of it moved by the difference, as WeasyPrint moves every line it
    lays out (Box.translate). Only styles shared across renders (set_computed_styles) are
    keyed, by identity; a line with any other style takes WeasyPrint's own path.
    """
    original = _installed["linebox"]
    if (first_letter_style is not None or first_line_style is not None
            or linebox.style.font_config is not _fonts()
            or linebox.margin_top or linebox.border_top_width
            or not _all_above(context.excluded_shapes, position_y)):
        return original(context, linebox, position_y, bottom_space, skip_stack,
                        containing_block, absolute_boxes, fixed_boxes, first_letter_style,
                        first_line_style)
    shape = linebox.__dict__.get("_line_shape", False)
    if shape is False:
        shape = linebox.__dict__["_line_shape"] = _line_shape(linebox)
    if shape is None:
        return original(context, linebox, position_y, bottom_space, skip_stack,
                        containing_block, absolute_boxes, fixed_boxes, first_letter_style,
                        first_line_style)
    key = (shape, _skip_key(skip_stack), containing_block.width,
           containing_block.style["direction"], linebox.text_indent, linebox.margin_left,
           linebox.margin_right)
    cache = _cache("lines")
    found = _recall(cache, key)
    start_x = containing_block.content_box_x()
    if found is None:
        line, resume_at = original(context, linebox, position_y, bottom_space, skip_stack,
                                   containing_block, absolute_boxes, fixed_boxes,
                                   first_letter_style, first_line_style)
        if line is not None and _met_before(cache, key):
            # Kept as laid out now: the line handed on is changed by what follows.
            _remember(cache, key, (_moved(line, 0, 0), _copy_skip(resume_at), start_x,
                                   position_y, linebox.position_x, linebox.position_y,
                                   linebox.width, linebox.height))
        return line, resume_at
    kept, resume_at, kept_x, kept_y, box_x, box_y, width, height = found
    dx, dy = start_x - kept_x, position_y - kept_y
    line = _moved(kept, dx, dy)
    line.position_y = position_y  # as WeasyPrint sets it, not moved (see its issue #583)
    linebox.position_x, linebox.position_y = box_x + dx, box_y + dy
    linebox.width, linebox.height = width, height
    return line, _copy_skip(resume_at)


def _all_above(shapes: Any, position_y: float) -> bool:
    """Return whether every float on the page ends above a line starting at position_y.

    WeasyPrint's avoid_collisions then finds none beside the line, whatever its height,
    and places the line as if the page had no float (the logo is one, in the header).
    """
    return all(shape.position_y + shape.margin_height() < position_y for shape in shapes)


def _line_shape(linebox: Any) -> Any:
    """Return what a line box's layout reads from its boxes, or None if it is not plain text.

    Styles are named by identity, and kept alive by the cache entry (the shape is part of
    its key), so an identity is never another style's.
    """
    parts: list[Any] = []
    if not _add_to_shape(linebox, linebox, parts):
        return None
    return _LineShape(parts)


def _add_to_shape(box: Any, linebox: Any, parts: list[Any]) -> bool:
    """Add a box and its descendants to a line's shape; return False for a box not of text.

    A plain function, not a closure: a recursive closure is a reference cycle, which would
    keep the line's boxes for the garbage collector to find.
    """
    kind = type(box)
    style = box.style
    if kind is weasy_boxes.LineBox:
        if box is not linebox:
            return False
    elif kind not in LINE_CONTENT:
        return False
    if not _shared_style(style) or style["position"] != "static" or (
            style["float"] != "none"):
        return False
    if box.first_letter_style is not None or box.first_line_style is not None:
        return False
    dictionary = box.__dict__
    parts.append((kind, style, box.element_tag, box.element is None,
                  dictionary.get("text"), dictionary.get("leading_collapsible_space"),
                  dictionary.get("trailing_collapsible_space"),
                  repr(dictionary.get("string_set")), len(box.children)
                  if kind is not weasy_boxes.TextBox else -1))
    if kind is weasy_boxes.TextBox:
        return True
    return all(_add_to_shape(child, linebox, parts) for child in box.children)


class _LineShape(tuple):
    """A line's boxes, hashed by their styles' identities (styles are dicts: unhashable)."""

    def __new__(cls, parts: list[Any]) -> _LineShape:
        shape = super().__new__(cls, parts)
        shape.hashed = hash(tuple((part[0], id(part[1]), *part[2:]) for part in parts))
        return shape

    def __hash__(self) -> int:
        return self.hashed  # type: ignore[no-any-return]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _LineShape) and len(self) == len(other) and all(
            a[0] is b[0] and a[1] is b[1] and a[2:] == b[2:]
            for a, b in zip(self, other, strict=True))

    def __ne__(self, other: object) -> bool:
        return not self == other


def _shared_style(style: Any) -> bool:
    """Return whether a style is one shared across renders (or the anonymous one of such)."""
    if "_reuse_serial" in style.__dict__:
        return True
    parent = style.__dict__.get("parent_style") if isinstance(
        style, weasy_css.AnonymousStyle) else None
    return parent is not None and "_reuse_serial" in parent.__dict__ and (
        parent.__dict__.get("anonymous_style") is style)


def _skip_key(skip_stack: Any) -> Any:
    """Return a skip stack (nested dicts of indexes) as a hashable value."""
    if skip_stack is None:
        return None
    return tuple((index, _skip_key(inner)) for index, inner in skip_stack.items())


def _copy_skip(skip_stack: Any) -> Any:
    """Return a copy of a skip stack (the caller may change the one it is given)."""
    if skip_stack is None:
        return None
    return {index: _copy_skip(inner) for index, inner in skip_stack.items()}


def _moved(box: Any, dx: float, dy: float) -> Any:
    """Return a copy of a laid-out box and its descendants, moved as Box.translate moves it.

    A text box's Pango layout is copied too: drawing may change it.
    """
    copied = object.__new__(type(box))
    dictionary = copied.__dict__
    dictionary.update(box.__dict__)
    if dx or dy:
        dictionary["position_x"] = box.position_x + dx
        dictionary["position_y"] = box.position_y + dy
    children = box.children
    if children:
        dictionary["children"] = [_moved(child, dx, dy) for child in children]
    layout = dictionary.get("pango_layout")
    if layout is not None:
        dictionary["pango_layout"] = _copy_layout(layout)
    return copied


MATCHER_DICTIONARIES = ("id_selectors", "class_selectors", "lower_local_name_selectors",
                        "namespace_selectors")
MATCHER_LISTS = ("lang_attr_selectors", "other_selectors")


def _declares(sheet: Any, name: str) -> bool:
    """Return whether a stylesheet declares a property anywhere (rules and @page rules).

    Worked out once per stylesheet object; the summary's is parsed once per thread.
    """
    found: dict[str, bool] = sheet.__dict__.setdefault("_declares", {})
    if name not in found:
        matcher = sheet.matcher
        entries = [entry for attribute in MATCHER_DICTIONARIES
                   for entries in getattr(matcher, attribute).values() for entry in entries]
        entries += [entry for attribute in MATCHER_LISTS for entry in getattr(matcher, attribute)]
        declarations = [entry[-1][0] for entry in entries]
        declarations += [rule[2] for rule in sheet.page_rules]
        found[name] = any(declared == name for group in declarations
                          for declared, _value, _priority in group)
    return found[name]


def page_values(self: Any) -> Any:
    """WeasyPrint's ParentBox.page_values, the box's own page at once in a render whose
    stylesheet and style attributes never declare `page`.

    Every style's page is then "auto", computed as its parent's and at the root as "":
    the same for every box, so the first and last children give what the box has.
    WeasyPrint walks down the first and last children of each box to find that out,
    ~1,200 times a render.
    """
    style = self.style
    if getattr(_local, "unnamed_pages", False) and style.font_config is _fonts():
        page = style["page"]
        return page, page
    return _installed["page_values"](self)




def build_layout_context(cls: Any, html: Any, font_config: Any, *args: Any) -> Any:
    """WeasyPrint's Document._build_layout_context, noting this thread's render's context.

    See release_context. A render's layout is done when the thread starts the next, so a
    context still noted then (a document rendered but never written through render_pdf)
    is released first rather than kept alive until the next release.
    """
    release_context()
    context = _installed["layout_context"].__func__(cls, html, font_config, *args)
    if font_config is _fonts():
        _local.context = context
    return context


def release_context() -> None:
    """Break the reference cycle of the layout context of the render just written.

    WeasyPrint's LayoutContext keeps a partial of the image loader bound to itself, a cycle
    holding the context and all it refers to (the computed styles by element, the parsed
    tree, the pages' states, ~1,200 objects) until the garbage collector finds them. With
    the cycle broken once the PDF is written, reference counting frees them at once.
    """
    context = getattr(_local, "context", None)
    _local.context = None
    if context is not None:
        context.__dict__.pop("get_image_from_uri", None)
