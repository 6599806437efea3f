"""bench/floor_app.py, the load benchmark's second yardstick, does the work it claims to.

Its throughput is quoted beside the step pages' (README, "Load and faults") as what a step
costs at the least on this stack, so it must really read the draft, check the form token
and the answers, and store them: a yardstick that skipped any of that would flatter the
stack.
"""

from __future__ import annotations

import importlib
import json
import re
import sqlite3
import sys
from pathlib import Path
from typing import Any

import pytest

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
ANSWERS = {"first": "yes", "second": "no", "third": "not_sure"}


@pytest.fixture
def floor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The floor app on a database of its own."""
    monkeypatch.setenv("IVIG_BENCH_FLOOR_DB", str(tmp_path / "floor.sqlite"))
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parent.parent))
    sys.modules.pop("bench.floor_app", None)
    module = importlib.import_module("bench.floor_app")
    yield module
    module.engine.dispose()
    sys.modules.pop("bench.floor_app", None)


def stored(floor: Any, draft_id: str) -> dict[str, Any]:
    with sqlite3.connect(floor.engine.url.database) as connection:
        row = connection.execute("SELECT answers FROM drafts WHERE id = ?",
                                 (draft_id,)).fetchone()
    return dict(json.loads(row[0]))


def test_a_step_is_read_checked_stored_and_redirected(floor: Any) -> None:
    client = floor.app.test_client()
    started = client.post("/start")
    assert started.status_code == 303
    step = started.headers["Location"]
    draft_id = step.split("/")[2]
    page = client.get(step).get_data(as_text=True)
    assert 11_000 < len(page) < 13_000  # about a checklist step, as the fixed page is
    assert page.count('type="radio"') == 9
    token = TOKEN.search(page).group(1)  # type: ignore[union-attr]
    answered = client.post(step, data={"csrf_token": token, **ANSWERS})
    assert answered.status_code == 303
    assert answered.headers["Location"].endswith(f"/d/{draft_id}/2")
    assert stored(floor, draft_id) == {"1": ANSWERS}
    assert client.get(step).get_data(as_text=True).count(" checked") == 3


@pytest.mark.parametrize(("fields", "why"), [
    ({"csrf_token": "wrong", **ANSWERS}, "a wrong form token"),
    ({**ANSWERS}, "no form token"),
    ({"first": "yes", "second": "no"}, "a question left out"),
    ({"first": "maybe", "second": "no", "third": "yes"}, "a value not offered"),
])
def test_a_bad_post_is_refused_and_stores_nothing(floor: Any, fields: dict[str, str],
                                                  why: str) -> None:
    client = floor.app.test_client()
    step = client.post("/start").headers["Location"]
    draft_id = step.split("/")[2]
    if "csrf_token" not in fields and why != "no form token":
        page = client.get(step).get_data(as_text=True)
        fields = {**fields, "csrf_token": TOKEN.search(page).group(1)}  # type: ignore[union-attr]
    assert client.post(step, data=fields).status_code == 400, why
    assert stored(floor, draft_id) == {}


def test_an_unknown_draft_or_step_is_not_found(floor: Any) -> None:
    client = floor.app.test_client()
    step = client.post("/start").headers["Location"]
    assert client.get("/d/unknown/1").status_code == 404
    assert client.get(step.rsplit("/", 1)[0] + "/8").status_code == 404
