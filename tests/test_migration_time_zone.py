"""The time-zone migration: existing agencies get the app's zone; down and up again keep them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from ivig_home.db import db
from tests.apps import dispose, make_app

BEFORE = "2f94cc09bc43"
NOW = datetime(2026, 11, 21, 9, 0)


@pytest.fixture
def app_before_time_zone(empty_database: str, tmp_path: Path,
                         monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    app = make_app(tmp_path / "instance", empty_database, monkeypatch,
                   TIME_ZONE="America/New_York")
    with app.app_context():
        upgrade(revision=BEFORE)
    yield app
    dispose(app)


def _columns() -> set[str]:
    return {column["name"] for column in sqlalchemy.inspect(db.engine).get_columns("agencies")}


def _zones() -> list[tuple[str, str]]:
    rows = db.session.execute(text("SELECT slug, time_zone FROM agencies ORDER BY slug")).all()
    db.session.remove()
    return [tuple(row) for row in rows]  # type: ignore[misc]


def test_up_down_up_keeps_the_agencies_and_gives_them_the_configured_zone(
        app_before_time_zone: Flask) -> None:
    with app_before_time_zone.app_context():
        for number, slug in enumerate(("demo", "harbour"), start=1):
            db.session.execute(text(
                "INSERT INTO agencies (id, slug, name, phone, colour, allowed_origins, "
                "created_at) VALUES (:id, :slug, 'A', '555', '#123456', '[]', :now)"),
                {"id": number, "slug": slug, "now": NOW})
        db.session.commit()
        db.session.remove()
        upgrade()
        assert _zones() == [("demo", "America/New_York"), ("harbour", "America/New_York")]
        db.session.execute(text("UPDATE agencies SET time_zone = 'Asia/Kolkata' "
                                "WHERE slug = 'harbour'"))
        db.session.commit()
        db.session.remove()
        downgrade(revision=BEFORE)
        assert "time_zone" not in _columns()
        count = db.session.execute(text("SELECT count(*) FROM agencies")).scalar_one()
        db.session.remove()
        assert count == 2
        upgrade()
        assert "time_zone" in _columns()
        assert _zones() == [("demo", "America/New_York"), ("harbour", "America/New_York")]
