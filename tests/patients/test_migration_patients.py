"""e7a9c1d3f5b8: the patients tables come and go; the audit log keeps its other entries and
stays append-only; init-db gives existing submissions their patients."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy
from flask import Flask
from flask_migrate import downgrade, upgrade

from ivig_home import maintenance
from ivig_home.agencies import registry
from ivig_home.audit.log import audit, patient_detail
from ivig_home.db import db
from ivig_home.patients import invitations
from ivig_home.patients.matching import patient_ids_of
from tests.agency_support import submit
from tests.apps import dispose, make_app
from tests.store_support import table_names

BEFORE = "d4f6a8c0e2b5"
NEW_TABLES = {"patients", "patient_submissions", "attempts", "invitations",
              "invitation_links"}


@pytest.fixture
def unmigrated_app(empty_database: str, tmp_path: Path,
              monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    app = make_app(tmp_path / "instance", empty_database, monkeypatch)
    yield app
    dispose(app)


def _scalar(sql: str) -> object:
    return db.session.scalar(sqlalchemy.text(sql))


def _still_append_only() -> None:
    for statement in ("DELETE FROM audit_log", "UPDATE audit_log SET actor = 'someone'"):
        with pytest.raises(sqlalchemy.exc.DBAPIError, match="append-only"):
            db.session.execute(sqlalchemy.text(statement))
        db.session.rollback()
    db.session.remove()


def test_the_patients_migration_goes_down_and_up_and_init_db_links_old_submissions(
        unmigrated_app: Flask) -> None:
    with unmigrated_app.app_context():
        maintenance.init_db(demo=True)
        demo = registry.get_agency("demo")
        sent = [submit(demo, "nothing-to-flag").id, submit(demo, "nothing-to-flag").id]
        demo_id = demo.id
        patient = patient_ids_of(sent)[sent[0]]
        audit("viewed_patient", actor="nurse@demo.test", agency_id=demo_id,
              detail=patient_detail(patient))
        entries = _scalar("SELECT count(*) FROM audit_log")
        db.session.remove()
        _still_append_only()
        for _ in range(2):  # down, up, down, up
            downgrade(revision=BEFORE)
            assert not NEW_TABLES & table_names()
            # Every entry but the one only the new action could make is kept.
            assert _scalar("SELECT count(*) FROM audit_log") == entries - 1
            assert _scalar("SELECT count(*) FROM submissions") == 2
            _still_append_only()
            with pytest.raises(sqlalchemy.exc.IntegrityError):
                db.session.execute(sqlalchemy.text(
                    "INSERT INTO audit_log (at, action, actor) "
                    "VALUES (CURRENT_TIMESTAMP, 'viewed_patient', 'nurse@demo.test')"))
            db.session.rollback()
            db.session.remove()
            upgrade()
            assert NEW_TABLES <= table_names()
            assert _scalar("SELECT count(*) FROM patient_submissions") == 0
            # An invitation keeps no token and nothing to rebuild one: its links' hashes are
            # rows of their own, deleted with it.
            columns = {c["name"] for c in sqlalchemy.inspect(db.engine).get_columns(
                "invitations")}
            assert not {"token_hash", "nonce"} & columns
            assert {c["name"] for c in sqlalchemy.inspect(db.engine).get_columns(
                "invitation_links")} == {"token_hash", "invitation_id", "created_at"}
            _still_append_only()
            # init-db links the submissions that came before: both are Ana's.
            maintenance.init_db()
            linked = patient_ids_of(sent)
            assert len(linked) == 2 and len(set(linked.values())) == 1
            audit("viewed_patient", actor="nurse@demo.test", agency_id=demo_id,
                  detail=patient_detail(linked[sent[0]]))
            made = invitations.invite(registry.get_agency("demo"), "Ana Ruiz", "1971-04-02",
                                      "2099-01-02", actor="command line")
            assert invitations.find_invitation(registry.get_agency("demo"), made.token)
            assert _scalar("SELECT count(*) FROM invitation_links") == 1
            db.session.remove()
