"""Looking after stored data: key rotation, purging by expiry and retention, SQLite backup."""

from __future__ import annotations

import logging
import os
import secrets
import sqlite3
from contextlib import closing
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

from flask import current_app
from flask_migrate import upgrade
from sqlalchemy import CursorResult, delete, select

from ivig_home.agencies.registry import ensure_demo_agency
from ivig_home.audit.log import audit_entry
from ivig_home.crypto import (
    KEYS_FILE,
    Keyring,
    ensure_keys,
    key_id,
    keyring,
    new_key,
    parse_keys,
    sealed_context,
    write_keys_file,
)
from ivig_home.db import db, protect_sqlite_file, sqlite_file, utcnow
from ivig_home.models import (
    Agency,
    Draft,
    FlagReview,
    IssuedPdf,
    Patient,
    ReviewedPdf,
    ReviewReopening,
    Submission,
)
from ivig_home.patients.attempts import purge_attempts
from ivig_home.patients.invitations import purge_links
from ivig_home.patients.matching import link_unlinked, purge_patients

logger = logging.getLogger(__name__)

# Every encrypted column, and the column naming the row (or submission) it is bound to.
SEALED: list[tuple[Any, str, str]] = [
    (Draft, "answers_enc", "id"),
    (Submission, "identity_enc", "id"),
    (Submission, "answers_enc", "id"),
    (Submission, "assessment_enc", "id"),
    (IssuedPdf, "content_enc", "submission_id"),
    (ReviewedPdf, "content_enc", "submission_id"),
    (FlagReview, "note_enc", "submission_id"),
    (Agency, "webhook_secret_enc", "id"),
    (ReviewReopening, "reason_enc", "submission_id"),
    (Patient, "identity_enc", "id"),
]
BATCH = 200


class BackupUnsupported(RuntimeError):
    """The database is not SQLite: its own tools (pg_dump) make the backup."""


def add_key() -> str:
    """Put a new key first in instance/encryption_keys and return its id."""
    path = Path(current_app.instance_path) / KEYS_FILE
    kid, key = new_key()
    write_keys_file(path, [(kid, key), *parse_keys(path.read_text())], replace=True)
    keyring().refresh()
    return kid


def _reseal_column(ring: Keyring, model: Any, column: str, owner: str) -> int:
    """Re-encrypt one column under the current key, a batch per transaction."""
    primary = model.__mapper__.primary_key[0]
    last, count = None, 0
    while True:
        query = select(model).where(getattr(model, column).is_not(None))
        if last is not None:
            query = query.where(primary > last)
        rows = db.session.scalars(query.order_by(primary).limit(BATCH)).all()
        if not rows:
            return count
        for row in rows:
            blob = getattr(row, column)
            if key_id(blob) != ring.current_id:
                context = sealed_context(model.__tablename__, column, getattr(row, owner))
                setattr(row, column, ring.seal(ring.open(blob, context), context))
                count += 1
        last = getattr(rows[-1], primary.key)
        db.session.commit()


def reseal_all() -> int:
    """Re-encrypt every stored blob that is not under the current key; return how many."""
    ring = keyring()
    ring.refresh()
    return sum(_reseal_column(ring, *sealed) for sealed in SEALED)


def forget_old_keys() -> list[str]:
    """Drop keys that no stored blob uses any more from the keys file; return their ids."""
    ring = keyring()
    path = Path(current_app.instance_path) / KEYS_FILE
    if ring.path is None or reseal_all():
        return []
    keys = parse_keys(path.read_text())
    write_keys_file(path, keys[:1], replace=True)
    ring.refresh()
    return [kid for kid, _ in keys[1:]]


def purge(now: datetime | None = None) -> tuple[int, int]:
    """Delete expired drafts and submissions older than RETENTION_DAYS; return both counts.

    Patients left with no submission go with them, and so do old counts of failed tries and
    the token hashes of expired invitations' links.
    """
    now = now or utcnow()
    result = db.session.execute(delete(Draft).where(Draft.expires_at <= now))
    drafts = cast(CursorResult[Any], result).rowcount
    db.session.commit()
    submissions = 0
    days = current_app.config.get("RETENTION_DAYS")
    if days:
        cutoff = now - timedelta(days=int(days))
        while batch := db.session.scalars(select(Submission).where(
                Submission.created_at < cutoff).limit(BATCH)).all():
            for submission in batch:
                audit_entry("purged", submission=submission, actor="retention")
            db.session.execute(delete(Submission).where(
                Submission.id.in_([s.id for s in batch])))
            db.session.commit()
            submissions += len(batch)
    patients = purge_patients()
    purge_attempts(now)
    purge_links(now)
    logger.info("purge: deleted %d expired drafts and %d submissions past retention, and %d "
                "patients with no submission left", drafts, submissions, patients)
    return drafts, submissions


def backup(target: Path) -> int:
    """Copy the SQLite database to TARGET consistently while the app runs; return submissions."""
    source = sqlite_file(str(db.engine.url))
    if source is None:
        raise BackupUnsupported(db.engine.url.get_backend_name())
    if target.exists():
        raise FileExistsError(f"{target} already exists; choose a new file name")
    partial = target.with_name(f".{target.name}.{secrets.token_hex(4)}.partial")
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        with closing(sqlite3.connect(source)) as origin, closing(sqlite3.connect(partial)) as copy:
            # One step copies every page from one read snapshot: writers go on meanwhile.
            origin.backup(copy, pages=-1)
            copy.execute("PRAGMA journal_mode=DELETE")
            if copy.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise RuntimeError("the copy failed its integrity check")
            count = copy.execute("SELECT count(*) FROM submissions").fetchone()[0]
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return int(count)


def init_db(demo: bool = False) -> None:
    """Create or upgrade the schema to the latest migration; add the demo agency if asked."""
    protect_sqlite_file(current_app.config["SQLALCHEMY_DATABASE_URI"])
    upgrade()
    ensure_keys()
    link_unlinked()  # submissions stored before patients existed get theirs
    if demo:
        ensure_demo_agency()
