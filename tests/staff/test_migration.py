"""The staff migration upgrades a database that already holds submissions, keeping them all."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from ivig_home.db import db
from tests.apps import dispose, make_app

BEFORE = "dd09d13f8123"
NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC).replace(tzinfo=None)


@pytest.fixture
def app_before_staff(empty_database: str, tmp_path: Path,
                     monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    app = make_app(tmp_path / "instance", empty_database, monkeypatch)
    with app.app_context():
        upgrade(revision=BEFORE)
    yield app
    dispose(app)


def _fill(ranks: list[int]) -> None:
    """Insert an agency, a nurse, and a submission with a PDF, draft and review per rank."""
    run = db.session.execute
    run(text("INSERT INTO agencies (id, slug, name, phone, colour, allowed_origins, created_at)"
             " VALUES (1, 'demo', 'Demo', '555', '#123456', '[]', :now)"), {"now": NOW})
    run(text("INSERT INTO staff_users (id, agency_id, email, password_hash, role, active, "
             "failed_logins, created_at) VALUES (1, 1, 'n@demo.test', 'x', 'nurse', :yes, 0, "
             ":now)"), {"now": NOW, "yes": True})
    for number, rank in enumerate(ranks):
        sid = f"s{number}"
        run(text(
            "INSERT INTO submissions (id, reference, agency_id, draft_id, created_at, "
            "completed_on, checklist_id, checklist_version, status, count_emergency, "
            "count_urgent, count_discuss, count_prepare, count_note, severity_rank, "
            "identity_enc, answers_enc, assessment_enc) VALUES (:sid, :ref, 1, :draft, :now, "
            ":day, 'ivig_home', '1.0.0', 'new', 0, 0, 0, 0, 0, :rank, :blob, :blob, :blob)"),
            {"sid": sid, "ref": f"AAA-{number:04d}", "draft": f"d{number}", "now": NOW,
             "day": NOW.date(), "rank": rank, "blob": b"x"})
        run(text("INSERT INTO issued_pdfs (submission_id, created_at, sha256, content_enc) "
                 "VALUES (:sid, :now, 'h', :blob)"), {"sid": sid, "now": NOW, "blob": b"pdf"})
        run(text("INSERT INTO drafts (id, agency_id, created_at, updated_at, expires_at, "
                 "resume_failures, submission_id) VALUES (:draft, 1, :now, :now, :now, 0, :sid)"),
            {"draft": f"d{number}", "sid": sid, "now": NOW})
        run(text("INSERT INTO flag_reviews (submission_id, item_id, disposition, reviewer_id, "
                 "created_at) VALUES (:sid, 'x', 'acknowledged', 1, :now)"),
            {"sid": sid, "now": NOW})
    run(text("INSERT INTO audit_log (at, action, actor) VALUES (:now, 'viewed', 'n@demo.test')"),
        {"now": NOW})
    db.session.commit()


def _count(table: str) -> int:
    return int(db.session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())  # noqa: S608


def test_upgrading_keeps_every_row_and_sets_the_queue_tier(app_before_staff: Flask) -> None:
    ranks = [0, 1, 2, 3, 4, 5]
    with app_before_staff.app_context():
        _fill(ranks)
        db.session.remove()
        upgrade()
        tiers = db.session.execute(text(
            "SELECT severity_rank, queue_tier FROM submissions ORDER BY severity_rank")).all()
        assert [tuple(row) for row in tiers] == [(0, 0), (1, 1), (2, 2), (3, 2), (4, 2), (5, 2)]
        counts = {table: _count(table) for table in (
            "agencies", "staff_users", "issued_pdfs", "drafts", "flag_reviews", "audit_log")}
        assert counts == {"agencies": 1, "staff_users": 1, "issued_pdfs": 6, "drafts": 6,
                          "flag_reviews": 6, "audit_log": 1}
        reviewer = db.session.execute(text("SELECT reviewer_id FROM flag_reviews")).scalars()
        assert set(reviewer) == {1}
        db.session.execute(text("INSERT INTO audit_log (at, action, actor) "
                                "VALUES (:now, 'flag_reviewed', 'n@demo.test')"), {"now": NOW})
        db.session.commit()
        db.session.remove()
        downgrade(revision=BEFORE)
        assert _count("submissions") == 6 and _count("issued_pdfs") == 6
        assert _count("audit_log") == 1  # the new kind of entry cannot stay under the old rule


def test_filed_reviews_go_to_the_last_tier_and_back_on_downgrade(app_before_staff: Flask) -> None:
    """f5b7d9e1a3c6: a filed review's row moves below the rest; downgrading puts it back."""
    with app_before_staff.app_context():
        _fill([0, 1, 3, 5])
        db.session.remove()
        upgrade(revision="e4a6c8f0b2d4")
        db.session.execute(text("UPDATE submissions SET status = 'reviewed' "
                                "WHERE id IN ('s0', 's2')"))
        db.session.commit()
        db.session.remove()

        def tiers() -> list[tuple[str, str, int]]:
            rows = db.session.execute(text(
                "SELECT id, status, queue_tier FROM submissions ORDER BY id")).all()
            db.session.remove()
            return [tuple(row) for row in rows]  # type: ignore[misc]

        for _ in range(2):  # up, down, up
            upgrade()
            assert tiers() == [("s0", "reviewed", 3), ("s1", "new", 1), ("s2", "reviewed", 3),
                               ("s3", "new", 2)]
            downgrade(revision="e4a6c8f0b2d4")
            assert tiers() == [("s0", "reviewed", 0), ("s1", "new", 1), ("s2", "reviewed", 2),
                               ("s3", "new", 2)]
