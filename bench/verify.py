"""After a load run: every confirmed submission stored exactly once, none half-written."""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

from sqlalchemy import func, select

from ivig_home import create_app
from ivig_home.db import db
from ivig_home.intake import submissions
from ivig_home.models import AuditEntry, Draft, IssuedPdf, Submission


def check_submissions(env: dict[str, str],
                      confirmed: list[dict[str, Any]]) -> tuple[int, list[str]]:
    """Return how many confirmed submissions are missing, and every problem found."""
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        app = create_app()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    with app.app_context():
        try:
            return _check(confirmed)
        finally:
            db.session.remove()
            db.engine.dispose()


def _check(confirmed: list[dict[str, Any]]) -> tuple[int, list[str]]:
    problems: list[str] = []
    by_draft = Counter(db.session.scalars(select(Submission.draft_id)))
    lost = 0
    for entry in confirmed:
        stored = by_draft.get(entry["draft_id"], 0)
        if stored == 0:
            lost += 1
        elif stored > 1:
            problems.append(f"a confirmed submission is stored {stored} times")
        if entry.get("reference") and stored == 1:
            reference = db.session.scalar(select(Submission.reference).where(
                Submission.draft_id == entry["draft_id"]))
            if reference != entry["reference"]:
                problems.append("a confirmation showed a reference that is not stored")
    problems += half_written()
    total = sum(by_draft.values())
    with_pdf = db.session.scalar(select(func.count()).select_from(IssuedPdf)) or 0
    problems.append(f"{len(confirmed)} confirmed, {total} stored, {lost} lost; "
                    f"{with_pdf} with their PDF issued")
    return lost, problems


def half_written() -> list[str]:
    """Return a line for each submission missing a part written in the same transaction."""
    problems = []
    audited = Counter(db.session.scalars(select(AuditEntry.submission_id).where(
        AuditEntry.action == "submitted")))
    linked = set(db.session.scalars(select(Draft.submission_id).where(
        Draft.submission_id.is_not(None))))
    for submission in db.session.scalars(select(Submission)):
        if audited.get(submission.id) != 1:
            problems.append(f"HALF-WRITTEN {submission.reference}: "
                            f"{audited.get(submission.id, 0)} 'submitted' audit entries")
        if submission.id not in linked:
            problems.append(f"HALF-WRITTEN {submission.reference}: no draft links to it")
        try:
            submissions.submission_answers(submission)
            submissions.submission_assessment(submission)
        except Exception as error:  # any failure to read it back is what we look for
            problems.append(f"HALF-WRITTEN {submission.reference}: {type(error).__name__}")
    return problems
