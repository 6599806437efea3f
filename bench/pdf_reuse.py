"""What the work reused across renders saves, and what it costs in memory.

Usage: .venv/bin/python bench/pdf_reuse.py [--rounds N] [--memory N]

Processor time (not wall time, which this shared machine makes noisy) of the summary's
renders with and without ivig_home/report/speedups.py, alternating render by render in one
process so both see the same conditions; every render is of a submission not rendered
before (bench/pdf.py's contexts). Then, with --memory N, N more submissions of each
example are rendered with the speed-ups on, printing the process's resident size and the
caches' sizes as they fill up and level off.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.pdf import rss_mib, submissions  # noqa: E402
from ivig_home.report import render_pdf, speedups  # noqa: E402

WARMUP = 3


def cpu_ms(context: dict[str, object]) -> float:
    """Return the processor time of one render, in milliseconds."""
    start = time.process_time()
    render_pdf(context)  # type: ignore[arg-type]
    return (time.process_time() - start) * 1000


def main() -> None:
    """Print each example's medians with and without the speed-ups, then the memory."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="renders each way, per example")
    parser.add_argument("--memory", type=int, default=0,
                        help="then render this many more submissions of each example")
    args = parser.parse_args()
    variants = submissions(2 * (WARMUP + args.rounds) + args.memory)
    gc.collect()
    gc.freeze()  # as in a gunicorn worker, see bench/pdf.py
    print(f"resident size before any render: {rss_mib(field='VmRSS'):.0f} MiB")
    for name, fresh in variants.items():
        queue = iter(fresh)
        for on in (False, True) * WARMUP:
            (speedups.install if on else speedups.uninstall)()
            render_pdf(next(queue))
        without, with_reuse = [], []
        for _ in range(args.rounds):
            speedups.uninstall()
            without.append(cpu_ms(next(queue)))
            speedups.install()
            with_reuse.append(cpu_ms(next(queue)))
        before, after = statistics.median(without), statistics.median(with_reuse)
        print(f"{name:24} without {before:6.1f} ms  with {after:6.1f} ms  "
              f"({100 * (1 - after / before):.0f} % less processor time)", flush=True)
    speedups.install()
    if args.memory:
        start = rss_mib(field="VmRSS")
        print(f"resident size now: {start:.0f} MiB, caches {speedups.cache_sizes()}")
        for number in range(args.memory):
            for fresh in variants.values():
                render_pdf(fresh[2 * (WARMUP + args.rounds) + number])
            if (number + 1) % max(1, args.memory // 5) == 0:
                print(f"after {3 * (number + 1)} more renders: resident size "
                      f"{rss_mib(field='VmRSS'):.0f} MiB, caches {speedups.cache_sizes()}",
                      flush=True)


if __name__ == "__main__":
    main()
