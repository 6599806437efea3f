"""Failed tries counted in the database: the count, the lock, forgetting, and the resume page."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from ivig_home.agencies import registry
from ivig_home.db import db, utcnow
from ivig_home.intake import drafts
from ivig_home.models import Attempt
from ivig_home.patients import attempts
from tests.patient.client import token_in

LOCK = timedelta(minutes=15)


def test_the_fifth_failure_locks_for_the_lock_time_then_it_counts_again(
        db_app: Flask) -> None:
    key = attempts.attempt_key("invitation", "a token's hash")
    start = utcnow()
    for minute in range(4):
        assert not attempts.record_failure(key, limit=5, lock=LOCK,
                                           now=start + timedelta(minutes=minute))
        assert not attempts.locked(key, start + timedelta(minutes=minute))
    assert attempts.record_failure(key, limit=5, lock=LOCK, now=start + timedelta(minutes=4))
    assert attempts.locked(key, start + timedelta(minutes=18))
    assert not attempts.locked(key, start + timedelta(minutes=19, seconds=1))
    # After the lock the count starts again from nothing.
    later = start + timedelta(minutes=20)
    assert not attempts.record_failure(key, limit=5, lock=LOCK, now=later)
    row = db.session.scalar(select(Attempt))
    assert row is not None and row.failures == 1
    # The row names a keyed hash, never what was guessed at.
    assert row.key == key and len(key) == 64 and "token" not in key


def test_failures_older_than_the_lock_time_are_forgotten(db_app: Flask) -> None:
    key = attempts.attempt_key("resume", "10.1.2.3")
    start = utcnow()
    for minute in (0, 1, 2, 3):
        attempts.record_failure(key, limit=5, lock=LOCK, now=start + timedelta(minutes=minute))
    # A fifth try 20 minutes after the fourth counts as the first of a new run.
    assert not attempts.record_failure(key, limit=5, lock=LOCK,
                                       now=start + timedelta(minutes=23))
    assert db.session.scalar(select(Attempt.failures)) == 1
    assert attempts.purge_attempts(start + timedelta(days=2)) == 1
    assert db.session.scalar(select(Attempt.failures)) is None


def _resume(client: object, code: str, birth: str = "1971-04-02") -> object:
    page = client.get("/a/demo/resume")  # type: ignore[attr-defined]
    year, month, day = birth.split("-")
    return client.post("/a/demo/resume", data={  # type: ignore[attr-defined]
        "csrf_token": token_in(page.text), "code": code, "date_of_birth-day": day,
        "date_of_birth-month": month, "date_of_birth-year": year})


def test_the_resume_page_locks_an_address_after_its_failures_even_for_the_right_code(
        db_app: Flask) -> None:
    db_app.config.update(RESUME_RATE_LIMIT="1000 per minute", RESUME_FAILURE_LIMIT=3,
                         RESUME_LOCK_MINUTES=15)
    agency = registry.get_agency("demo")
    draft = drafts.start_draft(agency)
    drafts.save_draft(draft, {"patient_name": "Ana Ruiz", "date_of_birth": "1971-04-02"},
                      "today")
    code = drafts.issue_resume_code(draft)
    client = db_app.test_client()
    assert [_resume(client, "KKKK-KKKK").status_code for _ in range(2)] == [200, 200]
    locked = _resume(client, "KKKK-KKKK")
    assert locked.status_code == 429
    assert "Wait 15 minutes, then try again. Your saved answers are safe." in locked.text
    refused = _resume(client, code)
    assert refused.status_code == 429 and draft.id not in refused.text
    # Another address is not locked out.
    other = db_app.test_client()
    opened = other.post("/a/demo/resume", environ_base={"REMOTE_ADDR": "10.9.8.7"}, data={
        "csrf_token": token_in(other.get("/a/demo/resume").text), "code": code,
        "date_of_birth-day": "2", "date_of_birth-month": "4", "date_of_birth-year": "1971"})
    assert opened.status_code == 303 and draft.id in opened.headers["Location"]
