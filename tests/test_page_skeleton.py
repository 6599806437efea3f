"""One skeleton for every page: one layout, one base stylesheet, each class styled in one sheet.

The patient pages, the care team's pages and the error pages all extend templates/base.html
(the care team's through staff/base.html); every page loads static/css/base.css and then its
area's sheet, patient.css or staff.css. A class styled in two of those sheets would look one way
in one area and another way in the other, depending on which sheet won; so each class is styled
in one sheet only, and where the areas differ, base.css reads custom properties that each area
sheet sets.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

import tinycss2
from jinja2 import Environment, FileSystemLoader, nodes

PROJECT = Path(__file__).resolve().parents[1]
CSS = PROJECT / "static" / "css"
TEMPLATES = PROJECT / "templates"
# pdf.css is exempt: it is the one stylesheet of the PDF summary, which WeasyPrint renders on
# its own, never in a browser next to base.css, so its classes cannot clash with the pages'.
# It styles the answers partial it shares with the pages in its own way, for paper, with the
# one-class selectors tests/test_report_lean.py requires for render time.
EXEMPT = {"pdf.css"}
BASE = "base.css"
AREAS = ("patient.css", "staff.css")
LAYOUT = "base.html"
# Templates that are not pages: pieces included or imported into pages, and the PDF.
NOT_PAGES = ("macros/", "partials/", "pdf/")
VAR = re.compile(r"var\(\s*(--[\w-]+)\s*(,)?")
# Only to parse the templates (the app's own environment renders them).
TEMPLATE_PARSER = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True,
                              extensions=["jinja2.ext.i18n"])


def page_sheets() -> list[Path]:
    """Return the stylesheets of the pages (every one in static/css but the exempt)."""
    return sorted(path for path in CSS.glob("*.css") if path.name not in EXEMPT)


def rules(path: Path) -> Iterator[tinycss2.ast.QualifiedRule]:
    """Yield every style rule of a sheet, including those inside @media and @supports."""

    def walk(found: Iterable[tinycss2.ast.Node]) -> Iterator[tinycss2.ast.QualifiedRule]:
        for rule in found:
            if rule.type == "qualified-rule":
                yield rule
            elif rule.type == "at-rule" and rule.content is not None and \
                    rule.lower_at_keyword in ("media", "supports", "layer", "container"):
                yield from walk(tinycss2.parse_blocks_contents(
                    rule.content, skip_comments=True, skip_whitespace=True))

    yield from walk(tinycss2.parse_stylesheet(path.read_text("utf-8"), skip_comments=True,
                                              skip_whitespace=True))


def class_names(tokens: Iterable[tinycss2.ast.Node]) -> Iterator[str]:
    """Yield each class a selector names, inside :not(), :is() or :has() too."""
    tokens = list(tokens)
    for before, token in zip([None, *tokens], tokens, strict=False):
        if token.type == "ident" and before is not None and before.type == "literal" \
                and before.value == ".":
            yield token.value
        elif token.type == "function":
            yield from class_names(token.arguments)


def styled_classes(path: Path) -> set[str]:
    """Return the classes a sheet's selectors name."""
    return {name for rule in rules(path) for name in class_names(rule.prelude)}


def custom_properties(path: Path) -> tuple[set[str], set[str], set[str]]:
    """Return the custom properties a sheet sets, those it reads with no fallback, and those it
    reads with one."""
    set_here: set[str] = set()
    read: set[str] = set()
    read_with_fallback: set[str] = set()
    for rule in rules(path):
        for declaration in tinycss2.parse_blocks_contents(rule.content, skip_comments=True,
                                                          skip_whitespace=True):
            if declaration.type != "declaration":
                continue
            if declaration.name.startswith("--"):
                set_here.add(declaration.name)
            for name, comma in VAR.findall(tinycss2.serialize(declaration.value)):
                (read_with_fallback if comma else read).add(name)
    return set_here, read, read_with_fallback


def test_the_pages_have_a_base_sheet_and_one_sheet_for_each_area() -> None:
    assert [path.name for path in page_sheets()] == sorted([BASE, *AREAS])


def test_no_class_is_styled_in_two_stylesheets() -> None:
    sheets: dict[str, list[str]] = defaultdict(list)
    for path in page_sheets():
        classes = styled_classes(path)
        assert classes, f"no class found in {path.name}: the parsing is wrong"
        for name in classes:
            sheets[name].append(path.name)
    assert {name: found for name, found in sheets.items() if len(found) > 1} == {}


def test_the_class_finder_finds_classes_in_every_part_of_a_selector(tmp_path: Path) -> None:
    sheet = tmp_path / "sample.css"
    sheet.write_text(".a, div.b > .c:hover, :not(.d) .e::before, [data-x='.f'] "
                     "{ color: red }\n@media (min-width: 1em) { .g:has(> .h) { top: 0 } }\n"
                     ":root { --i: 0 } /* .j */ a { content: '.k' }")
    assert styled_classes(sheet) == {"a", "b", "c", "d", "e", "g", "h"}


def test_each_area_sets_every_custom_property_the_base_sheet_reads() -> None:
    # base.css reads the look of the parts both areas share from custom properties; one left
    # unset would silently drop a colour or a size from every page of that area. A property
    # read with a fallback may be left unset (base.css explains what the fallback keeps).
    base_sets, base_reads, _ = custom_properties(CSS / BASE)
    for area in AREAS:
        area_sets, _, _ = custom_properties(CSS / area)
        assert sorted(base_reads - base_sets - area_sets) == [], area


def test_each_area_sets_only_custom_properties_someone_reads() -> None:
    reads: set[str] = set()
    for path in page_sheets():
        _, read, read_with_fallback = custom_properties(path)
        reads |= read | read_with_fallback
    for area in AREAS:
        area_sets, _, _ = custom_properties(CSS / area)
        assert sorted(area_sets - reads) == [], area


def layouts_of(environment: Environment, name: str) -> list[str]:
    """Return the chain of templates a template extends, nearest first."""
    chain: list[str] = []
    while True:
        source = environment.loader.get_source(environment, name)[0]  # type: ignore[union-attr]
        extends = list(environment.parse(source).find_all(nodes.Extends))
        if not extends:
            return chain
        assert len(extends) == 1 and isinstance(extends[0].template, nodes.Const), name
        name = extends[0].template.value
        chain.append(name)


def test_every_page_extends_the_one_layout() -> None:
    pages = sorted(path.relative_to(TEMPLATES).as_posix() for path in TEMPLATES.rglob("*.html")
                   if not path.name.startswith("_")
                   and not path.relative_to(TEMPLATES).as_posix().startswith(NOT_PAGES))
    assert {"patient/start.html", "staff/queue.html", "errors/404.html"} <= set(pages)
    chains = {page: layouts_of(TEMPLATE_PARSER, page) for page in pages if page != LAYOUT}
    assert {page: chain for page, chain in chains.items() if chain[-1:] != [LAYOUT]} == {}
    # Between a page and the layout only the care team's layout and the error pages' frame.
    assert {layout for chain in chains.values() for layout in chain[:-1]} <= {
        "staff/base.html", "errors/_page.html"}


def test_the_form_fields_and_the_error_summary_have_one_macro_file() -> None:
    # One error summary for every page; the staff macro file keeps only what is not a field.
    macros: dict[str, list[str]] = defaultdict(list)
    for path in TEMPLATES.rglob("*.html"):
        name = path.relative_to(TEMPLATES).as_posix()
        for macro in TEMPLATE_PARSER.parse(path.read_text("utf-8")).find_all(nodes.Macro):
            macros[macro.name].append(name)
    assert macros["error_summary"] == ["macros/forms.html"]
    assert {name: found for name, found in macros.items() if len(found) > 1} == {}
    staff_macros = {name for name, found in macros.items() if "staff/_macros.html" in found}
    assert staff_macros == {"badge", "status", "pagination"}
