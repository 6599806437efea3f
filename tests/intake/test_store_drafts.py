"""Drafts keep the answers so far, encrypted, until they expire."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm.attributes import set_committed_value

from ivig_home.agencies import registry
from ivig_home.checklist import assess
from ivig_home.db import db, utcnow
from ivig_home.intake import drafts, submissions
from ivig_home.intake.drafts import expiry
from ivig_home.models import Draft
from tests.answers import example
from tests.store_support import filled_draft

NOW = datetime(2026, 11, 21, 15, 30, tzinfo=UTC)


def test_a_new_draft_has_an_unguessable_id_and_nothing_in_it(db_app: Flask) -> None:
    agency = registry.ensure_demo_agency()
    ids = {drafts.start_draft(agency).id for _ in range(20)}
    assert len(ids) == 20
    for draft_id in ids:
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", draft_id)  # 32 random bytes
        draft = drafts.get_draft(draft_id)
        assert draft is not None and drafts.draft_answers(draft) == {}
        assert draft.agency_id == agency.id and draft.submission_id is None


def test_saved_answers_and_step_come_back_after_a_restart(db_app: Flask) -> None:
    draft = filled_draft("clinical-risk-factors")
    drafts.save_draft(draft, {"patient_name": "Rosa Diaz", "supervised_infusions": 4}, "treatment")
    draft_id = draft.id
    db.session.remove()
    db.engine.dispose()
    again = drafts.get_draft(draft_id)
    assert again is not None and again.step == "treatment"
    assert drafts.draft_answers(again) == {"patient_name": "Rosa Diaz", "supervised_infusions": 4}


@pytest.mark.parametrize("draft_id", ["", "nope", "x" * 43, "' OR 1=1 --"])
def test_an_unknown_draft_is_none(db_app: Flask, draft_id: str) -> None:
    assert drafts.get_draft(draft_id) is None


def test_an_expired_draft_is_none(db_app: Flask) -> None:
    draft = filled_draft()
    draft.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert drafts.get_draft(draft.id) is None


def test_saving_pushes_the_expiry_to_30_days(db_app: Flask) -> None:
    draft = filled_draft(planned_infusion_date=...)
    before = utcnow()
    drafts.save_draft(draft, drafts.draft_answers(draft), "today")
    assert before + timedelta(days=30) <= draft.expires_at <= utcnow() + timedelta(days=30)


@pytest.mark.parametrize("planned,expected", [
    (None, NOW + timedelta(days=30)),
    ("2026-12-01", datetime(2026, 12, 3, tzinfo=UTC)),        # end of the day after
    ("2026-11-21", datetime(2026, 11, 23, tzinfo=UTC)),       # planned today
    ("2027-03-01", NOW + timedelta(days=30)),                 # 30 days is sooner
    ("2026-12-20", datetime(2026, 12, 21, 15, 30, tzinfo=UTC)),  # exactly 30 days either way
    ("2026-11-10", NOW + timedelta(days=30)),   # a past date is a typo: never kept shorter
    ("1926-11-22", NOW + timedelta(days=30)),   # an absurd one too
    ("not a date", NOW + timedelta(days=30)),
])
def test_expiry_rules(planned: str | None, expected: datetime) -> None:
    answers = {} if planned is None else {"planned_infusion_date": planned}
    assert expiry(answers, NOW) == expected


@given(planned=st.dates(date(2000, 1, 1), date(2100, 1, 1)),
       now=st.datetimes(datetime(2020, 1, 1), datetime(2040, 1, 1), timezones=st.just(UTC)))
def test_expiry_is_never_later_than_30_days_nor_sooner_than_a_day(planned: date,
                                                                   now: datetime) -> None:
    expires = expiry({"planned_infusion_date": planned.isoformat()}, now)
    assert now + timedelta(days=1) <= expires <= now + timedelta(days=30)
    if planned < now.date():
        assert expires == now + timedelta(days=30)  # no typo keeps a draft for less
    if expires < now + timedelta(days=30) and expires > now + timedelta(days=1):
        assert expires == datetime.combine(planned + timedelta(days=2), datetime.min.time(), UTC)


@pytest.mark.parametrize("severity,column", [("emergency", "emergency_shown_at"),
                                             ("urgent", "urgent_shown_at")])
def test_a_message_shown_is_recorded_once_with_the_first_time(db_app: Flask, severity: str,
                                                              column: str) -> None:
    draft = filled_draft("emergency")
    drafts.mark_message_shown(draft, severity)
    first = getattr(draft, column)
    assert first is not None and first.tzinfo is not None
    drafts.mark_message_shown(draft, severity)
    assert getattr(drafts.get_draft(draft.id), column) == first
    other = "urgent_shown_at" if column == "emergency_shown_at" else "emergency_shown_at"
    assert getattr(draft, other) is None


def test_only_emergency_and_urgent_messages_are_recorded(db_app: Flask) -> None:
    with pytest.raises(KeyError):
        drafts.mark_message_shown(filled_draft(), "discuss")


def test_a_submitted_draft_is_still_found_but_no_longer_saved(db_app: Flask) -> None:
    draft = filled_draft()
    submission = submissions.submit_draft(draft, assess(example("nothing-to-flag")))
    found = drafts.get_draft(draft.id)
    assert found is not None and found.submission_id == submission.id
    with pytest.raises(drafts.DraftSubmitted):
        drafts.save_draft(found, {"patient_name": "Changed Later"}, "today")
    assert submissions.submission_answers(submission)["patient_name"] == "Ana Ruiz"
    # A sent draft lingers one day at most for the confirmation page, then purge takes it.
    assert found.expires_at <= utcnow() + timedelta(days=1)


def test_the_draft_row_holds_no_plain_answer(db_app: Flask) -> None:
    draft = filled_draft(brand_name="Privigen lot 7731")
    row = db.session.get(Draft, draft.id)
    assert row is not None and row.answers_enc is not None
    assert b"Ana Ruiz" not in row.answers_enc and b"Privigen" not in row.answers_enc


def test_a_save_naming_older_answers_never_overwrites_newer_ones(db_app: Flask) -> None:
    draft = filled_draft()
    seen = drafts.answers_version(draft)
    newer = drafts.save_draft_unless_changed(draft, {"patient_name": "Rosa Diaz"}, "about", seen)
    assert newer is not None and newer != seen
    assert drafts.answers_version(draft) == newer
    assert drafts.draft_answers(draft) == {"patient_name": "Rosa Diaz"}
    # The page still names the first answers: refused, nothing stored.
    assert drafts.save_draft_unless_changed(draft, {"patient_name": "Old"}, "about", seen) is None
    # Loaded before another request stored newer answers, checked again inside the UPDATE.
    loaded = draft.answers_enc
    drafts.save_draft(draft, {"patient_name": "Rosa M. Diaz"}, "today")
    set_committed_value(draft, "answers_enc", loaded)
    assert drafts.save_draft_unless_changed(draft, {"patient_name": "Late"}, "about",
                                           newer) is None
    db.session.expire_all()
    again = drafts.get_draft(draft.id)
    assert drafts.draft_answers(again) == {"patient_name": "Rosa M. Diaz"}
    assert again.step == "today"
