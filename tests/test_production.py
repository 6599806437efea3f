"""Production settings: behind a proxy, /healthz, engine options, dropped database connections."""

from __future__ import annotations

import io
import json
import logging
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import psycopg
import pytest
from flask import Flask
from sqlalchemy import make_url
from sqlalchemy.exc import DisconnectionError

from ivig_home import create_app, serving
from ivig_home.logs import JsonFormatter
from ivig_home.maintenance import init_db
from tests.answers import answers_today
from tests.apps import NO_POSTGRES, POSTGRES, SQLITE_FILE, dispose, make_app
from tests.gunicorn_server import free_port
from tests.patient.client import Patient, section_form, token_in

AppMaker = Callable[..., Flask]


@pytest.fixture
def app_with(tmp_path: Path, sqlite_template: Path,
             monkeypatch: pytest.MonkeyPatch) -> Iterator[AppMaker]:
    """Yield a maker of apps with extra settings, each on its own SQLite database."""
    made: list[Flask] = []

    def build(url: str | None = None, **config: Any) -> Flask:
        instance = tmp_path / f"instance-{len(made)}"
        instance.mkdir()
        if url is None:
            shutil.copyfile(sqlite_template, instance / SQLITE_FILE)
            url = f"sqlite:///{instance / SQLITE_FILE}"
        app = make_app(instance, url, monkeypatch, **config)
        made.append(app)
        return app

    yield build
    for app in made:
        dispose(app)


def press_start(app: Flask, address: str) -> int:
    """Press Start now from this client address (as the proxy reports it)."""
    client = app.test_client()
    headers = {"X-Forwarded-For": address}
    token = token_in(client.get("/a/demo/", headers=headers).text)
    return client.post("/a/demo/", data={"csrf_token": token}, headers=headers).status_code


def test_behind_a_proxy_each_patient_has_their_own_limit(app_with: AppMaker) -> None:
    app = app_with(PROXY_FIX=1, START_RATE_LIMIT="2 per minute")
    with app.app_context():
        init_db(demo=True)
    assert [press_start(app, "203.0.113.5") for _ in range(3)] == [303, 303, 429]
    assert press_start(app, "203.0.113.6") == 303


def test_without_proxy_fix_a_forwarded_address_is_not_believed(app_with: AppMaker) -> None:
    app = app_with(START_RATE_LIMIT="2 per minute")
    with app.app_context():
        init_db(demo=True)
    statuses = [press_start(app, f"203.0.113.{n}") for n in range(3)]
    assert statuses == [303, 303, 429]


@pytest.mark.parametrize(("proxies", "scheme"), [(1, "https"), (0, "http")])
def test_behind_a_tls_proxy_the_resume_link_is_https(app_with: AppMaker, proxies: int,
                                                     scheme: str) -> None:
    app = app_with(PROXY_FIX=proxies)
    with app.app_context():
        init_db(demo=True)
    client = app.test_client()
    client.environ_base.update(HTTP_X_FORWARDED_PROTO="https", HTTP_X_FORWARDED_HOST="evil.test")
    patient = Patient(app, client)
    patient.start()
    saved = patient.post("about", section_form("about", answers_today("nothing-to-flag")),
                         action="save")
    assert f'{scheme}://localhost/a/demo/resume?code=' in saved.text
    assert "evil.test" not in saved.text


def test_healthz_says_ok(app: Flask) -> None:
    response = app.test_client().get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.serial  # times the answer
def test_healthz_says_unavailable_when_the_database_is_unreachable(app_with: AppMaker) -> None:
    app = app_with(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/ivig_home")
    started = time.monotonic()
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": "unreachable"}
    assert time.monotonic() - started < 10


def test_the_engine_survives_restarts_and_keeps_parameters_out_of_logs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IVIG_HOME_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", "postgresql://db.example/ivig")
    app = create_app()
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    # A closed connection is seen on its socket at checkout, not by a query on every one.
    assert app.config["DATABASE_CLOSED_CHECK"] is True and "pool_pre_ping" not in options
    assert options["pool_recycle"] == 1800
    assert options["hide_parameters"] is True
    assert options["connect_args"]["connect_timeout"] == 5


# --- dropped PostgreSQL connections ---------------------------------------------------------

def drop_connections(url: str, wait: bool = False) -> int:
    """Terminate every connection to the app's database, as a database restart would;
    with `wait`, return only once every one of them has ended (as after a restart)."""
    assert POSTGRES is not None
    database = make_url(url).database
    with psycopg.connect(POSTGRES, autocommit=True) as admin:
        row = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()", (database,)).fetchone()
        deadline = time.monotonic() + 10
        while wait and time.monotonic() < deadline:
            left = admin.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()", (database,)).fetchone()
            if left and left[0] == 0:
                break
            time.sleep(0.01)
    return int(row[0]) if row else 0


@pytest.fixture
def pg_app(request: pytest.FixtureRequest, app_with: AppMaker) -> Callable[..., Flask]:
    """Return a maker of apps on this session's PostgreSQL database."""
    if not POSTGRES:
        pytest.skip(NO_POSTGRES)
    url: str = request.getfixturevalue("postgres_url")

    def build(**config: Any) -> Flask:
        app = app_with(url, START_RATE_LIMIT="1000 per minute", **config)
        with app.app_context():
            init_db(demo=True)
        return app

    return build


@pytest.fixture
def warnings_logged() -> Iterator[io.StringIO]:
    """Capture the app's warnings."""
    sink = io.StringIO()
    handler = logging.StreamHandler(sink)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("ivig_home")
    logger.addHandler(handler)
    yield sink
    logger.removeHandler(handler)


@pytest.mark.postgres
@pytest.mark.parametrize(("closed_check", "pre_ping", "retried"),
                         [(True, False, False), (False, True, False), (False, False, True)],
                         ids=["closed-check", "pre-ping", "neither"])
def test_requests_after_the_connections_were_dropped_succeed(
        pg_app: Callable[..., Flask], warnings_logged: io.StringIO, closed_check: bool,
        pre_ping: bool, retried: bool) -> None:
    app = pg_app(DATABASE_CLOSED_CHECK=closed_check,
                 SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": pre_ping, "hide_parameters": True})
    patient = Patient(app, app.test_client())
    patient.start()
    answers = answers_today("nothing-to-flag")
    patient.complete_until("about", answers)
    assert drop_connections(app.config["SQLALCHEMY_DATABASE_URI"], wait=True) >= 1
    for section_id in ("today", "about", "today"):
        assert patient.get(section_id).status_code == 200
    assert patient.answer("today", answers).status_code == 303
    assert patient.answers()["patient_name"] == answers["patient_name"]
    # With the closed-connection check (the default) or pre-ping, the pool replaces dead
    # connections quietly; with neither, the request that met one is run again.
    assert ("database connection lost" in warnings_logged.getvalue()) is retried
    # Each retry names its request, so an operator can match it with the request's line.
    for line in warnings_logged.getvalue().splitlines():
        if "database connection lost" in line:
            assert re.fullmatch(r"[0-9a-f]{32}", json.loads(line)["request_id"])


@pytest.mark.postgres
def test_a_new_connection_is_taken_unchecked_and_a_closed_one_is_refused_after(
        postgres_url: str) -> None:
    """The pool tries twice for a good connection, then fails with an error that is not a
    lost connection (no rerun): a connection it has just made is taken unchecked, so one
    ended at once fails its query (and the request runs again) instead."""
    url = make_url(postgres_url).set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False)) as connection:
        record = SimpleNamespace(info={})
        serving.mark_new(connection, record)
        drop_connections(postgres_url, wait=True)
        serving.closed_by_server(connection, record, None)  # new: not checked
        with pytest.raises(DisconnectionError):
            serving.closed_by_server(connection, record, None)  # taken before: checked


@pytest.mark.postgres
def test_patients_mid_journey_lose_nothing_while_connections_keep_dropping(
        pg_app: Callable[..., Flask]) -> None:
    app = pg_app()
    answers = answers_today("nothing-to-flag")
    statuses: list[int] = []
    patients = []
    for _ in range(4):
        patient = Patient(app, app.test_client())
        patient.start()
        patients.append(patient)

    def keep_answering(patient: Patient) -> None:
        for _ in range(12):
            page = patient.get("about")
            statuses.append(page.status_code)
            form = {**section_form("about", answers), "csrf_token": token_in(page.text),
                    "action": "continue"}
            statuses.append(patient.client.post(patient.url("about"), data=form).status_code)

    threads = [threading.Thread(target=keep_answering, args=(p,)) for p in patients]
    for thread in threads:
        thread.start()
    dropped = 0
    while any(thread.is_alive() for thread in threads):
        dropped += drop_connections(app.config["SQLALCHEMY_DATABASE_URI"])
        time.sleep(0.05)
    for thread in threads:
        thread.join()
    assert dropped >= 3
    assert len(statuses) == 4 * 24 and set(statuses) <= {200, 303}, sorted(set(statuses))
    for patient in patients:
        assert patient.answers()["date_of_birth"] == answers["date_of_birth"]
