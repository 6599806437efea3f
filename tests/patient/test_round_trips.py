"""What a step page asks of the database: one query to show it, one read and one write to
save it, on SQLite and on PostgreSQL. Each round trip is time a patient waits for."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event

from ivig_home.db import db
from ivig_home.maintenance import init_db
from tests.answers import answers_today
from tests.apps import dispose, empty_tables, make_app
from tests.patient.client import Patient, token_in

Statement = str


@pytest.fixture
def served(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """Yield an app on a fresh database of the kind under test, with no app context left
    open: each request has a session of its own, as when the app is served."""
    app = make_app(tmp_path / "instance", database_url, monkeypatch)
    if not database_url.startswith("sqlite"):
        # Whatever an earlier test left, the append-only audit log included.
        empty_tables(app)
    with app.app_context():
        init_db(demo=True)
    yield app
    dispose(app)


@pytest.fixture
def statements(served: Flask) -> Iterator[list[Statement]]:
    """Record the first word of each statement the app sends."""
    seen: list[Statement] = []
    with served.app_context():
        engine = db.engine

    def record(connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement.split(None, 1)[0].upper())

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def test_a_step_is_shown_with_one_query(
        served: Flask, statements: list[Statement]) -> None:
    patient = Patient(served, served.test_client())
    patient.start()
    statements.clear()
    page = patient.get("about")
    assert page.status_code == 200
    # The agency and the draft in one SELECT.
    assert statements == ["SELECT"]


def test_a_step_is_saved_with_one_read_and_one_write(
        served: Flask, statements: list[Statement]) -> None:
    patient = Patient(served, served.test_client())
    patient.start()
    answers = answers_today("nothing-to-flag")
    page = patient.get("about")
    statements.clear()
    assert patient.answer("about", answers, token=token_in(page.text)).status_code == 303
    assert statements == ["SELECT", "UPDATE"]
    assert page.status_code == 200
    assert patient.answers()["patient_name"] == answers["patient_name"]


def test_a_step_already_answered_is_shown_with_its_answers(
        served: Flask, statements: list[Statement]) -> None:
    patient = Patient(served, served.test_client())
    patient.start()
    answers = answers_today("nothing-to-flag")
    assert patient.answer("about", answers).status_code == 303
    statements.clear()
    page = patient.get("about")
    assert page.status_code == 200 and answers["patient_name"] in page.text
    assert statements == ["SELECT"]
