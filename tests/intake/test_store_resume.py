"""A resume code and the date of birth bring back a draft, and nothing else does."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from hypothesis import given
from hypothesis import strategies as st

from ivig_home.agencies import registry
from ivig_home.checklist import assess
from ivig_home.db import db, utcnow
from ivig_home.intake import drafts, submissions
from ivig_home.intake.drafts import CODE_ALPHABET, MAX_DOB_FAILURES, normalise_code
from tests.answers import example
from tests.store_support import every_value, filled_draft

DOB = "1971-04-02"  # the date of birth in the nothing-to-flag example


def test_a_code_is_two_groups_of_four_easy_to_read_aloud(db_app: Flask) -> None:
    draft = filled_draft()
    codes = {drafts.issue_resume_code(draft) for _ in range(30)}
    assert len(codes) == 30
    for code in codes:
        assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", code)
        assert not set(code) & set("0O1IL5S2Z8B")


def test_neither_the_code_nor_the_date_of_birth_is_stored_in_plain(db_app: Flask) -> None:
    draft = filled_draft()
    code = drafts.issue_resume_code(draft)
    stored = " ".join(str(value) for value in every_value())
    assert code not in stored and normalise_code(code) not in stored
    assert draft.dob_check is not None and DOB not in stored and "19710402" not in stored


@pytest.mark.parametrize("typed", [
    "{code}", "{lower}", "{plain}", "{plain_lower}", " {code} ", "{spaced}", "{en_dash}",
])
def test_the_code_is_accepted_however_it_is_typed(db_app: Flask, typed: str) -> None:
    draft = filled_draft()
    code = drafts.issue_resume_code(draft)
    plain = code.replace("-", "")
    variant = typed.format(code=code, lower=code.lower(), plain=plain,
                           plain_lower=plain.lower(), spaced=" ".join(plain),
                           en_dash=code.replace("-", "\u2013"))
    resumed = drafts.resume_draft(variant, DOB)
    assert resumed is not None and resumed.id == draft.id


@pytest.mark.parametrize("given_dob", [" 1971-04-02 ", "1971-04-02"])
def test_the_date_of_birth_is_compared_as_a_date(db_app: Flask, given_dob: str) -> None:
    draft = filled_draft()
    assert drafts.resume_draft(drafts.issue_resume_code(draft), given_dob) is not None


@pytest.mark.parametrize("wrong_dob", ["1971-04-03", "1970-04-02", "", "02/04/1971", "x"])
def test_a_wrong_date_of_birth_brings_nothing_back(db_app: Flask, wrong_dob: str) -> None:
    draft = filled_draft()
    code = drafts.issue_resume_code(draft)
    assert drafts.resume_draft(code, wrong_dob) is None
    assert drafts.resume_draft(code, DOB) is not None


def test_repeated_wrong_dates_of_birth_lock_the_code(db_app: Flask) -> None:
    draft = filled_draft()
    code = drafts.issue_resume_code(draft)
    for _ in range(MAX_DOB_FAILURES):
        assert drafts.resume_draft(code, "1999-01-01") is None
    assert drafts.resume_draft(code, DOB) is None
    # A new code, given by the form to the patient who still has the draft, works again.
    assert drafts.resume_draft(drafts.issue_resume_code(draft), DOB) is not None


def test_a_few_mistakes_are_forgiven_after_a_success(db_app: Flask) -> None:
    draft = filled_draft()
    code = drafts.issue_resume_code(draft)
    for _ in range(3):
        for _ in range(MAX_DOB_FAILURES - 1):
            assert drafts.resume_draft(code, "1999-01-01") is None
        assert drafts.resume_draft(code, DOB) is not None


def test_an_expired_draft_cannot_be_resumed(db_app: Flask) -> None:
    draft = filled_draft()
    code = drafts.issue_resume_code(draft)
    draft.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert drafts.resume_draft(code, DOB) is None


def test_a_submitted_draft_cannot_be_resumed(db_app: Flask) -> None:
    draft = filled_draft()
    code = drafts.issue_resume_code(draft)
    submissions.submit_draft(draft, assess(example("nothing-to-flag")))
    assert drafts.resume_draft(code, DOB) is None


def test_a_new_code_replaces_the_old_one(db_app: Flask) -> None:
    draft = filled_draft()
    old = drafts.issue_resume_code(draft)
    new = drafts.issue_resume_code(draft)
    assert drafts.resume_draft(old, DOB) is None
    assert drafts.resume_draft(new, DOB) is not None


def test_codes_of_two_drafts_do_not_cross(db_app: Flask) -> None:
    first, second = filled_draft(), filled_draft("emergency")
    code_first = drafts.issue_resume_code(first)
    code_second = drafts.issue_resume_code(second)
    assert drafts.resume_draft(code_first, "1988-09-30") is None  # the other's birth date
    resumed = drafts.resume_draft(code_second, "1988-09-30")
    assert resumed is not None and resumed.id == second.id


def test_a_code_needs_the_date_of_birth_answer(db_app: Flask) -> None:
    draft = drafts.start_draft(registry.ensure_demo_agency())
    drafts.save_draft(draft, {"patient_name": "Ana Ruiz"}, "about")
    with pytest.raises(ValueError, match="date of birth"):
        drafts.issue_resume_code(draft)


@pytest.mark.parametrize("code", ["", "ABCD", "AAAA-AAAA-AAAA", "0000-0000", "SSSS-SSSS"])
def test_malformed_codes_bring_nothing_back(db_app: Flask, code: str) -> None:
    drafts.issue_resume_code(filled_draft())
    assert drafts.resume_draft(code, DOB) is None


@given(st.text(CODE_ALPHABET, min_size=8, max_size=8),
       st.lists(st.sampled_from([" ", "-", "\t", "\u2010"]), min_size=8, max_size=8),
       st.lists(st.booleans(), min_size=8, max_size=8))
def test_normalising_removes_separators_and_case(code: str, separators: list[str],
                                                 lower: list[bool]) -> None:
    typed = "".join(sep + (ch.lower() if low else ch)
                    for ch, sep, low in zip(code, separators, lower, strict=True))
    assert normalise_code(typed) == code
