"""Fixtures: an app on a fresh database, its client and CLI runner, on SQLite and PostgreSQL.

`app`, `client` and `runner` use SQLite, and `harbour` is an agency on `app`; `world` is two
agencies with their staff and submissions, and `as_user` a client signed in as one of them.
Storage tests take `db_app` instead, which runs each test on SQLite and, when
IVIG_HOME_TEST_POSTGRES names a server, again on PostgreSQL in a database of its own that
this test session creates and drops.
The apps are made by tests/apps.py; test modules import what they share from support
modules such as that one, never from a conftest.py or another test module.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from hypothesis import HealthCheck, settings
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket
from sqlalchemy import make_url

from ivig_home.app import IvigHome
from ivig_home.maintenance import init_db
from ivig_home.models import Agency
from tests.agency_support import make_harbour
from tests.apps import (
    NO_POSTGRES,
    POSTGRES,
    SQLITE_FILE,
    dispose,
    empty_tables,
    make_app,
    migrate_to_head,
    sqlite_app,
)
from tests.browser import CHROMIUM, CHROMIUM_ARGS
from tests.spanish import compile_catalogs
from tests.staff.support import STAFF_CONFIG, World, build_world, sign_in

MEMORY_FOLDER = Path("/dev/shm")  # noqa: S108 (Linux's memory-backed folder, tmpfs)
MEMORY_FOLDER_ROOM = 1024**3  # used only with this much free (a run keeps far less)
DATABASE_IN_ID = re.compile(r"[\[-](sqlite|postgresql)[\]-]")


class SharedTemplateCode(BytecodeCache):
    """Compiled templates kept in memory for the whole run, shared by every app it makes.

    Each app has a Jinja environment of its own, which would compile each template again on
    its first render; here a template is compiled once per process. A bucket is checked
    against its template's source, so an edited template is compiled again.
    """

    def __init__(self) -> None:
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        found = self.code.get(bucket.key)
        if found is not None:
            bucket.bytecode_from_string(found)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()


IvigHome.jinja_options = {**IvigHome.jinja_options, "bytecode_cache": SharedTemplateCode()}


# Generated inputs are judged by what comes back, never by how long an example took: the
# suite runs on two workers sharing two cores, where a slow moment is not a failure.
settings.register_profile("ivig_home", deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ivig_home")


def pytest_configure(config: pytest.Config) -> None:
    """Keep the run's temporary files in memory when the machine has a memory-backed folder.

    Each test's SQLite database lives there, and SQLite syncs every commit to the disk
    (synchronous=FULL): several milliseconds a commit on a disk, much of a storage test's
    time; nothing in memory. No test can tell the difference. --basetemp or
    PYTEST_DEBUG_TEMPROOT still choose the place.
    """
    if config.option.basetemp or os.environ.get("PYTEST_DEBUG_TEMPROOT"):
        return
    if (MEMORY_FOLDER.is_dir() and os.access(MEMORY_FOLDER, os.W_OK | os.X_OK)
            and shutil.disk_usage(MEMORY_FOLDER).free > MEMORY_FOLDER_ROOM):
        os.environ["PYTEST_DEBUG_TEMPROOT"] = str(MEMORY_FOLDER)


@pytest.fixture(scope="session", autouse=True)
def shared_static_build(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Build static/ once for the run, not into each app's own instance folder."""
    os.environ["IVIG_HOME_STATIC_BUILD_FOLDER"] = str(tmp_path_factory.mktemp("static-build"))
    yield
    os.environ.pop("IVIG_HOME_STATIC_BUILD_FOLDER", None)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return an SQLite file migrated to the latest schema, to copy for each test."""
    folder = tmp_path_factory.mktemp("template")
    migrate_to_head(f"sqlite:///{folder / SQLITE_FILE}", folder)
    return folder / SQLITE_FILE


def _admin(sql: str) -> None:
    assert POSTGRES is not None
    with psycopg.connect(POSTGRES, autocommit=True) as connection:
        connection.execute(sql)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[Any]:
    """Yield a maker of fresh PostgreSQL databases, all dropped when the session ends."""
    made: list[str] = []

    def fresh() -> str:
        name = f"ivig_test_{secrets.token_hex(6)}"
        _admin(f'CREATE DATABASE "{name}"')
        _admin(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
        made.append(name)
        return make_url(POSTGRES).set(drivername="postgresql+psycopg",  # type: ignore[arg-type]
                                      database=name).render_as_string(hide_password=False)

    yield fresh
    for name in made:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres_url(postgres_databases: Any, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Return this session's PostgreSQL database, migrated to the latest schema."""
    url: str = postgres_databases()
    migrate_to_head(url, tmp_path_factory.mktemp("postgres"))
    return url


DATABASES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=[
        pytest.mark.postgres, pytest.mark.skipif(not POSTGRES, reason=NO_POSTGRES)]),
]


@pytest.fixture(params=DATABASES)
def database(request: pytest.FixtureRequest) -> str:
    """Return the kind of database this run of a storage test uses."""
    kind: str = request.param
    return kind


@pytest.fixture
def empty_database(database: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """Return the URL of a database with no tables at all, of the kind under test."""
    if database == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    url: str = request.getfixturevalue("postgres_databases")()
    return url


@pytest.fixture
def database_url(database: str, tmp_path: Path, sqlite_template: Path,
                 request: pytest.FixtureRequest) -> str:
    """Return the URL of a migrated, empty database of the kind under test."""
    if database == "sqlite":
        (tmp_path / "instance").mkdir(exist_ok=True)
        target = tmp_path / "instance" / SQLITE_FILE
        shutil.copyfile(sqlite_template, target)
        return f"sqlite:///{target}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def db_app(database_url: str, tmp_path: Path,
           monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """Yield an app on a fresh database of the kind under test, inside an app context."""
    app = make_app(tmp_path / "instance", database_url, monkeypatch)
    if not database_url.startswith("sqlite"):
        empty_tables(app)
    with app.app_context():
        init_db(demo=True)
        yield app
    dispose(app)


@pytest.fixture
def app(tmp_path: Path, sqlite_template: Path,
        monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """Yield an app with its own instance folder and an initialised SQLite database."""
    app = sqlite_app(tmp_path / "instance", sqlite_template, monkeypatch)
    yield app
    dispose(app)


@pytest.fixture
def sqlite_apps(tmp_path: Path, sqlite_template: Path,
                monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Flask]]:
    """Yield a maker of apps with extra settings, each on its own initialised SQLite file."""
    made: list[Flask] = []

    def build(**config: Any) -> Flask:
        app = sqlite_app(tmp_path / f"instance-{len(made)}", sqlite_template, monkeypatch,
                         **config)
        made.append(app)
        return app

    yield build
    for app in made:
        dispose(app)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """Return a test client for the app."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """Return a runner for the app's `ivig-home` commands."""
    return app.test_cli_runner()


@pytest.fixture
def harbour(app: Flask) -> Iterator[Agency]:
    """Yield an agency, inside an app context (the API, logo and embedding tests use it)."""
    with app.app_context():
        yield make_harbour()


@pytest.fixture(scope="session")
def compiled_catalogs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a folder with the committed catalogs compiled (.mo files are not in git), for
    an app's BABEL_TRANSLATION_DIRECTORIES."""
    return compile_catalogs(tmp_path_factory.mktemp("compiled-catalogs"))


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Launch Debian's Chromium once for every browser test.

    One for the whole session: Playwright's sync API cannot run two at once in a thread.
    """
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: scripts/test installs Debian's chromium")
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def world_template(tmp_path_factory: pytest.TempPathFactory,
                   sqlite_template: Path) -> tuple[Path, World]:
    """Build the two agencies once: an instance folder (database and keys) to copy."""
    instance = tmp_path_factory.mktemp("staff-world") / "instance"
    with pytest.MonkeyPatch.context() as monkeypatch:
        app = sqlite_app(instance, sqlite_template, monkeypatch, **STAFF_CONFIG)
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


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say plainly how many storage tests ran on each database."""
    counts: Counter[tuple[str, str]] = Counter()
    for outcome in ("passed", "failed", "error", "skipped"):
        for report in terminalreporter.stats.get(outcome, []):
            found = DATABASE_IN_ID.search(getattr(report, "nodeid", ""))
            if found and (report.when == "call" or outcome in ("skipped", "error")):
                counts[(found.group(1), outcome)] += 1
    if not counts:
        return
    terminalreporter.write_sep("-", "storage tests by database")
    for kind, name in (("sqlite", "SQLite"), ("postgresql", "PostgreSQL")):
        line = ", ".join(f"{counts[(kind, outcome)]} {outcome}"
                         for outcome in ("passed", "failed", "error", "skipped")
                         if counts[(kind, outcome)])
        if kind == "postgresql" and not POSTGRES:
            line += " (SKIPPED: no PostgreSQL; set IVIG_HOME_TEST_POSTGRES)"
        terminalreporter.write_line(f"{name}: {line or 'none ran'}")
