"""Time the care-team PDF: WeasyPrint (as the app renders it) against warm headless Chromium.

Usage: .venv/bin/python bench/pdf.py [--rounds N] [--warmup N]

Every example answer file is rendered after a warm-up; the median and 95th percentile of
the WeasyPrint renders (context to PDF bytes, as the app does it) are printed. Each
WeasyPrint render, warm-ups included, is of a submission not rendered before (the same
answers with their own reference, patient name, date of birth and completion time), as
each render is in the app, which reuses only the thread's parsed stylesheet and font
configuration from one render to the next.
As in a gunicorn worker, the objects loaded before the first render are frozen out of the
garbage collector's sight (gc.freeze()); those the renders make are not.
The same HTML and stylesheet are printed by headless Chromium through Playwright's
page.pdf: the browser is started once, each document loaded once and warmed up, so only
the print is timed.
The two are timed example by example, WeasyPrint's renders right before Chromium's prints
(untagged, then tagged) of the same document, so both see much the same load on a shared
machine; each block starts a second after the one before, once the browser's processes have
finished what a print leaves them to do; WeasyPrint's times alone, before the browser
starts, are printed too. Peak memory is each side's peak resident set size (VmHWM):
WeasyPrint's from that first pass, Chromium's summed over its processes.
Chromium prints tagged, as the app's PDF is; its untagged time is shown too.
The last line reads:
pdf median_ms=N p95_ms=N chromium_median_ms=N ratio=N
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pypdf import PdfReader  # noqa: E402

from ivig_home.checklist import assess  # noqa: E402
from ivig_home.report import build_context, render_html, render_pdf  # noqa: E402
from ivig_home.report.fetcher import STATIC_ROOT, STATIC_SCHEME  # noqa: E402
from ivig_home.report.render import STYLESHEET  # noqa: E402

EXAMPLES = sorted((ROOT / "examples").glob("*.json"))
AGENCY = {"name": "Harbour Home Infusion", "phone": "555-0142", "colour": "#0b6e4f",
          "logo": None, "logo_type": None}
SETTLE_SECONDS = 1.0
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def contexts(number: int = 0) -> list[tuple[str, dict[str, Any]]]:
    """Return a summary context for every example answer file.

    Number 0 is the example as it is. Any other number gives another submission of the
    same answers: its own reference, patient name, date of birth and completion time, so
    the text that differs from one real submission to the next differs here too.
    """
    result = []
    for path in EXAMPLES:
        document = json.loads(path.read_text())
        completed_at = datetime(2026, 11, 21, 9, 14, tzinfo=UTC)
        reference = "HKT-4829"
        if number:
            answers = document["answers"]
            answers["patient_name"] = f"{answers['patient_name']} {_letters(number)}"
            born = date.fromisoformat(answers["date_of_birth"])
            answers["date_of_birth"] = (born + timedelta(days=number % 3000)).isoformat()
            completed_at += timedelta(minutes=number)
            reference = f"HKT-{number % 10_000:04d}"
        shown = {"emergency": (completed_at - timedelta(minutes=12)).isoformat(),
                 "urgent": None}
        context = build_context(
            assess(document), reference=reference, agency=AGENCY, completed_at=completed_at,
            messages_shown=shown if path.stem == "emergency" else None)
        result.append((path.stem, context))
    return result


def _letters(number: int) -> str:
    """Return a surname-like word of its own for a number (1 -> Ab, 2 -> Ac, ...)."""
    word = ""
    while number:
        number, rest = divmod(number, 20)
        word = "bcdfghjklmnprstvwxyz"[rest] + "aeiou"[rest % 5] + word
    return word.capitalize()


def submissions(count: int) -> dict[str, list[dict[str, Any]]]:
    """Return count different submissions of each example, by example name."""
    found: dict[str, list[dict[str, Any]]] = {}
    for number in range(1, count + 1):
        for name, context in contexts(number):
            found.setdefault(name, []).append(context)
    return found


def percentile(samples: list[float], share: float) -> float:
    """Return the nearest-rank percentile of the samples."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def rss_mib(pid: int | str = "self", field: str = "VmHWM") -> float:
    """Return a process's peak (VmHWM) or current (VmRSS) resident size in MiB."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    for line in status.splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


def descendants(pid: int) -> list[int]:
    """Return the ids of every process below pid."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, queue = [], [pid]
    while queue:
        for child in children.get(queue.pop(), []):
            found.append(child)
            queue.append(child)
    return found


def time_weasyprint(variants: dict[str, list[dict[str, Any]]], rounds: int,
                    warmup: int) -> dict[str, list[float]]:
    """Return the render times (ms) of each example alone, after warming up.

    Every render, warm-up included, is of a submission not rendered before.
    """
    times: dict[str, list[float]] = {}
    for name, fresh in variants.items():
        for context in fresh[:warmup]:
            render_pdf(context)
        times[name] = [timed(render_pdf, context) for context in fresh[warmup:warmup + rounds]]
    return times


def timed(function: Any, *args: Any, **kwargs: Any) -> float:
    """Return how long one call took, in milliseconds."""
    start = time.perf_counter()
    function(*args, **kwargs)
    return (time.perf_counter() - start) * 1000


def time_plain_weasyprint(items: list[tuple[str, dict[str, Any]]], rounds: int,
                          warmup: int) -> list[float]:
    """Return the times (ms) of a plain WeasyPrint call on Chromium's HTML, reusing nothing."""
    from weasyprint import HTML

    samples = []
    for _, context in items:
        html = chromium_html(context)
        for number in range(warmup + rounds):
            start = time.perf_counter()
            HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")
            if number >= warmup:
                samples.append((time.perf_counter() - start) * 1000)
    return samples


def chromium_html(context: dict[str, Any]) -> str:
    """Return the same HTML with the same stylesheet inlined, fonts read from static/."""
    css = (STATIC_ROOT / STYLESHEET).read_text().replace(
        f"{STATIC_SCHEME}:", STATIC_ROOT.as_uri() + "/")
    css += "\n@page { size: letter; }"
    return render_html(context).replace("</head>", f"<style>{css}</style>\n</head>", 1)


def time_in_turn(items: list[tuple[str, dict[str, Any]]], variants: dict[str, list[dict[str, Any]]],
                 rounds: int, warmup: int) -> tuple[dict[str, dict[str, list[float]]], float]:
    """Return WeasyPrint's and Chromium's times (ms) per example, and Chromium's memory (MiB).

    Example by example, both renderers are warmed up, then WeasyPrint renders it `rounds`
    times and Chromium prints it `rounds` times untagged and tagged: the three runs follow
    each other within seconds, so a change of load elsewhere falls on both sides alike.
    """
    from playwright.sync_api import sync_playwright

    times: dict[str, dict[str, list[float]]] = {
        side: {name: [] for name, _ in items} for side in ("weasyprint", "chromium", "tagged")}
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                             args=CHROMIUM_ARGS)
        page = browser.new_page()
        for name, context in items:
            path = Path(folder) / f"{name}.html"
            path.write_text(chromium_html(context))
            page.goto(path.as_uri())
            fresh = iter(variants[name][warmup + rounds:])  # submissions not rendered yet
            runs = {"weasyprint": lambda fresh=fresh: render_pdf(next(fresh)),
                    "chromium": lambda: page.pdf(prefer_css_page_size=True, tagged=False,
                                                 print_background=True),
                    "tagged": lambda: page.pdf(prefer_css_page_size=True, tagged=True,
                                               print_background=True)}
            for run in runs.values():
                for _ in range(warmup):
                    run()
            for side, run in runs.items():
                # The browser goes on working for a moment after a print (in its other
                # processes, on the other core): each side's block starts once that is over,
                # so neither is timed while the other is still busy.
                time.sleep(SETTLE_SECONDS)
                times[side][name] = [timed(run) for _ in range(rounds)]
        memory = sum(rss_mib(pid) for pid in descendants(os.getpid()))
        browser.close()
    return times, memory


def report(label: str, times: dict[str, list[float]]) -> list[float]:
    """Print each example's median and return all samples."""
    for name, samples in times.items():
        print(f"  {label:9} {name:24} median {statistics.median(samples):7.1f} ms  "
              f"p95 {percentile(samples, 0.95):7.1f} ms  ({len(samples)} renders)")
    return [sample for samples in times.values() for sample in samples]


def main() -> None:
    """Run both renderers over the examples and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args()
    items = contexts()
    for name, context in items:
        pages = len(PdfReader(io.BytesIO(render_pdf(context))).pages)
        print(f"{name}: {pages} page(s)")
    plain = time_plain_weasyprint(items, max(3, args.rounds // 3), 1)
    print(f"  plain WeasyPrint call (HTML string with inline styles, nothing reused): median "
          f"{statistics.median(plain):.1f} ms over {len(plain)} renders")
    before = rss_mib(field="VmRSS")
    variants = submissions(2 * (args.warmup + args.rounds))
    # As in a gunicorn worker (gunicorn.conf.py's pre_fork): what was loaded before the first
    # render is out of the garbage collector's sight; what the renders make is not.
    gc.collect()
    gc.freeze()
    alone = report("alone", time_weasyprint(variants, args.rounds, args.warmup))
    weasy_memory, growth = rss_mib(), rss_mib(field="VmRSS") - before
    times, chromium_memory = time_in_turn(items, variants, args.rounds, args.warmup)
    weasy = report("weasyprint", times["weasyprint"])
    chromium_untagged = report("chromium", times["chromium"])
    chromium = report("chromium+tags", times["tagged"])
    median, p95 = statistics.median(weasy), percentile(weasy, 0.95)
    chromium_median = statistics.median(chromium)
    print(f"weasyprint alone (before the browser started): median "
          f"{statistics.median(alone):.1f} ms, peak memory {weasy_memory:.0f} MiB (whole Python "
          f"process; resident size grew {growth:.1f} MiB over {len(alone)} renders)")
    print(f"weasyprint beside chromium: median {median:.1f} ms, p95 {p95:.1f} ms")
    print(f"chromium tagged: median {chromium_median:.1f} ms, untagged median "
          f"{statistics.median(chromium_untagged):.1f} ms, peak memory {chromium_memory:.0f} MiB "
          "(sum of each browser process's peak; shared pages counted in each)")
    print(f"pdf median_ms={median:.0f} p95_ms={p95:.0f} chromium_median_ms={chromium_median:.0f} "
          f"ratio={median / chromium_median:.2f}")


if __name__ == "__main__":
    main()
