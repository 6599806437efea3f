"""Fixtures for the care team's area: an app with two agencies, clients signed in as each."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ivig_home.store import init_db
from tests.conftest import SQLITE_FILE, dispose, make_app
from tests.staff.support import STAFF_CONFIG, World, build_world, sign_in


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


@pytest.fixture(scope="session")
def world_template(tmp_path_factory: pytest.TempPathFactory,
                   sqlite_template: Path) -> tuple[Path, World]:
    """Build the two agencies once: an instance folder (database and keys) to copy."""
    instance = tmp_path_factory.mktemp("staff-world") / "instance"
    instance.mkdir()
    shutil.copyfile(sqlite_template, instance / SQLITE_FILE)
    with pytest.MonkeyPatch.context() as monkeypatch:
        app = make_app(instance, f"sqlite:///{instance / SQLITE_FILE}", monkeypatch,
                       **STAFF_CONFIG)
        with app.app_context():
            init_db(demo=True)
        built = build_world(app)
        dispose(app)
    return instance, built


@pytest.fixture
def world(world_template: tuple[Path, World], tmp_path: Path,
          monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    """Yield agency A (demo) and agency B with their staff and submissions, on a fresh copy."""
    template, built = world_template
    instance = tmp_path / "world"
    shutil.copytree(template, instance)
    app = make_app(instance, f"sqlite:///{instance / SQLITE_FILE}", monkeypatch,
                   **STAFF_CONFIG)
    yield World(app, dict(built.own), dict(built.other))
    dispose(app)


@pytest.fixture
def as_user(world: World) -> Callable[[str | None], FlaskClient]:
    """Return a maker of clients signed in as a user (None: nobody signed in)."""
    def client_for(email: str | None) -> FlaskClient:
        client = world.app.test_client()
        if email is not None:
            response = sign_in(client, email)
            assert response.status_code == 303, response.get_data(as_text=True)
        return client
    return client_for
