"""The migrations build the whole schema from nothing, match the models, and undo cleanly."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade

from ivig_home import maintenance
from ivig_home.agencies import registry
from ivig_home.cli import cli
from ivig_home.crypto import seal, unseal
from ivig_home.db import db
from ivig_home.models.agency import webhook_secret_context
from tests.apps import dispose, make_app
from tests.store_support import table_names

TABLES = {"agencies", "staff_users", "api_tokens", "drafts", "submissions", "issued_pdfs",
          "flag_reviews", "reviewed_pdfs", "review_reopenings", "audit_log",
          "webhook_deliveries", "patients", "patient_submissions", "attempts", "invitations",
          "invitation_links"}


@pytest.fixture
def empty_app(empty_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Flask:
    app = make_app(tmp_path / "instance", empty_database, monkeypatch)
    yield app  # type: ignore[misc]
    dispose(app)


def test_migrations_upgrade_an_empty_database_and_downgrade_again(empty_app: Flask) -> None:
    with empty_app.app_context():
        assert table_names() == set()
        maintenance.init_db(demo=True)
        assert table_names() == TABLES | {"alembic_version"}
        assert registry.get_agency("demo") is not None
        db.session.remove()  # PostgreSQL drops no table that an open transaction has read
        downgrade(revision="base")
        assert table_names() == {"alembic_version"}
        upgrade()
        assert table_names() == TABLES | {"alembic_version"}
        assert registry.get_agency("demo") is None


def test_init_db_twice_changes_nothing(empty_app: Flask) -> None:
    with empty_app.app_context():
        maintenance.init_db(demo=True)
        first = registry.ensure_demo_agency().id
        maintenance.init_db(demo=True)
        assert registry.ensure_demo_agency().id == first


def test_the_models_match_the_migrations(empty_app: Flask) -> None:
    with empty_app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_the_demo_agency(db_app: Flask) -> None:
    agency = registry.get_agency("demo")
    assert agency is not None
    assert (agency.slug, agency.name, agency.phone, agency.colour, agency.allowed_origins) == (
        "demo", "Demo Home Health", "555-0100", "#1d4f91", [])
    assert registry.get_agency("elsewhere") is None


def test_the_init_db_command_creates_the_database_once(empty_database: str, tmp_path: Path,
                                                       database: str) -> None:
    instance = tmp_path / "instance"
    environment = dict(os.environ, IVIG_HOME_INSTANCE_PATH=str(instance),
                       DATABASE_URL=empty_database)
    for _ in range(2):
        result = subprocess.run([sys.executable, "-c", "from ivig_home.cli import main; main()",
                                 "init-db", "--demo"], env=environment, capture_output=True,
                                text=True, timeout=60, check=False)
        assert result.returncode == 0, result.stderr
        assert result.stdout == "The database is ready, with the demo agency.\n"
    for secret in ("encryption_keys", "hmac_key", "secret_key"):
        assert (instance / secret).stat().st_mode & 0o077 == 0
    if database == "sqlite":
        assert Path(empty_database.removeprefix("sqlite:///")).stat().st_mode & 0o077 == 0
    engine = sqlalchemy.create_engine(empty_database)
    with engine.connect() as connection:
        agencies = connection.execute(sqlalchemy.text("SELECT slug FROM agencies")).all()
    engine.dispose()
    assert agencies == [("demo",)]


def test_the_webhook_secret_migration_encrypts_and_decrypts_again(empty_app: Flask) -> None:
    """b7d9f1a3c5e8: plain secrets are encrypted on upgrade and put back on downgrade."""
    agencies = sqlalchemy.table(
        "agencies", sqlalchemy.column("slug", sqlalchemy.String),
        sqlalchemy.column("name", sqlalchemy.String), sqlalchemy.column("phone", sqlalchemy.String),
        sqlalchemy.column("colour", sqlalchemy.String),
        sqlalchemy.column("allowed_origins", sqlalchemy.JSON),
        sqlalchemy.column("webhook_secret", sqlalchemy.String),
        sqlalchemy.column("created_at", sqlalchemy.DateTime))
    secret = "whsec_plain-before-the-migration"
    after = "a8c0e2f4b6d9"  # c9e1a3b5d7f2, later, replaces every secret
    with empty_app.app_context():
        upgrade(revision="2f94cc09bc43")
        db.session.execute(agencies.insert().values(
            slug="older", name="Older Home Infusion", phone="555-0142", colour="#1d4f91",
            allowed_origins=[], webhook_secret=secret, created_at=datetime(2026, 11, 1)))
        db.session.commit()
        db.session.remove()
        for _ in range(2):  # up, down, up
            upgrade(revision=after)
            assert "webhook_secret" not in _columns("agencies")
            stored = db.session.execute(sqlalchemy.text("SELECT * FROM agencies")).all()
            assert secret not in repr(stored) and secret.encode() not in repr(stored).encode()
            assert _secret_of("older") == secret
            db.session.remove()
            downgrade(revision="2f94cc09bc43")
            assert "webhook_secret_enc" not in _columns("agencies")
            assert db.session.scalar(sqlalchemy.text(
                "SELECT webhook_secret FROM agencies WHERE slug = 'older'")) == secret
            db.session.remove()
        upgrade(revision=after)
        assert _secret_of("older") == secret


def _secret_of(slug: str) -> str | None:
    """Return an agency's webhook secret, read without the model (the schema may be older)."""
    agency_id, blob = db.session.execute(sqlalchemy.text(
        "SELECT id, webhook_secret_enc FROM agencies WHERE slug = :slug"), {"slug": slug}).one()
    if blob is None:
        return None
    return str(unseal(bytes(blob), webhook_secret_context(agency_id)))


def _columns(table: str) -> set[str]:
    return {column["name"] for column in sqlalchemy.inspect(db.engine).get_columns(table)}


def test_the_audit_log_triggers_come_and_go_with_their_migration(empty_app: Flask) -> None:
    """e4a6c8f0b2d4: before it a raw delete of the audit log works; after it, never."""
    insert = sqlalchemy.text("INSERT INTO audit_log (at, action, actor) "
                             "VALUES (:at, 'logged_in', 'nurse@example.org')")
    delete = sqlalchemy.text("DELETE FROM audit_log")
    with empty_app.app_context():
        for _ in range(2):  # up, down, up
            upgrade(revision="c2e4a6b8d0f1")
            db.session.execute(insert, {"at": datetime(2026, 11, 21, 9, 0)})
            assert db.session.execute(delete).rowcount == 1
            db.session.execute(insert, {"at": datetime(2026, 11, 21, 9, 5)})
            db.session.commit()
            db.session.remove()
            upgrade()
            with pytest.raises(sqlalchemy.exc.DBAPIError, match="append-only"):
                db.session.execute(delete)
            db.session.rollback()
            assert db.session.scalar(sqlalchemy.text("SELECT count(*) FROM audit_log")) == 1
            db.session.remove()
            downgrade(revision="c2e4a6b8d0f1")
            db.session.execute(delete)
            db.session.commit()
            db.session.remove()


def test_the_audit_detail_migration_keeps_the_entries_and_the_append_only_triggers(
        empty_app: Flask) -> None:
    """a8c0e2f4b6d9: the detail column comes and goes in place; audit_log stays append-only."""
    before = "f5b7d9e1a3c6"
    insert = sqlalchemy.text("INSERT INTO audit_log (at, action, actor) "
                             "VALUES (:at, 'downloaded', 'nurse@example.org')")
    count = sqlalchemy.text("SELECT count(*) FROM audit_log")
    refused = (sqlalchemy.text("DELETE FROM audit_log"),
               sqlalchemy.text("UPDATE audit_log SET actor = 'someone else'"))

    def still_append_only() -> None:
        for statement in refused:
            with pytest.raises(sqlalchemy.exc.DBAPIError, match="append-only"):
                db.session.execute(statement)
            db.session.rollback()
        db.session.remove()

    with empty_app.app_context():
        upgrade(revision=before)
        db.session.execute(insert, {"at": datetime(2026, 11, 21, 9, 0)})
        db.session.commit()
        db.session.remove()
        for rounds in range(2):  # up, down, up
            upgrade()
            assert "detail" in _columns("audit_log")
            db.session.execute(sqlalchemy.text(
                "INSERT INTO audit_log (at, action, actor, detail) "
                "VALUES (:at, 'downloaded', 'nurse@example.org', 'reviewed 2')"),
                {"at": datetime(2026, 11, 21, 9, 5)})
            db.session.commit()
            details = db.session.scalars(sqlalchemy.text(
                "SELECT detail FROM audit_log ORDER BY id")).all()
            assert details == [None] * (1 + rounds) + ["reviewed 2"]  # older entries: none
            db.session.remove()
            still_append_only()
            downgrade(revision=before)
            assert "detail" not in _columns("audit_log")
            assert db.session.scalar(count) == 2 + rounds  # every entry kept
            db.session.remove()
            still_append_only()
        upgrade()
        assert db.session.scalar(count) == 3
        db.session.remove()


def test_the_standard_webhooks_migration_replaces_old_secrets_and_says_so(
        empty_app: Flask) -> None:
    """c9e1a3b5d7f2: each old-format secret is replaced, show-agency says so until rotated."""
    before = "a8c0e2f4b6d9"
    old_secret = "whsec_" + "Ab-_" * 10 + "xyz"  # URL-safe, as the app made them until now
    agencies = sqlalchemy.table(
        "agencies", sqlalchemy.column("slug", sqlalchemy.String),
        sqlalchemy.column("name", sqlalchemy.String), sqlalchemy.column("phone", sqlalchemy.String),
        sqlalchemy.column("colour", sqlalchemy.String),
        sqlalchemy.column("allowed_origins", sqlalchemy.JSON),
        sqlalchemy.column("webhook_secret_enc", sqlalchemy.LargeBinary),
        sqlalchemy.column("created_at", sqlalchemy.DateTime))
    deliveries = sqlalchemy.table(
        "webhook_deliveries", sqlalchemy.column("agency_id", sqlalchemy.Integer),
        sqlalchemy.column("event", sqlalchemy.String),
        sqlalchemy.column("payload", sqlalchemy.JSON),
        sqlalchemy.column("attempts", sqlalchemy.Integer),
        sqlalchemy.column("next_attempt_at", sqlalchemy.DateTime),
        sqlalchemy.column("created_at", sqlalchemy.DateTime))
    old_payload = {"event": "submission.created", "id": "sub-1", "reference": "HKT-4829",
                   "created": "2026-11-21T09:14:00+00:00", "highest_severity": "discuss",
                   "counts": {"emergency": 0, "urgent": 0, "discuss": 1, "prepare": 0,
                              "note": 0}}
    runner = empty_app.test_cli_runner()

    def show(slug: str) -> str:
        db.session.remove()
        result = runner.invoke(cli, ["show-agency", slug])
        assert result.exit_code == 0, result.output
        return result.output

    with empty_app.app_context():
        upgrade(revision=before)
        for slug in ("older", "quiet"):
            db.session.execute(agencies.insert().values(
                slug=slug, name="Older Home Infusion", phone="555-0142", colour="#1d4f91",
                allowed_origins=[], created_at=datetime(2026, 11, 1)))
        older_id = db.session.scalar(sqlalchemy.text(
            "SELECT id FROM agencies WHERE slug = 'older'"))
        db.session.execute(agencies.update().where(agencies.c.slug == "older").values(
            webhook_secret_enc=seal(old_secret, webhook_secret_context(older_id))))
        db.session.execute(deliveries.insert().values(
            agency_id=older_id, event="submission.created", payload=old_payload, attempts=1,
            next_attempt_at=datetime(2026, 11, 21, 9, 15), created_at=datetime(2026, 11, 21)))
        db.session.commit()
        db.session.remove()
        for _ in range(2):  # up, down, up
            upgrade(revision="c9e1a3b5d7f2")
            replaced = _secret_of("older")
            assert replaced is not None and replaced != old_secret
            assert base64.b64encode(base64.b64decode(
                replaced.removeprefix("whsec_"), validate=True)) == \
                replaced.removeprefix("whsec_").encode()
            assert len(base64.b64decode(replaced.removeprefix("whsec_"))) == 32
            assert _secret_of("quiet") is None
            stamps = dict(db.session.execute(sqlalchemy.text(
                "SELECT slug, webhook_secret_replaced_at FROM agencies")).all())
            assert stamps["older"] is not None and stamps["quiet"] is None
            message_id, payload = db.session.execute(sqlalchemy.select(
                sqlalchemy.column("message_id"), deliveries.c.payload)).one()
            assert message_id.startswith("msg_")
            assert payload == {"type": "submission.created", "timestamp": old_payload["created"],
                               "data": {k: v for k, v in old_payload.items() if k != "event"}}
            db.session.remove()
            upgrade()  # show-agency reads the agency with today's model (the later columns)
            shown = show("older")
            assert "webhook secret was replaced by the database migration" in shown
            assert "ivig-home edit-agency older --new-webhook-secret" in shown
            assert replaced not in shown
            assert "replaced" not in show("quiet")
            db.session.remove()
            downgrade(revision=before)
            assert "webhook_secret_replaced_at" not in _columns("agencies")
            assert "message_id" not in _columns("webhook_deliveries")
            assert db.session.execute(sqlalchemy.select(deliveries.c.payload)).scalar_one() \
                == old_payload
            assert _secret_of("older") == replaced  # the old one is gone for good
            db.session.remove()
        upgrade()
        db.session.remove()
        result = runner.invoke(cli, ["edit-agency", "older", "--new-webhook-secret"])
        assert result.exit_code == 0, result.output
        db.session.remove()
        assert f"(shown once, keep it safe): {_secret_of('older')}" in result.output
        assert "replaced" not in show("older")


def test_the_locale_migration_gives_existing_agencies_us_dates_and_keeps_their_rows(
        empty_app: Flask) -> None:
    """d4f6a8c0e2b5: agencies.locale comes with 'en-US' and goes; nothing else is touched."""
    before = "c9e1a3b5d7f2"
    agencies = sqlalchemy.table(
        "agencies", sqlalchemy.column("slug", sqlalchemy.String),
        sqlalchemy.column("name", sqlalchemy.String), sqlalchemy.column("phone", sqlalchemy.String),
        sqlalchemy.column("colour", sqlalchemy.String),
        sqlalchemy.column("allowed_origins", sqlalchemy.JSON),
        sqlalchemy.column("created_at", sqlalchemy.DateTime))
    # A row that belongs to the agency: rebuilding agencies on SQLite would delete it.
    count = sqlalchemy.text("SELECT count(*) FROM webhook_deliveries")
    with empty_app.app_context():
        upgrade(revision=before)
        db.session.execute(agencies.insert().values(
            slug="older", name="Older Home Infusion", phone="555-0142", colour="#1d4f91",
            allowed_origins=[], created_at=datetime(2026, 11, 1)))
        db.session.execute(sqlalchemy.text(
            "INSERT INTO webhook_deliveries (message_id, agency_id, event, payload, attempts, "
            "next_attempt_at, created_at) SELECT 'msg_1', id, 'submission.created', '{}', 0, "
            ":at, :at FROM agencies"), {"at": datetime(2026, 11, 21, 9)})
        db.session.commit()
        db.session.remove()
        for _ in range(2):  # up, down, up
            upgrade()
            assert db.session.execute(sqlalchemy.text(
                "SELECT slug, locale FROM agencies")).all() == [("older", "en-US")]
            db.session.remove()
            runner = empty_app.test_cli_runner()
            shown = runner.invoke(cli, ["show-agency", "older"])
            assert shown.exit_code == 0, shown.output
            assert "locale:          en-US (dates month first)" in shown.output
            db.session.remove()
            assert runner.invoke(cli, ["edit-agency", "older", "--locale", "en-GB"]).exit_code \
                == 0
            db.session.remove()
            assert db.session.scalar(sqlalchemy.text(
                "SELECT locale FROM agencies WHERE slug = 'older'")) == "en-GB"
            db.session.remove()
            downgrade(revision=before)
            assert "locale" not in _columns("agencies")
            assert db.session.scalar(sqlalchemy.text(
                "SELECT name FROM agencies WHERE slug = 'older'")) == "Older Home Infusion"
            assert db.session.scalar(count) == 1
            db.session.remove()
        upgrade()
        assert db.session.scalar(sqlalchemy.text("SELECT locale FROM agencies")) == "en-US"
        assert db.session.scalar(count) == 1
        db.session.remove()
