"""A draft becomes exactly one submission, stored whole and encrypted, in one transaction."""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError

from ivig_home.audit import log as audit_log
from ivig_home.checklist import assess
from ivig_home.db import db, sqlite_file
from ivig_home.intake import drafts, submissions
from ivig_home.models import AuditEntry, Draft, IssuedPdf, Submission
from tests.answers import example
from tests.store_support import PDF, every_value, filled_draft, submitted


@pytest.mark.parametrize("name,highest,rank,counts", [
    ("nothing-to-flag", None, 5, [0, 0, 0, 0, 0]),
    ("emergency", "emergency", 0, None),
    ("clinical-risk-factors", "discuss", 2, None),
])
def test_a_submission_stores_its_summary_in_plain_columns(
        db_app: Flask, name: str, highest: str | None, rank: int,
        counts: list[int] | None) -> None:
    draft = filled_draft(name)
    drafts.mark_message_shown(draft, "urgent")
    assessment = assess(example(name))
    submission = submissions.submit_draft(draft, assessment, PDF)
    expected = assessment.to_dict()["counts"]
    assert [submission.count(s) for s in expected] == (counts or list(expected.values()))
    assert submission.highest_severity == highest and submission.severity_rank == rank
    assert (submission.checklist_id, submission.checklist_version) == ("ivig_home", "1.1.0")
    assert submission.completed_on.isoformat() == example(name)["completed_on"]
    assert submission.status == "new" and submission.agency_id == draft.agency_id
    assert submission.urgent_shown_at == draft.urgent_shown_at is not None
    assert submission.emergency_shown_at is None
    assert submission.pdf_sha256 == hashlib.sha256(PDF).hexdigest()
    assert submission.created_at.tzinfo is not None
    assert re.fullmatch(r"[A-Z]{3}-[0-9]{4}", submission.reference)
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", submission.id)


def test_answers_assessment_identity_and_pdf_read_back(db_app: Flask) -> None:
    submission = submitted("emergency")
    submission_id = submission.id
    db.session.remove()
    again = submissions.get_submission(submission_id)
    assert again is not None
    assert submissions.submission_answers(again) == example("emergency")["answers"]
    assert submissions.submission_assessment(again) == assess(example("emergency")).to_dict()
    # What a queue row shows: the name, the date of birth and whom to call, nothing else.
    answers = example("emergency")["answers"]
    assert submissions.submission_identity(again) == {
        key: answers.get(key) for key in ("patient_name", "date_of_birth", "completed_by",
                                          "contact_phone", "planned_infusion_date")}
    assert submissions.submission_pdf(again) == PDF


def test_a_retried_submit_returns_the_same_submission(db_app: Flask) -> None:
    draft = filled_draft()
    assessment = assess(example("nothing-to-flag"))
    draft_id = draft.id
    first_id = submissions.submit_draft(draft, assessment, PDF).id
    db.session.remove()  # a retry arrives as a new request
    stale = db.session.get(Draft, draft_id)
    assert stale is not None
    second = submissions.submit_draft(stale, assessment, b"%PDF another rendering")
    assert second.id == first_id
    assert db.session.scalar(select(func.count()).select_from(Submission)) == 1
    assert submissions.submission_pdf(second) == PDF


def test_fifty_concurrent_submissions_each_land_exactly_once(db_app: Flask) -> None:
    draft_list = [filled_draft().id for _ in range(50)]
    assessment = assess(example("nothing-to-flag"))
    start = threading.Barrier(100, timeout=60)
    results: dict[str, set[str]] = {draft_id: set() for draft_id in draft_list}
    errors: list[BaseException] = []

    def send(draft_id: str) -> None:
        with db_app.app_context():
            draft = drafts.get_draft(draft_id)
            assert draft is not None
            db.session.commit()  # hand the connection back while waiting for the others
            try:
                start.wait()
                results[draft_id].add(submissions.submit_draft(draft, assessment, PDF).id)
            except BaseException as error:  # noqa: BLE001  (reported by the assert below)
                errors.append(error)

    # Every draft is sent twice at once: a double click, a retried request.
    threads = [threading.Thread(target=send, args=(d,)) for d in draft_list + draft_list]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors
    assert all(len(ids) == 1 for ids in results.values())
    rows = db.session.execute(select(Submission.id, Submission.draft_id)).all()
    assert len(rows) == 50 and {draft for _, draft in rows} == set(draft_list)
    assert db.session.scalar(select(func.count()).select_from(IssuedPdf)) == 50
    logged = db.session.scalars(select(AuditEntry.submission_id)
                                .where(AuditEntry.action == "submitted")).all()
    assert sorted(logged) == sorted(row.id for row in rows)


def test_the_issued_pdf_is_stored_once_and_never_replaced(db_app: Flask) -> None:
    submission = submitted(pdf=None)
    assert submissions.submission_pdf(submission) is None and submission.pdf_sha256 is None
    submissions.set_submission_pdf(submission, PDF)
    submissions.set_submission_pdf(submission, b"%PDF a different one")
    assert submissions.submission_pdf(submission) == PDF
    assert submission.pdf_sha256 == hashlib.sha256(PDF).hexdigest()


@pytest.mark.parametrize("submission_id", ["", "unknown", "x" * 43])
def test_an_unknown_submission_is_none(db_app: Flask, submission_id: str) -> None:
    assert submissions.get_submission(submission_id) is None


def _contains(values: list[object], needle: str) -> bool:
    for value in values:
        if isinstance(value, bytes | bytearray | memoryview):
            if needle.encode() in bytes(value):
                return True
        elif needle in str(value):
            return True
    return False


PATIENT_DATA = ["Mei Chen", "1988-09-30", "Octagam"]


def test_answers_are_unreadable_in_the_database(db_app: Flask) -> None:
    submission = submitted("emergency")
    filled_draft("emergency", brand_name="Octagam")
    audit_log.audit("viewed", submission=submission, actor="nurse@example.org")
    values = every_value()
    assert _contains(values, "Demo Home Health")  # the search does find plain text
    for needle in PATIENT_DATA:
        assert not _contains(values, needle), needle
    path = sqlite_file(db_app.config["SQLALCHEMY_DATABASE_URI"])
    if path is not None:
        raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
        assert b"Demo Home Health" in raw
        for needle in PATIENT_DATA:
            assert needle.encode() not in raw, needle


def test_nothing_personal_reaches_the_logs(db_app: Flask, caplog: pytest.LogCaptureFixture,
                                           tmp_path: Path) -> None:
    caplog.set_level(logging.DEBUG)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)  # statements and values
    try:
        submission = submitted("emergency")
        submissions.submission_answers(submission)
        drafts.issue_resume_code(filled_draft("emergency"))
    finally:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    assert "INSERT INTO submissions" in caplog.text
    for needle in PATIENT_DATA[:2]:
        assert needle not in caplog.text


def test_every_submission_is_in_the_audit_log_with_no_personal_data(db_app: Flask) -> None:
    submission = submitted("emergency")
    audit_log.audit("viewed", submission=submission, actor="nurse@example.org", address="10.0.0.7")
    audit_log.audit("failed_login", actor="someone@example.org", address="10.0.0.9")
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.action, e.actor, e.submission_id, e.address) for e in entries] == [
        ("submitted", "patient", submission.id, None),
        ("viewed", "nurse@example.org", submission.id, "10.0.0.7"),
        ("failed_login", "someone@example.org", None, "10.0.0.9"),
    ]
    assert entries[1].reference == submission.reference
    assert all(entry.at.tzinfo is not None for entry in entries)


def test_the_audit_log_is_append_only(db_app: Flask) -> None:
    audit_log.audit("logged_in", actor="nurse@example.org")
    entry = db.session.scalars(select(AuditEntry)).one()
    entry.action = "viewed"
    with pytest.raises(PermissionError):
        db.session.commit()
    db.session.rollback()
    db.session.delete(entry)
    with pytest.raises(PermissionError):
        db.session.commit()
    db.session.rollback()
    assert db.session.scalars(select(AuditEntry.action)).all() == ["logged_in"]


@pytest.mark.parametrize("statement", [
    update(AuditEntry).values(action="viewed"),
    update(AuditEntry).values(actor="someone-else@example.org"),
    delete(AuditEntry),
    text("DELETE FROM audit_log WHERE action = 'logged_in'"),
    text("UPDATE audit_log SET address = NULL"),
    text("UPDATE audit_log SET detail = 'summary'"),
], ids=["core-update-action", "core-update-actor", "core-delete", "raw-delete", "raw-update",
        "raw-update-detail"])
def test_the_database_refuses_to_change_the_audit_log(db_app: Flask, statement: object) -> None:
    """Statements that bypass the ORM meet the database's triggers."""
    audit_log.audit("logged_in", actor="nurse@example.org", address="10.0.0.7")
    with pytest.raises(DBAPIError, match="the audit log is append-only"):
        db.session.execute(statement)  # type: ignore[call-overload]
    db.session.rollback()
    rows = db.session.execute(select(AuditEntry.action, AuditEntry.actor, AuditEntry.address)).all()
    assert [tuple(row) for row in rows] == [("logged_in", "nurse@example.org", "10.0.0.7")]
    audit_log.audit("logged_out", actor="nurse@example.org")  # appending still works
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 2


def test_an_unknown_audit_action_is_refused(db_app: Flask) -> None:
    with pytest.raises(ValueError, match="unknown audit action"):
        audit_log.audit("edited")


@pytest.mark.parametrize("detail", ["Mei Chen", "reviewed", "reviewed 0", "summary ", "reviewed 2x",
                                    "reviewed 12345", "SUMMARY", "patient Mei Chen",
                                    "patient short"])
def test_an_audit_detail_is_only_which_pdf(db_app: Flask, detail: str) -> None:
    """A detail is 'summary', 'reviewed N', 'password of user N' or 'patient ID' (an opaque
    id of 22 characters), so it can never carry a name or an answer."""
    with pytest.raises(ValueError, match="an audit detail is") as refused:
        audit_log.audit("downloaded", actor="nurse@example.org", detail=detail)
    # The value given is not echoed.
    assert str(refused.value) == ("an audit detail is 'summary', 'reviewed N', "
                                  "'password of user N' or 'patient ID'")
    db.session.rollback()
    audit_log.audit("downloaded", actor="nurse@example.org", detail="reviewed 12")
    audit_log.audit("downloaded", actor="nurse@example.org", detail="summary")
    assert db.session.scalars(select(AuditEntry.detail).order_by(AuditEntry.id)).all() == [
        "reviewed 12", "summary"]
