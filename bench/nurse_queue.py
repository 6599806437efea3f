"""Time the nurse queue over many submissions: python bench/nurse_queue.py [ROWS] [DATABASE_URL].

Fills a fresh database (SQLite in a temporary folder unless DATABASE_URL names another)
with ROWS submissions spread over 5 agencies, then times one page of the queue, most
pressing first and newest first, with and without a status filter, and shows the plan.
"""

from __future__ import annotations

import random
import secrets
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert, select, text

from ivig_home import create_app
from ivig_home.crypto import seal, sealed_context
from ivig_home.db import db, utcnow
from ivig_home.models import Agency, Submission
from ivig_home.models.intake import SEVERITIES, STATUSES
from ivig_home.store import init_db

PAGE = 25


def fill(rows: int) -> None:
    """Insert ROWS submissions in batches, with real encrypted blobs."""
    agencies = [Agency(slug=f"agency-{n}", name=f"Agency {n}", phone="555-0100")
                for n in range(5)]
    db.session.add_all(agencies)
    db.session.commit()
    now, batch = utcnow(), []
    for number in range(rows):
        sid = secrets.token_urlsafe(32)
        rank = random.choice(range(6))
        batch.append({
            "id": sid, "reference": f"R{number:09d}", "agency_id": random.choice(agencies).id,
            "draft_id": secrets.token_urlsafe(32),
            "created_at": now - timedelta(minutes=number), "completed_on": now.date(),
            "checklist_id": "ivig_home", "checklist_version": "1.0.1",
            "status": random.choice(STATUSES), "severity_rank": rank,
            "highest_severity": SEVERITIES[rank] if rank < 5 else None,
            "identity_enc": seal({"patient_name": "A B", "date_of_birth": "1970-01-01"},
                                 sealed_context("submissions", "identity_enc", sid)),
            "answers_enc": seal({"x": "y" * 1500},
                                sealed_context("submissions", "answers_enc", sid)),
            "assessment_enc": seal({"flags": []},
                                   sealed_context("submissions", "assessment_enc", sid)),
        })
        if len(batch) == 5000:
            db.session.execute(insert(Submission), batch)
            db.session.commit()
            batch = []
    if batch:
        db.session.execute(insert(Submission), batch)
        db.session.commit()


def queue(agency_id: int, status: str | None):  # type: ignore[no-untyped-def]
    """Return the query of one queue page."""
    query = select(Submission.id, Submission.reference, Submission.identity_enc).where(
        Submission.agency_id == agency_id)
    if status:
        query = query.where(Submission.status == status)
    return query.order_by(Submission.severity_rank, Submission.created_at.desc()).limit(PAGE)


def time_queue(status: str | None) -> float:
    """Return the median milliseconds of a queue page over 50 runs."""
    samples = []
    for _ in range(50):
        start = time.perf_counter()
        db.session.execute(queue(3, status)).all()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def plan(status: str | None) -> str:
    """Return the database's plan for a queue page."""
    compiled = queue(3, status).compile(db.engine, compile_kwargs={"literal_binds": True})
    prefix = "EXPLAIN QUERY PLAN " if db.engine.name == "sqlite" else "EXPLAIN "
    rows = db.session.execute(text(prefix + str(compiled))).all()
    return " | ".join(str(row[-1]) for row in rows)


def main() -> None:
    """Fill, then print timings and plans."""
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    folder = Path(tempfile.mkdtemp(prefix="ivig-bench-"))
    url = sys.argv[2] if len(sys.argv) > 2 else f"sqlite:///{folder / 'bench.sqlite3'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "HMAC_KEY": "bench",
                      "ENCRYPTION_KEYS": None})
    with app.app_context():
        init_db()
        start = time.perf_counter()
        fill(rows)
        took = time.perf_counter() - start
        print(f"{db.engine.name}: {rows} submissions inserted in {took:.1f} s")
        for status in (None, "new"):
            label = f"status={status}" if status else "all statuses"
            print(f"  queue page ({label}): median {time_queue(status):.2f} ms")
            print(f"    plan: {plan(status)}")


if __name__ == "__main__":
    main()
