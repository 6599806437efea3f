"""Fixtures for the care team's area (the two agencies, `world`, are in tests/conftest.py)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask

from tests.apps import SQLITE_FILE, dispose, make_app
from tests.browser import serving
from tests.staff.support import STAFF_CONFIG, World


@pytest.fixture
def make_staff_app(sqlite_apps: Callable[..., Flask]) -> Callable[..., Flask]:
    """Return a maker of apps (staff settings plus any given) on fresh SQLite databases."""
    return lambda **config: sqlite_apps(**{**STAFF_CONFIG, **config})


@pytest.fixture
def staff_app(make_staff_app: Callable[..., Flask]) -> Flask:
    """Return an app with the staff test settings."""
    return make_staff_app()


@pytest.fixture(scope="module")
def live(world_template: tuple[Path, World],
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, World]]:
    """Serve a copy of the two agencies."""
    template, built = world_template
    instance = tmp_path_factory.mktemp("staff-live") / "instance"
    shutil.copytree(template, instance)
    with pytest.MonkeyPatch.context() as monkeypatch:
        app = make_app(instance, f"sqlite:///{instance / SQLITE_FILE}", monkeypatch,
                       **STAFF_CONFIG)
    with serving(app) as url:
        yield url, World(app, built.own, built.other)
    dispose(app)
