"""Re-opening a filed review, stored: the status, the kept PDFs, the encrypted reason, purging."""

from __future__ import annotations

import hashlib

import pytest
from flask import Flask
from sqlalchemy import delete, func, select

from ivig_home.agencies import registry
from ivig_home.db import db
from ivig_home.intake.pdf import assessment_of
from ivig_home.models import (
    AuditEntry,
    FlagReview,
    ReviewedPdf,
    ReviewReopening,
    StaffUser,
    Submission,
)
from ivig_home.staff import review
from tests.store_support import every_value, submitted

REASON = "Ticked the wrong box for the kidney question."


def _nurse() -> StaffUser:
    user = StaffUser(agency_id=registry.ensure_demo_agency().id, email="nurse@demo.test",
                     password_hash="not used", role="nurse", name="Jo Rivera")
    db.session.add(user)
    db.session.commit()
    return user


def _file(submission: Submission, nurse: StaffUser, disposition: str) -> ReviewedPdf:
    assessment = assessment_of(submission)
    for flag in assessment.flags:
        review.record_disposition(submission, assessment, flag.item.id, disposition, "", nurse,
                                  None)
    return review.mark_reviewed(submission, assessment, nurse, None)


def _count(model: type) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_reopened_review_keeps_its_pdf_and_filing_again_adds_one(db_app: Flask) -> None:
    nurse = _nurse()
    submission = submitted("clinical-risk-factors")
    first = _file(submission, nurse, "acknowledged")
    first_id, first_pdf = first.id, review.reviewed_pdf(first)

    with pytest.raises(ValueError, match="reason"):
        review.reopen_review(submission, "   ", nurse, None)
    reopening = review.reopen_review(submission, REASON, nurse, "192.0.2.7")
    assert submission.status == "in_review" and submission.status_changed_at is not None
    with pytest.raises(review.ReviewNotFiled):  # once only
        review.reopen_review(submission, REASON, nurse, None)
    assert reopening.reviewed_pdf_id == first_id
    assert REASON not in repr(every_value())
    assert {d.dispositions for d in review.dispositions(submission).values()} == {
        ("acknowledged",)}

    second = _file(submission, nurse, "escalated")
    assert second.id != first_id and _count(ReviewedPdf) == 2
    kept = db.session.get(ReviewedPdf, first_id)
    assert review.reviewed_pdf(kept) == first_pdf
    assert kept.sha256 == hashlib.sha256(first_pdf).hexdigest()
    assert review.latest_reviewed(submission).id == second.id  # type: ignore[union-attr]
    assert review.reviewed_number(submission, 1).id == first_id  # type: ignore[union-attr]
    assert review.reviewed_number(submission, 2).id == second.id  # type: ignore[union-attr]
    assert review.reviewed_number(submission, 3) is None
    history = review.review_history(submission)
    assert [(h.number, h.reopened_by, h.reason) for h in history] == [
        (1, "Jo Rivera", REASON), (2, None, "")]
    actions = db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.submission_id == submission.id, AuditEntry.action != "flag_reviewed")
        .order_by(AuditEntry.id)).all()
    assert actions == ["submitted", "reviewed", "reopened", "reviewed"]
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "reopened")).one()
    assert (entry.actor, entry.address) == ("nurse@demo.test", "192.0.2.7")

    # Deleting the submission (retention) takes its reviews and re-openings with it.
    db.session.execute(delete(Submission).where(Submission.id == submission.id))
    db.session.commit()
    assert _count(ReviewReopening) == _count(ReviewedPdf) == 0


def test_several_dispositions_of_one_save_are_read_back_together(db_app: Flask) -> None:
    """One save, several boxes: one row each with the save's time; the latest save wins."""
    nurse = _nurse()
    submission = submitted("clinical-risk-factors")
    assessment = assessment_of(submission)
    first, second = (flag.item.id for flag in assessment.flags[:2])
    submission_id = submission.id
    review.record_dispositions(submission, assessment, {
        first: review.Choice(("escalated", "contacted_patient"), "Called, then escalated."),
        second: review.Choice(("acknowledged",))}, nurse, None)
    db.session.remove()  # read back as a new request would
    submission = db.session.get(Submission, submission_id)
    nurse = db.session.scalar(select(StaffUser))
    recorded = review.dispositions(submission)
    assert recorded[first].dispositions == ("contacted_patient", "escalated")
    assert recorded[first].label == "Contacted patient and Escalated"
    assert recorded[first].note == "Called, then escalated."
    assert recorded[second].dispositions == ("acknowledged",)
    assert _count(FlagReview) == 3
    review.record_dispositions(submission, assessment, {
        first: review.Choice(("not_applicable",))}, nurse, None)
    assert review.dispositions(submission)[first].dispositions == ("not_applicable",)
    assert "Called, then escalated." not in repr(every_value())
    with pytest.raises(ValueError):
        review.record_dispositions(submission, assessment, {second: review.Choice(())},
                                   nurse, None)
