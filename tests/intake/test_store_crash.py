"""Several processes, and a process killed mid-write, never leave a submission half there."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from ivig_home.checklist import assess
from ivig_home.db import db, sqlite_file
from ivig_home.intake import submissions
from ivig_home.models import AuditEntry, Draft, IssuedPdf, Submission
from tests.answers import example
from tests.store_support import PDF, filled_draft

PROJECT = Path(__file__).resolve().parents[2]


def worker(app: Flask, *arguments: str) -> subprocess.Popen[str]:
    """Start a separate process that submits drafts to the same database and keys."""
    environment = dict(os.environ, IVIG_HOME_INSTANCE_PATH=app.instance_path,
                       DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"])
    return subprocess.Popen([sys.executable, "-m", "tests.store_worker", *arguments],
                            cwd=PROJECT, env=environment, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _count(model: object) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def test_three_processes_submitting_the_same_drafts_store_each_once(db_app: Flask) -> None:
    drafts = [filled_draft().id for _ in range(20)]
    db.session.remove()
    orders = [random.sample(drafts, len(drafts)) for _ in range(3)]
    processes = [worker(db_app, *order) for order in orders]
    seen: dict[str, set[str]] = {draft: set() for draft in drafts}
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        for line in out.splitlines():
            _, draft_id, submission_id = line.split()
            seen[draft_id].add(submission_id)
    assert all(len(ids) == 1 for ids in seen.values())
    assert _count(Submission) == 20 and _count(IssuedPdf) == 20
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "submitted")) == 20


def test_a_process_killed_mid_write_leaves_no_half_written_row(db_app: Flask) -> None:
    done = [filled_draft().id for _ in range(3)]
    victim = filled_draft().id
    db.session.remove()
    process = worker(db_app, *done, victim, "--hang-on", victim)
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        lines.append(line.split())
        if line.strip() == "written":
            break
    assert ["written"] in lines, process.stderr.read() if process.stderr else ""
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    assert process.returncode == -signal.SIGKILL
    committed = {words[1]: words[2] for words in lines if words[0] == "submitted"}
    assert set(committed) == set(done)

    # Every committed submission is whole; the one being written is not there at all.
    assert _count(Submission) == 3 and _count(IssuedPdf) == 3
    for draft_id, submission_id in committed.items():
        submission = submissions.get_submission(submission_id)
        assert submission is not None and submission.draft_id == draft_id
        assert submissions.submission_pdf(submission) == PDF
        assert submissions.submission_answers(submission)["patient_name"] == "Ana Ruiz"
    draft = db.session.get(Draft, victim)
    assert draft is not None and draft.submission_id is None
    assert db.session.scalars(select(Submission).where(Submission.draft_id == victim)).all() == []
    assert _count(AuditEntry) == 3
    path = sqlite_file(db_app.config["SQLALCHEMY_DATABASE_URI"])
    if path is not None:
        with sqlite3.connect(path) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)

    # The patient presses Send again: it goes through, once.
    submission = submissions.submit_draft(draft, assess(example("nothing-to-flag")), PDF)
    assert submission.draft_id == victim and _count(Submission) == 4
