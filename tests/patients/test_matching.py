"""Matching a submission to its patient: what counts as the same name, and the keyed hash."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask

from ivig_home.patients.listing import checklist_state
from ivig_home.patients.matching import match_hash, normal_name


@pytest.mark.parametrize(("typed", "matched"), [
    ("Ana Ruiz", "ana ruiz"),
    ("  ANA   ruiz ", "ana ruiz"),           # case and spaces
    ("Ána Ruíz", "ana ruiz"),                # accents
    ("José-Luis O'Brien", "jose luis obrien"),  # hyphen separates, apostrophe goes
    ("Mary Jane Smith", "mary jane smith"),
    ("Mary-Jane Smith", "mary jane smith"),
    ("Dr. A. Ruiz", "dr a ruiz"),
    ("Ruiz, Ana", "ruiz ana"),               # the order of the names is kept: not Ana Ruiz
    ("Straße", "strasse"),                   # casefold
    ("陳美", "陳美"),                          # letters of any script stay
    ("!!!", ""),
])
def test_names_are_matched_without_case_spaces_accents_or_marks(typed: str,
                                                                matched: str) -> None:
    assert normal_name(typed) == matched


def test_the_hash_is_the_same_for_the_same_person_and_differs_per_agency(app: Flask) -> None:
    with app.app_context():
        first = match_hash(1, "Ana Ruiz", "1971-04-02")
        assert first == match_hash(1, " ána  RUIZ", "1971-04-02")
        assert len(first or "") == 64 and "ruiz" not in (first or "")
        assert match_hash(2, "Ana Ruiz", "1971-04-02") != first       # another agency
        assert match_hash(1, "Ana Ruiz", "1971-04-03") != first       # another birthday
        assert match_hash(1, "Ruiz Ana", "1971-04-02") != first       # another order
        assert match_hash(1, "", "1971-04-02") is None                # no name: no match
        assert match_hash(1, "Ana Ruiz", "not a date") is None


TODAY = date(2026, 12, 7)


@pytest.mark.parametrize(("days", "sent", "invitation", "state"), [
    (None, False, None, "none"),        # no infusion known
    (-1, False, None, "none"),          # yesterday's is past
    (0, False, None, "due"),            # today, nothing sent
    (2, False, None, "due"),            # in two days, nothing sent
    (2, False, "invited", "due"),       # invited but not sent: still due
    (2, False, "opened", "due"),
    (3, False, None, "none"),           # three days away: not due yet
    (3, False, "invited", "invited"),
    (5, False, "opened", "opened"),
    (0, True, None, "sent"),
    (2, True, "opened", "sent"),
    (20, True, None, "sent"),
    (None, True, None, "none"),         # sent, but for no known infusion
])
def test_the_state_of_a_patients_checklist(days: int | None, sent: bool,
                                           invitation: str | None, state: str) -> None:
    infusion = None if days is None else date.fromordinal(TODAY.toordinal() + days)
    assert checklist_state(infusion, TODAY, sent=sent, invitation=invitation) == state
