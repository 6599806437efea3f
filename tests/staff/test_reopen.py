"""Re-opening a filed review: a reason, back to "in review", a new PDF, the old one kept."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from ivig_home.db import db
from ivig_home.models import AuditEntry, ReviewedPdf, ReviewReopening, Submission
from tests.pdf_tools import loose, text_of, ticked
from tests.staff.support import RISK_ITEMS, World, post, record_flag, review_everything
from tests.store_support import every_value

REASON = "Item 1 was ticked as acknowledged; Mr P. was in fact called back at noon."


def _base(world: World, key: str = "risks") -> str:
    return f"/staff/submissions/{world.own[key]}"


def _file(client: FlaskClient, world: World) -> bytes:
    """Record every flag, file the review and return the reviewed PDF as first issued."""
    review_everything(client, world)
    assert post(client, f"{_base(world)}/review").status_code == 303
    first = client.get(f"{_base(world)}/reviewed.pdf")
    assert first.status_code == 200
    return first.data


def _status(world: World, key: str = "risks") -> str:
    with world.app.app_context():
        return db.session.get(Submission, world.own[key]).status


def _count(world: World, model: type) -> int:
    with world.app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def _actions(world: World, key: str = "risks") -> list[tuple[str, str]]:
    with world.app.app_context():
        return [(entry.action, entry.actor) for entry in db.session.scalars(
            select(AuditEntry).where(AuditEntry.submission_id == world.own[key])
            .order_by(AuditEntry.id))]


def _queue_status(client: FlaskClient, world: World, **filters: str) -> str | None:
    """Return the status the queue shows for the submission, or None when it is not listed."""
    with world.app.app_context():
        reference = db.session.get(Submission, world.own["risks"]).reference
    body = client.get("/staff/", query_string=filters).get_data(as_text=True)
    found = re.search(re.escape(reference) + r'</a></td>.*?data-label="Status">'
                      r'<span class="status status--[a-z_]+">([^<]+)</span>', body, re.S)
    return found.group(1) if found else None


@pytest.mark.parametrize("reason", ["", "   \n "])
def test_reopening_needs_a_reason(reason: str, world: World,
                                  as_user: Callable[[str | None], FlaskClient]) -> None:
    nurse = as_user("nurse@demo.test")
    _file(nurse, world)
    response = post(nurse, f"{_base(world)}/reopen", {"reason": reason})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<title>Error: Submission" in body
    assert 'href="#reason">Enter the reason for re-opening the review.' in body
    assert 'aria-invalid="true"' in body and "Reason for re-opening" in body
    assert _status(world) == "reviewed"
    assert _count(world, ReviewReopening) == 0
    assert "reopened" not in {action for action, _ in _actions(world)}


def test_reopening_and_filing_again_keeps_the_first_reviewed_pdf(
        world: World, as_user: Callable[[str | None], FlaskClient]) -> None:
    nurse, admin = as_user("nurse@demo.test"), as_user("admin@demo.test")
    base = _base(world)
    first = _file(nurse, world)
    filed = nurse.get(base).get_data(as_text=True)
    assert "Re-open review" in filed and 'action="' + base + '/reopen"' in filed
    assert _queue_status(nurse, world) == "Reviewed"

    # An administrator re-opens it (a nurse may too: see the access matrix).
    done = post(admin, f"{base}/reopen", {"reason": REASON}, follow_redirects=True)
    page = done.get_data(as_text=True)
    assert "Review re-opened." in page
    assert _status(world) == "in_review"
    assert _queue_status(nurse, world) == "In review"
    assert _queue_status(nurse, world, status="in_review") == "In review"
    assert _queue_status(nurse, world, status="reviewed") is None
    # What was recorded stays, ready to correct; the filed PDF is still offered.
    assert "Finish the review" in page and "Re-open review" not in page
    assert "Re-opened by Ada Okafor on" in page and "Mr P. was in fact called back" in page
    assert page.count('type="checkbox"') == 4 * len(RISK_ITEMS)
    assert page.count(" checked>") == len(RISK_ITEMS)
    assert 'value="acknowledged" checked>' in page  # item 1, as it was filed
    assert "Download the reviewed summary" in page
    assert admin.get(f"{base}/reviewed.pdf").data == first

    # Item 1 corrected, then filed again by the nurse.
    assert record_flag(nurse, world, RISK_ITEMS[0], "contacted_patient",
                       "Called back at noon.").status_code == 303
    assert post(nurse, f"{base}/review").status_code == 303
    assert _status(world) == "reviewed"
    assert _queue_status(nurse, world) == "Reviewed"
    newest = nurse.get(f"{base}/reviewed.pdf")
    assert newest.data != first
    text = loose(text_of(newest.data))
    assert loose("Re-issued review, replaces the review filed on") in text
    assert "by Jo Rivera" in text
    assert loose(f"Reason given: {REASON}") in text
    assert loose("SHA-256 of the replaced reviewed PDF: "
                 + hashlib.sha256(first).hexdigest()) in text
    assert loose("Called back at noon.") in text
    before, after = ticked(first), ticked(newest.data)
    assert len(after) == len(before) == len(RISK_ITEMS)
    assert after.count("Contacted patient") == before.count("Contacted patient") + 1
    assert after.count("Acknowledged") == before.count("Acknowledged") - 1
    assert "replaces the review" not in loose(text_of(first))

    # Both are kept and listed; the first is the same bytes as when it was first issued.
    again = nurse.get(f"{base}/reviewed/1.pdf")
    assert again.status_code == 200 and again.data == first
    assert again.headers["Content-Disposition"].endswith('-reviewed-1.pdf"')
    assert nurse.get(f"{base}/reviewed/2.pdf").data == newest.data
    assert nurse.get(f"{base}/reviewed/3.pdf").status_code == 404
    assert nurse.get(f"{base}/reviewed/0.pdf").status_code == 404
    assert nurse.get(f"{base}/reviewed/{10**30}.pdf").status_code == 404
    page = nurse.get(base).get_data(as_text=True)
    assert "Filed reviews" in page and "Download review 1" in page
    assert "Download review 2" in page and "Download the reviewed summary (newest)" in page
    assert "Re-opened by Ada Okafor on" in page
    with world.app.app_context():
        stored = db.session.scalars(select(ReviewedPdf).order_by(ReviewedPdf.id)).all()
        assert [row.sha256 for row in stored] == [hashlib.sha256(first).hexdigest(),
                                                  hashlib.sha256(newest.data).hexdigest()]
        reopening = db.session.scalars(select(ReviewReopening)).one()
        assert reopening.reviewed_pdf_id == stored[0].id


def test_reopening_is_audited_and_the_reason_is_stored_encrypted(
        world: World, as_user: Callable[[str | None], FlaskClient],
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    nurse = as_user("nurse@demo.test")
    base = _base(world)
    _file(nurse, world)
    assert post(nurse, f"{base}/reopen", {"reason": REASON}).status_code == 303
    assert post(nurse, f"{base}/review").status_code == 303
    nurse.get(f"{base}/reviewed/1.pdf")
    actions = _actions(world)
    assert actions[0] == ("submitted", "patient")
    assert [a for a in actions if a[0] != "flag_reviewed"][1:] == [
        ("reviewed", "nurse@demo.test"), ("downloaded", "nurse@demo.test"),
        ("reopened", "nurse@demo.test"), ("reviewed", "nurse@demo.test"),
        ("downloaded", "nurse@demo.test")]
    nurse.get(f"{base}/reviewed.pdf")  # the newest, filed second
    nurse.get(f"{base}/reviewed/2.pdf")
    with world.app.app_context():
        stored = repr(every_value())
        details = db.session.scalars(select(AuditEntry.detail).where(
            AuditEntry.action == "downloaded").order_by(AuditEntry.id)).all()
    assert details == ["reviewed 1", "reviewed 1", "reviewed 2", "reviewed 2"]
    assert "Mr P. was in fact" not in stored and "called back at noon" not in stored
    assert "Mr P. was in fact" not in caplog.text
    audit = as_user("admin@demo.test").get("/staff/audit").get_data(as_text=True)
    assert "Re-opened a filed review" in audit and "Mr P. was in fact" not in audit
    assert audit.count("Downloaded a PDF: reviewed summary 2") == 2
    assert audit.count("Downloaded a PDF: reviewed summary 1") == 2


def test_another_agency_cannot_reopen_or_read_filed_reviews(
        world: World, as_user: Callable[[str | None], FlaskClient]) -> None:
    nurse = as_user("nurse@demo.test")
    base = _base(world)
    _file(nurse, world)
    before = _actions(world)
    for email in ("nurse@harbour.test", "admin@harbour.test"):
        other = as_user(email)
        assert post(other, f"{base}/reopen", {"reason": REASON}).status_code == 404
        assert other.get(f"{base}/reviewed/1.pdf").status_code == 404
    anonymous = as_user(None)
    response = post(anonymous, f"{base}/reopen", {"reason": REASON})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/staff/login")
    assert _status(world) == "reviewed"
    assert _count(world, ReviewReopening) == 0
    assert _actions(world) == before


def test_a_review_not_filed_cannot_be_reopened(
        world: World, as_user: Callable[[str | None], FlaskClient]) -> None:
    nurse = as_user("nurse@demo.test")
    record_flag(nurse, world, RISK_ITEMS[0], "acknowledged")
    response = post(nurse, f"{_base(world)}/reopen", {"reason": REASON}, follow_redirects=True)
    assert "This review is not filed, so there is nothing to re-open." in response.get_data(
        as_text=True)
    assert _status(world) == "in_review"
    assert _count(world, ReviewReopening) == 0


def test_a_review_with_nothing_flagged_is_reopened_and_filed_again(
        world: World, as_user: Callable[[str | None], FlaskClient]) -> None:
    nurse = as_user("nurse@demo.test")
    base = _base(world, "clear")
    assert post(nurse, f"{base}/review").status_code == 303
    first = nurse.get(f"{base}/reviewed.pdf").data
    assert post(nurse, f"{base}/reopen", {"reason": "Filed before the call."}).status_code == 303
    assert _status(world, "clear") == "in_review"
    assert post(nurse, f"{base}/review").status_code == 303
    text = loose(text_of(nurse.get(f"{base}/reviewed.pdf").data))
    assert loose("Re-issued review, replaces the review filed on") in text
    assert nurse.get(f"{base}/reviewed/1.pdf").data == first
