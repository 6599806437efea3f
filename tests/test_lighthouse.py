"""Lighthouse scores every page 100 as a phone sees it: patient pages and the care team's."""

from __future__ import annotations

from pathlib import Path

from tests.gunicorn_server import GunicornServer
from tests.lighthouse import audit, pages, prepare, server_env

FULL_MARKS = {"performance": 100, "accessibility": 100, "best-practices": 100}


def test_patient_and_care_team_pages_score_100_and_load_no_font(tmp_path: Path) -> None:
    prepare(tmp_path)
    with GunicornServer(server_env(tmp_path)) as server:
        audited, cookie = pages(server)
        results = audit(server.url, audited, cookie)
    scores = {page.name: result.scores for page, result in zip(audited, results, strict=True)}
    assert scores == {page.name: FULL_MARKS for page in audited}
    for page, result in zip(audited, results, strict=True):
        assert result.error is None, (page.name, result.error)
        assert result.fonts == [], page.name  # the system's fonts on screen: none to download
        assert result.transferred < 60_000, (page.name, result.transferred)
