"""Apps for the tests: on a given database, on a copy of the migrated SQLite template, on
PostgreSQL when IVIG_HOME_TEST_POSTGRES names a server; and closing their connections."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import text

from ivig_home.app import create_app
from ivig_home.db import db
from ivig_home.maintenance import init_db

POSTGRES = os.environ.get("IVIG_HOME_TEST_POSTGRES")
NO_POSTGRES = "SKIPPED on PostgreSQL: IVIG_HOME_TEST_POSTGRES is not set (scripts/test sets it)"
SQLITE_FILE = "ivig_home.sqlite3"
# For a test server's serve_forever: shutdown() waits until the loop notices, which it looks
# for every poll_interval (0.5 s unless told).
QUICK_STOP = {"poll_interval": 0.02}


def make_app(instance: Path, url: str, monkeypatch: pytest.MonkeyPatch,
             **config: Any) -> Flask:
    """Return an app whose instance folder and database are the given ones."""
    monkeypatch.setenv("IVIG_HOME_INSTANCE_PATH", str(instance))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("IVIG_HOME_ENCRYPTION_KEYS", raising=False)
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, **config})


def sqlite_app(instance: Path, template: Path, monkeypatch: pytest.MonkeyPatch, *,
               demo: bool | None = True, **config: Any) -> Flask:
    """Return an app on a copy of the migrated SQLite template in a new instance folder.

    demo=True also adds the demo agency, False initialises without it, None leaves the
    database as copied.
    """
    instance.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, instance / SQLITE_FILE)
    app = make_app(instance, f"sqlite:///{instance / SQLITE_FILE}", monkeypatch, **config)
    if demo is not None:
        with app.app_context():
            init_db(demo=demo)
    return app


def dispose(app: Flask) -> None:
    """Close every pooled connection of an app's engines."""
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()


def migrate_to_head(url: str, instance: Path) -> None:
    """Bring a database to the latest schema from a throwaway app."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        app = make_app(instance, url, monkeypatch)
        with app.app_context():
            upgrade()
        dispose(app)


def empty_tables(app: Flask) -> None:
    """Empty every table of a PostgreSQL database and start its ids again from 1, as a fresh
    database has them.

    As a superuser: DELETE with the triggers off (the audit log's refuse a DELETE), about
    a fifth of the time of TRUNCATE, which makes new files for every table and index.
    """
    tables = [table.name for table in db.metadata.sorted_tables]
    with app.app_context():
        if db.session.scalar(text("SELECT current_setting('is_superuser')")) != "on":
            db.session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            db.session.execute(text("SET LOCAL session_replication_role = replica"))
            for name in reversed(tables):
                db.session.execute(text(f"DELETE FROM {name}"))  # noqa: S608 (our tables)
            db.session.execute(text(
                "SELECT setval(format('%I.%I', schemaname, sequencename), start_value, false)"
                " FROM pg_sequences WHERE schemaname = current_schema()"))
        db.session.commit()
