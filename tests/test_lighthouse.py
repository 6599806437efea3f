"""Lighthouse scores every page 100 as a phone sees it: patient pages and the care team's.

One gunicorn, each page audited once by a fresh Chromium. Lighthouse's performance score moves
with the load on the machine that measures (its docs/variability.md rates "client resource
contention" as a high source of variance and advises the median of several runs), so a
page under 100 at first is audited twice more and judged by the median of its three runs.
Accessibility and best practices do not depend on timing: one run decides them.
"""

from __future__ import annotations

import statistics
from pathlib import Path

import pytest

from tests.gunicorn_server import GunicornServer
from tests.lighthouse import audit, pages, prepare, server_env

# Scores depend on a quiet machine: this runs after the rest, alone (scripts/test).
pytestmark = [pytest.mark.browser, pytest.mark.serial]


def test_patient_and_care_team_pages_score_100_and_load_no_font(tmp_path: Path) -> None:
    prepare(tmp_path)
    with GunicornServer(server_env(tmp_path)) as server:
        audited, cookie = pages(server)
        first = audit(server.url, audited, cookie)
        doubtful = [page for page, result in zip(audited, first, strict=True)
                    if result.scores["performance"] < 100]
        again = [audit(server.url, doubtful, cookie) for _ in range(2)] if doubtful else []
    runs = {page.name: [result.scores["performance"]]
            for page, result in zip(audited, first, strict=True)}
    for number, page in enumerate(doubtful):
        runs[page.name] += [later[number].scores["performance"] for later in again]
    performance = {name: statistics.median(scores) for name, scores in runs.items()}
    slow = {page.name: result.metrics for page, result in zip(audited, first, strict=True)
            if page in doubtful}
    assert performance == {page.name: 100 for page in audited}, (runs, slow)
    for page, result in zip(audited, first, strict=True):
        assert result.final_url.endswith(page.path), (page.name, result.final_url)
        assert result.error is None, (page.name, result.error)
        assert result.scores["accessibility"] == 100, page.name
        assert result.scores["best-practices"] == 100, page.name
        assert result.fonts == [], page.name  # the system's fonts on screen: none to download
        assert result.transferred < 100_000, (page.name, result.transferred)
