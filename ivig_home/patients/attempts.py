"""Failed tries at checks that guard patient data, counted in the database.

Every worker and every app server sees the same count, whatever the rate limiter's storage:
a row per thing being guessed at, named by a keyed hash (of an address, of an invitation),
never by patient data. Each failure adds one in a single statement; the one that reaches
the limit locks the key for a while and starts the count again. Failures older than the
lock's length are forgotten by the next one.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ivig_home.crypto import lookup_hash
from ivig_home.db import db, utcnow
from ivig_home.models import Attempt


def attempt_key(scope: str, subject: str) -> str:
    """Return the key counting failures of one check (`scope`) for one `subject`."""
    return lookup_hash("attempts", f"{scope}\x00{subject}")


def locked(key: str, now: datetime | None = None) -> bool:
    """Return whether tries under this key are refused for now."""
    until = db.session.scalar(select(Attempt.locked_until).where(Attempt.key == key))
    return until is not None and until > (now or utcnow())


def _insert(dialect: str) -> Any:
    if dialect == "postgresql":
        return postgresql.insert(Attempt)
    if dialect == "sqlite":
        return sqlite.insert(Attempt)
    raise NotImplementedError(f"no attempt counting written for {dialect}")


def record_failure(key: str, *, limit: int, lock: timedelta,
                   now: datetime | None = None) -> bool:
    """Count one failure and commit; return whether this one locked the key."""
    now = now or utcnow()
    fresh = Attempt.last_failed_at < now - lock
    insert = _insert(db.session.get_bind().dialect.name).values(
        key=key, failures=1, last_failed_at=now, locked_until=None)
    db.session.execute(insert.on_conflict_do_update(
        index_elements=[Attempt.key],
        set_={"failures": case((fresh, 1), else_=Attempt.failures + 1),
              "last_failed_at": now}))
    # Only the failure that reaches the limit locks, and starts the count again.
    reached = db.session.execute(
        update(Attempt).where(Attempt.key == key, Attempt.failures >= limit)
        .values(failures=0, locked_until=now + lock)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return bool(reached.rowcount)  # type: ignore[attr-defined]


def forget(key: str) -> None:
    """Forget the failures under a key (after a success) and commit."""
    db.session.execute(delete(Attempt).where(Attempt.key == key, Attempt.locked_until.is_(None)))
    db.session.commit()


def purge_attempts(now: datetime, keep: timedelta = timedelta(days=1)) -> int:
    """Delete counts with no failure or lock in the last `keep`; return how many."""
    old = now - keep
    result = db.session.execute(delete(Attempt).where(
        Attempt.last_failed_at < old,
        (Attempt.locked_until.is_(None)) | (Attempt.locked_until < old)))
    db.session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
