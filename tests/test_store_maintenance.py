"""rotate-key, purge and backup, run as an administrator runs them."""

from __future__ import annotations

import base64
import logging
import sqlite3
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask, current_app
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select, update

from ivig_home import create_app, maintenance
from ivig_home.audit import log as audit_log
from ivig_home.checklist import assess
from ivig_home.cli import cli
from ivig_home.crypto import KEYS_FILE, key_id, keyring, new_key, parse_keys, seal, sealed_context
from ivig_home.db import db, sqlite_file, utcnow
from ivig_home.intake import drafts, submissions
from ivig_home.maintenance import SEALED
from ivig_home.models import (
    AuditEntry,
    Draft,
    FlagReview,
    IssuedPdf,
    ReviewedPdf,
    ReviewReopening,
    Submission,
    WebhookDelivery,
)
from tests.answers import example
from tests.apps import dispose, make_app
from tests.store_support import PDF, filled_draft, submitted


@pytest.fixture
def db_runner(db_app: Flask) -> FlaskCliRunner:
    """Return a runner for the commands of `db_app`, on each database."""
    return db_app.test_cli_runner()


def _review(submission: Submission, note: str) -> None:
    sid = submission.id
    db.session.add(FlagReview(submission_id=sid, item_id="kidney_problems",
                              disposition="contacted_patient",
                              note_enc=seal(note, sealed_context("flag_reviews", "note_enc", sid))))
    filed = ReviewedPdf(submission_id=sid, sha256="0" * 64, content_enc=keyring().seal(
        PDF, sealed_context("reviewed_pdfs", "content_enc", sid)))
    db.session.add(filed)
    db.session.flush()
    db.session.add(ReviewReopening(submission_id=sid, reviewed_pdf_id=filed.id, reason_enc=seal(
        "Wrong box ticked.", sealed_context("review_reopenings", "reason_enc", sid))))
    db.session.commit()


def _key_ids() -> set[str]:
    """Return the ids of the keys that every stored blob is sealed under."""
    found = set()
    for model, column, _owner in SEALED:
        for blob in db.session.scalars(select(getattr(model, column))):
            if blob is not None:
                found.add(key_id(blob))
    return found


def _everything_reads(ids: list[str]) -> None:
    """Check every blob opens with the keys as a freshly started process loads them."""
    db.session.remove()
    current_app.extensions.pop("ivig_home.keyring", None)
    current_keys = keyring()
    for sid in ids:
        submission = submissions.get_submission(sid)
        assert submission is not None
        assert submissions.submission_answers(submission)["patient_name"] == "Mei Chen"
        assert submissions.submission_identity(submission)["date_of_birth"] == "1988-09-30"
        assert submissions.submission_pdf(submission) == PDF
        note = db.session.scalars(select(FlagReview.note_enc)
                                  .where(FlagReview.submission_id == sid)).one()
        assert current_keys.open(note, sealed_context("flag_reviews", "note_enc", sid))
        reason = db.session.scalars(select(ReviewReopening.reason_enc)
                                    .where(ReviewReopening.submission_id == sid)).one()
        assert current_keys.open(reason, sealed_context("review_reopenings", "reason_enc", sid))
    draft_list = db.session.scalars(select(Draft).where(Draft.submission_id.is_(None))).all()
    assert draft_list and all(drafts.draft_answers(d)["patient_name"] for d in draft_list)


def test_rotate_key_keeps_every_submission_readable(db_app: Flask,
                                                    db_runner: FlaskCliRunner) -> None:
    ids = [submitted("emergency").id for _ in range(3)]
    for sid in ids:
        _review(db.session.get(Submission, sid), "Called her; she has a helper now.")
    filled_draft("emergency")
    old = keyring().current_id
    assert _key_ids() == {old}

    result = db_runner.invoke(cli, ["rotate-key"])
    assert result.exit_code == 0, result.output
    new = keyring().current_id
    assert new != old and f"New key {new}" in result.output
    # 3 submissions x (identity, answers, assessment, PDF, note, reviewed PDF, re-opening
    # reason) + 4 drafts + their one patient (the same name and date of birth each time)
    assert "26 stored values re-encrypted" in result.output
    assert _key_ids() == {new}
    _everything_reads(ids)

    result = db_runner.invoke(cli, ["rotate-key", "--forget-old"])
    assert result.exit_code == 0, result.output
    newest = keyring().current_id
    keys_file = Path(db_app.instance_path) / KEYS_FILE
    assert [kid for kid, _ in parse_keys(keys_file.read_text())] == [newest]
    assert keys_file.stat().st_mode & 0o077 == 0
    assert _key_ids() == {newest}
    _everything_reads(ids)


def test_rotation_with_keys_from_the_environment(db_app: Flask) -> None:
    first, second = new_key(), new_key()
    entry = [f"{kid}:{base64.b64encode(key).decode()}" for kid, key in (first, second)]
    db_app.config["ENCRYPTION_KEYS"] = entry[0]
    db_app.extensions.pop("ivig_home.keyring", None)
    ids = [submitted("emergency").id for _ in range(2)]
    for sid in ids:
        _review(db.session.get(Submission, sid), "note")
    filled_draft("emergency")
    db_app.config["ENCRYPTION_KEYS"] = f"{entry[1]},{entry[0]}"
    db_app.extensions.pop("ivig_home.keyring", None)
    result = db_app.test_cli_runner().invoke(cli, ["rotate-key"])
    assert result.exit_code == 0 and "New key" not in result.output
    assert _key_ids() == {second[0]}
    db_app.config["ENCRYPTION_KEYS"] = entry[1]  # the old key is gone for good
    _everything_reads(ids)


def _age(submission_id: str, days: int) -> None:
    db.session.execute(update(Submission).where(Submission.id == submission_id)
                       .values(created_at=utcnow() - timedelta(days=days)))
    db.session.commit()


def _count(model: object) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.mark.parametrize("retention,expected_left", [(None, 2), (365, 1)])
def test_purge_removes_only_what_it_should(db_app: Flask, db_runner: FlaskCliRunner,
                                           caplog: pytest.LogCaptureFixture,
                                           retention: int | None, expected_left: int) -> None:
    db_app.config["RETENTION_DAYS"] = retention
    old, recent = submitted("emergency"), submitted("emergency")
    old_id, recent_id, old_reference = old.id, recent.id, old.reference
    _review(old, "Called.")
    db.session.add(WebhookDelivery(agency_id=old.agency_id, submission_id=old_id,
                                   event="submission.created", payload={"id": old_id}))
    db.session.commit()
    audit_log.audit("viewed", submission=old, actor="nurse@example.org")
    _age(old_id, 400)
    _age(recent_id, 300)
    live, expired = filled_draft(), filled_draft()
    live_id, expired_id = live.id, expired.id
    expired.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    caplog.set_level(logging.INFO)

    result = db_runner.invoke(cli, ["purge"])
    assert result.exit_code == 0, result.output
    purged = 1 if retention else 0
    assert f"Deleted 1 expired drafts and {purged} submissions" in result.output
    db.session.remove()
    assert drafts.get_draft(live_id) is not None and db.session.get(Draft, expired_id) is None
    assert db.session.get(Submission, recent_id) is not None
    assert _count(Submission) == expected_left
    assert (db.session.get(Submission, old_id) is None) == bool(retention)
    for model in (IssuedPdf, FlagReview, ReviewedPdf, ReviewReopening, WebhookDelivery):
        rows = db.session.scalars(select(model).where(model.submission_id == old_id)).all()
        assert (rows == []) == bool(retention), model
    actions = db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.submission_id == old_id).order_by(AuditEntry.id)).all()
    assert actions == ["submitted", "viewed"] + (["purged"] if retention else [])
    assert db.session.scalars(select(AuditEntry.reference).where(
        AuditEntry.action == "submitted", AuditEntry.submission_id == old_id)).one() == (
        old_reference)
    # The log says how many, never which or whose.
    assert f"1 expired drafts and {purged} submissions" in caplog.text
    assert old_id not in caplog.text and old_reference not in caplog.text
    assert "Mei Chen" not in caplog.text


def test_purge_takes_a_purged_submissions_draft_so_it_cannot_reopen(db_app: Flask) -> None:
    db_app.config["RETENTION_DAYS"] = 30
    submission = submitted()
    draft_id = submission.draft_id
    _age(submission.id, 31)
    db_app.test_cli_runner().invoke(cli, ["purge"])
    assert db.session.get(Draft, draft_id) is None


def test_backup_copies_every_submission_while_writes_go_on(db_app: Flask,
                                                           db_runner: FlaskCliRunner,
                                                           tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch,
                                                           database: str) -> None:
    before = [submitted("emergency").id for _ in range(5)]
    target = tmp_path / "backup.sqlite3"
    if database == "postgresql":
        result = db_runner.invoke(cli, ["backup", str(target)])
        assert result.exit_code == 2 and "pg_dump" in result.output
        assert not target.exists()
        return
    draft_list = [filled_draft("emergency").id for _ in range(20)]
    stop, started = threading.Event(), threading.Event()

    def keep_submitting() -> None:
        with db_app.app_context():
            for number, draft_id in enumerate(draft_list):
                if stop.is_set():
                    return
                submissions.submit_draft(drafts.get_draft(draft_id), assess(example("emergency")),
                                         PDF)
                if number == 2:
                    started.set()

    writer = threading.Thread(target=keep_submitting)
    writer.start()
    assert started.wait(60)
    result = db_runner.invoke(cli, ["backup", str(target)])
    stop.set()
    writer.join(60)
    assert result.exit_code == 0, result.output
    assert "keep a copy of instance/encryption_keys" in result.output
    assert target.stat().st_mode & 0o077 == 0
    with sqlite3.connect(target) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        copied = {row[0] for row in copy.execute("SELECT id FROM submissions")}
        pdfs = {row[0] for row in copy.execute("SELECT submission_id FROM issued_pdfs")}
    assert set(before) <= copied and len(copied) >= 8 and pdfs == copied
    assert f"Backed up {len(copied)} submissions" in result.output

    restored = make_app(Path(db_app.instance_path), f"sqlite:///{target}", monkeypatch)
    with restored.app_context():
        for sid in copied:
            submission = submissions.get_submission(sid)
            assert submission is not None
            assert submissions.submission_answers(submission)["patient_name"] == "Mei Chen"
    dispose(restored)

    again = db_runner.invoke(cli, ["backup", str(target)])
    assert again.exit_code == 2 and "already exists" in again.output
    assert sqlite_file(db_app.config["SQLALCHEMY_DATABASE_URI"]) != target


def test_keys_from_the_environment_are_used_and_nothing_is_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str) -> None:
    kid, key = new_key()
    instance = tmp_path / "instance"
    make_app(instance, database_url, monkeypatch)  # the instance folder, nothing else
    monkeypatch.setenv("IVIG_HOME_ENCRYPTION_KEYS", f"{kid}:{base64.b64encode(key).decode()}")
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        maintenance.init_db(demo=True)
        submission = submitted("emergency")
        assert key_id(submission.answers_enc) == kid
        assert submissions.submission_answers(submission)["patient_name"] == "Mei Chen"
    assert not (instance / KEYS_FILE).exists()
    dispose(app)
