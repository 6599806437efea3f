"""What one of the PDF speed-ups saves on its own: python bench/pdf_ablation.py NAME.

NAME is one of the replacements in ivig_home/report/speedups.py: lines (whole lines moved
into place) or page-values (a box's page values at once). In one process, every example is
rendered alternately with that replacement in place and with WeasyPrint's own back, every
other speed-up on either way, `--rounds` times 10 renders a side, each render a submission
not rendered before (bench/pdf.py's); processor time, not wall time, so both sides see the
same machine. Prints each example's medians; the last line reads:
pdf_ablation name=NAME saved_pct=N   (the median share saved over the examples)
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from weasyprint.formatting_structure import boxes  # noqa: E402
from weasyprint.layout import inline  # noqa: E402

from bench.pdf import submissions  # noqa: E402
from ivig_home.report import render_pdf, speedups  # noqa: E402

WARMUP = 5
BLOCK = 10


def replacements() -> dict[str, tuple[Any, str, Any, Any]]:
    """Return, by name, where each replacement lives, and it and the original."""
    speedups.install()
    original = speedups._installed
    return {
        "lines": (inline, "get_next_linebox", speedups.get_next_linebox,
                  original["linebox"]),
        "page-values": (boxes.ParentBox, "page_values", speedups.page_values,
                        original["page_values"]),
    }


def main() -> None:
    """Render with and without one replacement, alternating, and print what it saves."""
    choices = replacements()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", choices=sorted(choices))
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()
    owner, attribute, ours, theirs = choices[args.name]
    variants = submissions(WARMUP + 2 * args.rounds * BLOCK)
    for fresh in variants.values():
        for context in fresh[:WARMUP]:
            render_pdf(context)
    gc.collect()
    gc.freeze()  # as in a gunicorn worker
    times: dict[tuple[str, bool], list[float]] = {}
    start = WARMUP
    for _ in range(args.rounds):
        for on in (True, False):
            setattr(owner, attribute, ours if on else theirs)
            for name, fresh in variants.items():
                for context in fresh[start:start + BLOCK]:
                    began = time.process_time()
                    render_pdf(context)
                    times.setdefault((name, on), []).append(
                        (time.process_time() - began) * 1000)
            start += BLOCK
    setattr(owner, attribute, ours)
    saved = []
    for name in variants:
        with_it = statistics.median(times[name, True])
        without = statistics.median(times[name, False])
        saved.append(100 * (1 - with_it / without))
        print(f"{name:24} with {with_it:6.1f} ms  without {without:6.1f} ms  "
              f"saved {saved[-1]:4.1f} %")
    print(f"pdf_ablation name={args.name} saved_pct={statistics.median(saved):.1f}")


if __name__ == "__main__":
    main()
