"""The change list between two checklists of one patient (pure: no database)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ivig_home.checklist import assess, load
from ivig_home.patients.changes import NOT_COMPARED, compare
from tests.answers import clean

PROBLEMS = {"prior_problems": "yes", "prior_reactions": ["headache"],
            "split_dose_discussed": "yes"}


def _assessed(**changes: Any) -> Any:
    return assess(clean(**changes))


def test_identical_checklists_have_no_changes() -> None:
    changes = compare(_assessed(), _assessed())
    assert changes.answers == () and changes.flags_new == () and changes.flags_gone == ()
    assert changes.count == 0


@pytest.mark.parametrize(("before", "after", "item", "kind", "was", "now"), [
    ({}, {"kidney_problems": "yes"}, "kidney_problems", "changed", "No", "Yes"),
    ({"kidney_problems": "yes"}, {}, "kidney_problems", "changed", "Yes", "No"),
    ({}, {"infection_now": "unsure"}, "infection_now", "changed", "No", "Not sure"),
    ({}, {"medications": "prednisone 10 mg"}, "medications", "changed", "Not answered",
     "prednisone 10 mg"),
    ({}, PROBLEMS, "prior_reactions",
     "newly_asked", "Not asked", "Headache"),
    (PROBLEMS, {}, "prior_reactions",
     "no_longer_asked", "Headache", "Not asked"),
    (PROBLEMS,
     {**PROBLEMS, "prior_reactions": ["headache", "migraine"]},
     "prior_reactions", "changed", "Headache", "Headache, Migraine (a very bad headache)"),
])
def test_each_changed_item_is_listed_with_both_answers_in_words(
        before: dict[str, Any], after: dict[str, Any], item: str, kind: str, was: str,
        now: str) -> None:
    changes = compare(_assessed(**before), _assessed(**after))
    found = {change.item: change for change in changes.answers}
    assert item in found
    change = found[item]
    assert (change.kind, change.before, change.after) == (kind, was, now)
    assert change.question == load().items[item].question


def test_a_choice_of_several_in_another_order_or_text_with_spaces_is_no_change() -> None:
    before = _assessed(**{**PROBLEMS, "prior_reactions": ["rash", "headache"]},
                       medications="aspirin")
    after = _assessed(**{**PROBLEMS, "prior_reactions": ["headache", "rash"]},
                      medications="  aspirin ")
    assert compare(before, after).answers == ()


def test_flags_new_and_gone_by_item_and_severity() -> None:
    before = _assessed(kidney_problems="yes")
    after = _assessed(infection_now="yes")
    changes = compare(before, after)
    assert [(f.item, f.severity) for f in changes.flags_new] == [("infection_now", "urgent")]
    assert [(f.item, f.severity) for f in changes.flags_gone] == [("kidney_problems", "discuss")]
    assert [c.item for c in changes.answers] == ["infection_now", "kidney_problems"]
    assert changes.count == 2
    assert all(c.rule for c in changes.answers)


def test_items_about_one_visit_are_never_compared() -> None:
    before = _assessed(planned_infusion_date="2030-01-02", notes_for_team="see you then")
    after = _assessed(planned_infusion_date="2030-02-03", notes_for_team="new note")
    assert compare(before, after).answers == ()
    assert {"planned_infusion_date", "last_infusion_date", "notes_for_team"} <= NOT_COMPARED


def test_the_public_shape() -> None:
    changes = compare(_assessed(), _assessed(kidney_problems="yes")).to_dict()
    assert changes == {
        "answers": [{"item": "kidney_problems", "kind": "changed", "before": "No",
                     "after": "Yes"}],
        "flags_new": [{"item": "kidney_problems", "severity": "discuss"}],
        "flags_gone": []}


# Every yes-or-no question always asked and asking no follow-up: any mix is a valid checklist.
FOLLOWED = {item.when.item for item in load().items.values() if item.when is not None}
YESNO = [item.id for item in load().items.values()
         if item.type == "yesno" and item.when is None and item.id not in NOT_COMPARED
         and item.id not in FOLLOWED]


@settings(max_examples=40, deadline=None)
@given(st.dictionaries(st.sampled_from(YESNO), st.sampled_from(["yes", "no", "unsure"])),
       st.dictionaries(st.sampled_from(YESNO), st.sampled_from(["yes", "no", "unsure"])))
def test_exactly_the_items_answered_differently_are_changes(first: dict[str, str],
                                                            second: dict[str, str]) -> None:
    before, after = _assessed(**first), _assessed(**second)
    changes = compare(before, after)
    differ = {item for item in YESNO if before.answers.get(item) != after.answers.get(item)}
    assert {c.item for c in changes.answers} == differ
    assert all(c.kind == "changed" for c in changes.answers)
    # Going back is the mirror image: the same items, the answers swapped, flags swapped.
    back = compare(after, before)
    assert [(c.item, c.before, c.after) for c in back.answers if c.kind == "changed"] == [
        (c.item, c.after, c.before) for c in changes.answers if c.kind == "changed"]
    assert back.flags_new == changes.flags_gone and back.flags_gone == changes.flags_new
    assert compare(after, after).answers == ()
