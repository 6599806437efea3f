"""How long a full garbage collection takes in a process holding the app, and after freezing.

Usage: .venv/bin/python bench/gc_pause.py

Loads the app as gunicorn's master does (ivig_home.wsgi), then times gc.collect() over
the objects it holds; renders one summary (the renderer's fonts and caches) and times it
again; then freezes them (gc.freeze(), as gunicorn.conf.py's pre_fork does before each
worker is forked) and times a collection once more. Each figure is the median of 5.
"""

from __future__ import annotations

import gc
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def full_collection() -> str:
    """Return the tracked object count and the median time of a full collection."""
    gc.collect()
    times = []
    for _ in range(5):
        start = time.perf_counter()
        gc.collect()
        times.append((time.perf_counter() - start) * 1000)
    return f"{len(gc.get_objects()):,} objects, full collection {statistics.median(times):.1f} ms"


def main() -> None:
    """Print the three figures."""
    from ivig_home.wsgi import app  # noqa: F401  # loaded as gunicorn's master loads it

    print(f"app loaded: {full_collection()}")
    from bench.pdf import contexts
    from ivig_home.report import render_pdf

    render_pdf(contexts()[1][1])
    print(f"after one summary: {full_collection()}")
    gc.freeze()
    print(f"after gc.freeze(): {full_collection()}")


if __name__ == "__main__":
    main()
