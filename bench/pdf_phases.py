"""Where the care-team PDF's render time goes: WeasyPrint's phases, per example.

Usage: .venv/bin/python bench/pdf_phases.py [--rounds N]

Each example is rendered as the app renders it (render_pdf), after a warm-up, each render a
submission not rendered before (as in bench/pdf.py), with a timer
around each of WeasyPrint's phases: computed styles, box tree, layout, drawing the pages,
PDF tags, the stream compression done before writing, and writing the file (pydyf). The
Python garbage collector's pauses inside a render are timed too. Also printed: how many
elements, text boxes, lines and pages the summary has, since the time follows them.
The timers add a little overhead; bench/pdf.py gives the real totals. Last, for each
example, how many objects one more render leaves in reference cycles (what the collection
after a render has to find).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pydyf  # noqa: E402
import weasyprint.document  # noqa: E402
import weasyprint.pdf  # noqa: E402
from weasyprint.formatting_structure import boxes  # noqa: E402

from bench.pdf import contexts, submissions  # noqa: E402
from ivig_home.report import render as report_render  # noqa: E402

PHASES = ("styles", "boxes", "layout", "drawing", "tags", "compression", "writing", "gc")
spent: dict[str, float] = defaultdict(float)


def timed(owner: Any, name: str, phase: str) -> None:
    """Replace owner.name with a wrapper adding its time to the phase."""
    original: Callable[..., Any] = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[phase] += time.perf_counter() - start

    setattr(owner, name, wrapper)


def instrument() -> Callable[[str, dict[str, int]], None]:
    """Put timers on the phases (render's own time, less styles and boxes, is layout).

    Return the garbage-collector callback, to be removed before the interpreter exits.
    """
    timed(weasyprint.document.Document, "_build_layout_context", "styles")
    timed(weasyprint.document, "build_formatting_structure", "boxes")
    timed(weasyprint.document.Document, "_render", "render")
    timed(weasyprint.document.Page, "paint", "drawing")
    timed(weasyprint.pdf, "add_tags", "tags")
    timed(report_render, "_compress_streams", "compression")
    timed(pydyf.PDF, "write", "writing")
    pauses: dict[str, float] = {}

    def on_gc(phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            pauses["start"] = time.perf_counter()
        else:
            spent["gc"] += time.perf_counter() - pauses.pop("start", time.perf_counter())

    gc.callbacks.append(on_gc)
    return on_gc


def counts(context: dict[str, Any]) -> str:
    """Return the summary's element, text box, line and page counts."""
    html = report_render.render_html(context)
    elements = sum(1 for _ in ElementTree.fromstring(html).iter())  # noqa: S314
    fonts, sheets = report_render._styles("letter")
    document = report_render._parse(html, report_render.SandboxFetcher()).render(
        stylesheets=sheets, font_config=fonts, pdf_variant="pdf/ua-1")
    texts = lines = 0
    stack: list[Any] = [page._page_box for page in document.pages]
    while stack:
        box = stack.pop()
        texts += isinstance(box, boxes.TextBox)
        lines += isinstance(box, boxes.LineBox)
        stack.extend(getattr(box, "children", []))
    return (f"{elements} elements, {texts} text boxes, {lines} lines, "
            f"{len(document.pages)} pages")


def left_in_cycles(context: dict[str, Any]) -> int:
    """Return how many objects one render leaves that only the garbage collector frees."""
    gc.collect()
    gc.disable()  # the render then skips its own collection at the end
    try:
        report_render.render_pdf(context)
        return gc.collect()
    finally:
        gc.enable()


def main() -> None:
    """Render each example with timers on and print the share of each phase."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    items = contexts()
    variants = submissions(args.rounds + 4)  # the last for left_in_cycles
    gc.collect()
    gc.freeze()  # as in a gunicorn worker, see bench/pdf.py
    on_gc = instrument()
    for name, context in items:
        fresh = variants[name]
        for warm in fresh[:3]:
            report_render.render_pdf(warm)
        spent.clear()
        totals = []
        for submission in fresh[3:3 + args.rounds]:
            start = time.perf_counter()
            report_render.render_pdf(submission)
            totals.append((time.perf_counter() - start) * 1000)
        per = {phase: spent[phase] * 1000 / args.rounds for phase in (*PHASES, "render")}
        per["layout"] = per["render"] - per["styles"] - per["boxes"]
        mean = statistics.mean(totals)
        rest = mean - sum(per[phase] for phase in PHASES if phase != "gc")
        left = left_in_cycles(fresh[-1])  # before counts(), which renders without writing
        print(f"{name}: {counts(context)}; mean {mean:.1f} ms (median "
              f"{statistics.median(totals):.1f})")
        for phase in (*PHASES, "other"):
            value = rest if phase == "other" else per[phase]
            print(f"  {phase:12} {value:6.1f} ms  {100 * value / mean:4.0f} %")
        print(f"  objects a render leaves in reference cycles: {left}")
    gc.callbacks.remove(on_gc)
    print("(gc pauses fall inside the other phases; 'other' is template, parsing and "
          "the rest of write_pdf)")


if __name__ == "__main__":
    main()
