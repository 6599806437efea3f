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


@pytest.fixture(params=["least", "required"])
def floor(request: pytest.FixtureRequest, tmp_path: Path,
          monkeypatch: pytest.MonkeyPatch) -> Any:
    """The floor app on a database of its own: the least step, and with what every
    ivig_home step must do (IVIG_BENCH_FLOOR_REQUIRED=1)."""
    module = load_floor(tmp_path, monkeypatch, request.param == "required")
    yield module
    module.engine.dispose()
    sys.modules.pop("bench.floor_app", None)


def load_floor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, required: bool) -> Any:
    """Import bench/floor_app.py afresh, in the form asked for."""
    monkeypatch.setenv("IVIG_BENCH_FLOOR_DB", str(tmp_path / "floor.sqlite"))
    monkeypatch.setenv("IVIG_BENCH_FLOOR_REQUIRED", "1" if required else "0")
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parent.parent))
    sys.modules.pop("bench.floor_app", None)
    return importlib.import_module("bench.floor_app")


def raw(floor: Any, draft_id: str) -> Any:
    with sqlite3.connect(floor.engine.url.database) as connection:
        return connection.execute("SELECT answers FROM drafts WHERE id = ?",
                                  (draft_id,)).fetchone()[0]


def stored(floor: Any, draft_id: str) -> dict[str, Any]:
    return dict(floor.unpack(raw(floor, draft_id), draft_id))


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


def test_the_required_form_sends_headers_logs_and_encrypts(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    floor = load_floor(tmp_path, monkeypatch, required=True)
    try:
        client = floor.app.test_client()
        step = client.post("/start").headers["Location"]
        draft_id = step.split("/")[2]
        page = client.get(step)
        assert "default-src 'self'" in page.headers["Content-Security-Policy"]
        assert page.headers["Cache-Control"] == "no-store"
        assert page.headers["Referrer-Policy"] == "no-referrer"
        token = TOKEN.search(page.get_data(as_text=True)).group(1)  # type: ignore[union-attr]
        assert client.post(step, data={"csrf_token": token, **ANSWERS}).status_code == 303
        blob = raw(floor, draft_id)
        assert isinstance(blob, bytes) and b"not_sure" not in blob
        assert stored(floor, draft_id) == {"1": ANSWERS}
        lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()
                 if line.startswith("{")]
        assert [line["status"] for line in lines if line.get("message") == "request"] == [
            303, 200, 303]
        assert all(draft_id not in json.dumps(line) for line in lines)
    finally:
        floor.engine.dispose()
        sys.modules.pop("bench.floor_app", None)
