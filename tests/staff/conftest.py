"""Fixtures for the care team's area (the two agencies, `world`, are in tests/conftest.py)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from ivig_home.store import init_db
from tests.conftest import SQLITE_FILE, dispose, make_app
from tests.staff.support import STAFF_CONFIG


@pytest.fixture
def make_staff_app(tmp_path: Path, sqlite_template: Path,
                   monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Flask]]:
    """Yield a maker of apps (staff settings plus any given) on fresh SQLite databases."""
    made: list[Flask] = []

    def build(**config: Any) -> Flask:
        instance = tmp_path / f"instance-{len(made)}"
        instance.mkdir()
        shutil.copyfile(sqlite_template, instance / SQLITE_FILE)
        app = make_app(instance, f"sqlite:///{instance / SQLITE_FILE}", monkeypatch,
                       **{**STAFF_CONFIG, **config})
        with app.app_context():
            init_db(demo=True)
        made.append(app)
        return app

    yield build
    for app in made:
        dispose(app)


@pytest.fixture
def staff_app(make_staff_app: Callable[..., Flask]) -> Flask:
    """Return an app with the staff test settings."""
    return make_staff_app()
