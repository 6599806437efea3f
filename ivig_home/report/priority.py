"""Render PDFs at a lower CPU priority, so a burst of Sends never stalls the form's pages.

A summary takes a core for a quarter of a second or more; when many patients press Send at
once, the other workers' step pages would wait behind those renders. Each worker process
renders in one thread of its own whose scheduling priority is lowered (nice +10; on Linux
this applies to the thread alone), and the request waits for it: the same bytes, but the
scheduler serves short requests first when the cores are busy.

Kept on measurement: in bench/load.py's journeys phase (SQLite, three runs each way,
interleaved), the step pages' median was 32-432 ms with it and 177-861 ms without, the
lower figure in each pair of neighbouring runs; their 99th percentile 3.6-5.1 s against
2.7-8.4 s, on a machine busy with other work. Its price: with the machine that busy, a
render took 13 % longer at the median (bench/pdf.py's submissions rendered alternately
in the calling thread and in this one).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from flask import current_app

from ivig_home.report.render import render_pdf

NICENESS = 10
log = logging.getLogger("ivig_home")
_lock = threading.Lock()
_pool: dict[str, Any] = {"pid": None, "executor": None}


def _lower_priority() -> None:
    """Lower the calling thread's CPU priority (where the system allows it)."""
    try:
        current = os.getpriority(os.PRIO_PROCESS, 0)
        os.setpriority(os.PRIO_PROCESS, 0, min(19, current + NICENESS))
    except (AttributeError, OSError) as error:  # not Linux, or not allowed: render anyway
        log.warning("PDF renders keep normal priority (%s)", type(error).__name__)


def _executor() -> ThreadPoolExecutor:
    """Return this process's render thread pool (made again after a fork)."""
    with _lock:
        if _pool["pid"] != os.getpid():
            _pool["executor"] = ThreadPoolExecutor(
                max_workers=1, thread_name_prefix="pdf", initializer=_lower_priority)
            _pool["pid"] = os.getpid()
        executor: ThreadPoolExecutor = _pool["executor"]
        return executor


def render_pdf_low_priority(context: Mapping[str, Any], *, page_size: str | None = None) -> bytes:
    """Return render_pdf(context), rendered in this process's low-priority thread."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def render() -> bytes:
        with app.app_context():
            return render_pdf(context, page_size=page_size)

    return _executor().submit(render).result()
