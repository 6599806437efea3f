"""Time the staff queue page over 100,000 submissions.

    python bench/seed_queue.py [ROWS] [DATABASE_URL] [--requests N]

Fills a fresh database (SQLite in a temporary folder unless DATABASE_URL names another)
with ROWS submissions of one agency (the worst case: one agency holds them all) and a tenth
as many of a second agency, signs a nurse in, and times whole GET requests of the queue
page through the app (routing, sign-in check, queries, decrypting one page of names,
template, audit entry): the first page, filtered by status, by severity, a deep page and a
reference search. Prints the median and 95th percentile of each, and the database's plan.

Seeded rows carry real AES-GCM blobs bound to their row, but the answers and assessment are
small stand-ins: the queue never reads them (opening a seeded submission would fail).
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, text

from ivig_home import create_app
from ivig_home.crypto import seal, sealed_context
from ivig_home.db import db, utcnow
from ivig_home.intake.submissions import REFERENCE_LETTERS
from ivig_home.maintenance import init_db
from ivig_home.models import Agency, AuditEntry, Submission
from ivig_home.models.intake import REVIEWED_TIER, SEVERITIES, tier_of
from ivig_home.staff import accounts
from ivig_home.staff.queue import OPENED, PAGE_SIZE, QUEUE_ORDER, QueueFilter, _filtered

BATCH = 5000
PASSWORD = "bench password 1234"  # noqa: S105 (a throwaway account in a throwaway database)
# Roughly how often each most pressing severity (then "nothing flagged") comes in.
RANK_WEIGHTS = [1, 5, 40, 20, 10, 24]
STATUS_WEIGHTS = {"new": 20, "in_review": 10, "reviewed": 70}
NAMES = ["Ana Ruiz", "Mei Chen", "George Papadopoulos", "Amara Okafor", "Lars Nilsson"]


def _reference(number: int) -> str:
    """Return a distinct reference like the real ones (ABC-1234) for each number."""
    first, rest = divmod(number // 10_000, 20 * 20)
    second, third = divmod(rest, 20)
    letters = "".join(REFERENCE_LETTERS[i] for i in (first, second, third))
    return f"{letters}-{number % 10_000:04d}"


def _row(number: int, agency_id: int, now: Any) -> dict[str, Any]:
    sid = secrets.token_urlsafe(32)
    rank = random.choices(range(6), RANK_WEIGHTS)[0]
    counts = {f"count_{severity}": 0 for severity in SEVERITIES}
    if rank < 5:
        counts[f"count_{SEVERITIES[rank]}"] = random.randint(1, 3)
    status = random.choices(list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values()))[0]
    return {
        "id": sid, "reference": _reference(number), "agency_id": agency_id,
        "draft_id": secrets.token_urlsafe(32), "created_at": now - timedelta(seconds=number * 7),
        "completed_on": now.date(), "checklist_id": "ivig_home", "checklist_version": "1.0.1",
        "status": status, "severity_rank": rank,
        "queue_tier": REVIEWED_TIER if status == "reviewed" else tier_of(rank),
        "highest_severity": SEVERITIES[rank] if rank < 5 else None, **counts,
        "identity_enc": seal({"patient_name": random.choice(NAMES),
                              "date_of_birth": f"19{random.randint(30, 99)}-04-02",
                              "completed_by": "self", "contact_phone": "555-0100",
                              "planned_infusion_date": None},
                             sealed_context("submissions", "identity_enc", sid)),
        "answers_enc": seal({"seeded": True}, sealed_context("submissions", "answers_enc", sid)),
        "assessment_enc": seal({"seeded": True},
                               sealed_context("submissions", "assessment_enc", sid)),
    }


def _views(batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return "viewed" audit entries as a nurse leaves them: every submission past new was
    opened, and every other new one (the queue shows which new ones nobody has opened)."""
    return [{"action": "viewed", "actor": "nurse@bench.test", "submission_id": row["id"],
             "reference": row["reference"], "agency_id": row["agency_id"],
             "at": row["created_at"]}
            for offset, row in enumerate(batch)
            if row["status"] != "new" or offset % 2]


def seed(rows: int) -> tuple[Agency, str]:
    """Insert the agencies, a nurse, the submissions and their "viewed" audit entries;
    return the agency and a reference."""
    agency = Agency(slug="bench", name="Bench Home Infusion", phone="555-0100",
                    allowed_origins=[])
    other = Agency(slug="other", name="Other Agency", phone="555-0101", allowed_origins=[])
    db.session.add_all([agency, other])
    db.session.commit()
    accounts.create_user(agency, "nurse@bench.test", "nurse", PASSWORD)
    now, batch, reference = utcnow(), [], ""
    for number in range(rows + rows // 10):
        row = _row(number, agency.id if number < rows else other.id, now)
        if number == rows // 2:
            reference = row["reference"]
        batch.append(row)
        if len(batch) == BATCH:
            db.session.execute(insert(Submission), batch)
            db.session.execute(insert(AuditEntry), _views(batch))
            db.session.commit()
            batch = []
    if batch:
        db.session.execute(insert(Submission), batch)
        db.session.execute(insert(AuditEntry), _views(batch))
        db.session.commit()
    if db.engine.name == "postgresql":
        # As autovacuum would after a while: statistics, and the visibility map that lets
        # counts and the page's ids come from the indexes alone.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE submissions"))
            connection.execute(text("VACUUM ANALYZE audit_log"))
    return agency, reference


def timed(client: Any, path: str, requests: int) -> list[float]:
    """Return the milliseconds of each of `requests` GETs of a path (after 5 warm-up ones)."""
    for _ in range(5):
        assert client.get(path).status_code == 200
    samples = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return samples


def plan(agency_id: int, filters: QueueFilter, page: int = 1) -> str:
    """Return the database's plan for the ids of one queue page."""
    query = (_filtered(select(Submission.id), agency_id, filters).order_by(*QUEUE_ORDER)
             .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE))
    compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
    prefix = "EXPLAIN QUERY PLAN " if db.engine.name == "sqlite" else "EXPLAIN "
    return " | ".join(str(row[-1]) for row in db.session.execute(text(prefix + str(compiled))))


def opened_plan(agency_id: int) -> str:
    """Return the database's plan for one queue page's rows, each with whether it was opened."""
    page_ids = (_filtered(select(Submission.id), agency_id, QueueFilter())
                .order_by(*QUEUE_ORDER).limit(PAGE_SIZE).subquery())
    query = (select(Submission.id, OPENED).join(page_ids, Submission.id == page_ids.c.id)
             .order_by(*QUEUE_ORDER))
    compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
    prefix = "EXPLAIN QUERY PLAN " if db.engine.name == "sqlite" else "EXPLAIN "
    return " | ".join(str(row[-1]) for row in db.session.execute(text(prefix + str(compiled))))


def main() -> None:
    """Seed, sign in, time the queue page and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rows", nargs="?", type=int, default=100_000)
    parser.add_argument("database_url", nargs="?")
    parser.add_argument("--requests", type=int, default=50)
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="ivig-queue-bench-"))
    os.environ["IVIG_HOME_INSTANCE_PATH"] = str(folder)  # keys and secret stay in the folder
    url = (options.database_url or f"sqlite:///{folder / 'bench.sqlite3'}").replace(
        "postgresql://", "postgresql+psycopg://", 1)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SESSION_COOKIE_SECURE": False,
                      "STAFF_LOGIN_RATE_LIMIT": "1000 per minute"})
    with app.app_context():
        init_db()
        started = time.perf_counter()
        agency, reference = seed(options.rows)
        print(f"{db.engine.name}: {options.rows:,} submissions (+{options.rows // 10:,} of "
              f"another agency) seeded in {time.perf_counter() - started:.1f} s")
        print(f"  plan, first page: {plan(agency.id, QueueFilter())}")
        print(f"  plan, status=new: {plan(agency.id, QueueFilter(status='new'))}")
        print(f"  plan, page 2000: {plan(agency.id, QueueFilter(), 2000)}")
        print(f"  plan, first page's rows, opened or not: {opened_plan(agency.id)}")
    client = app.test_client()
    login = client.get("/staff/login").get_data(as_text=True)
    token = login.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    signed = client.post("/staff/login", data={"csrf_token": token, "email": "nurse@bench.test",
                                               "password": PASSWORD})
    assert signed.status_code == 303, "sign-in failed"
    pages = {"first page": "/staff/", "status=new": "/staff/?status=new",
             "severity=urgent": "/staff/?severity=urgent",
             "page 2000 of 4000": "/staff/?page=2000",
             "reference search": f"/staff/?reference={reference}"}
    every = []
    for label, path in pages.items():
        samples = timed(client, path, options.requests)
        every += samples
        print(f"  {label:18} median {statistics.median(samples):6.1f} ms   "
              f"p95 {statistics.quantiles(samples, n=20)[18]:6.1f} ms")
    print(f"queue median_ms={statistics.median(every):.1f} "
          f"p95_ms={statistics.quantiles(every, n=20)[18]:.1f} requests={len(every)}")
    with app.app_context():
        db.engine.dispose()


if __name__ == "__main__":
    main()
