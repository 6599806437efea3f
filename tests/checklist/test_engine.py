"""The engine flags exactly what the content specification defines."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ivig_home.checklist import InvalidAnswers, Severity, assess, load, prune, validate
from tests.answers import clean, example

E, U, D, P, N = "emergency", "urgent", "discuss", "prepare", "note"
YES_EMERGENCY = {"yes": E, "unsure": U, "no": None}
YES_URGENT = {"yes": U, "unsure": U, "no": None}
YES_DISCUSS = {"yes": D, "unsure": D, "no": None}
NO_PREPARE = {"yes": None, "unsure": P, "no": P}
ABILITY = {"self": None, "helper": None, "no": P, "unsure": P}

# Transcribed from the content specification, independently of the definition file.
SPEC_FLAGS: dict[str, dict[Any, str | None]] = {
    "breathing_trouble_now": YES_EMERGENCY,
    "swallowing_trouble_now": YES_EMERGENCY,
    "stroke_signs_now": YES_EMERGENCY,
    "clot_signs_now": YES_EMERGENCY,
    "weakness_worse_now": YES_URGENT,
    "infection_now": YES_URGENT,
    "fluids_low_now": YES_URGENT,
    "ivig_purpose": {"maintenance": None, "flare": D, "unsure": D},
    "kidney_problems": YES_DISCUSS,
    "heart_disease": YES_DISCUSS,
    "blood_clot_history": YES_DISCUSS,
    "stroke_history": YES_DISCUSS,
    "diabetes": YES_DISCUSS,
    "clotting_disorder": YES_DISCUSS,
    "estrogen_use": YES_DISCUSS,
    "central_line": YES_DISCUSS,
    "mostly_in_bed": YES_DISCUSS,
    "iga_deficiency": YES_DISCUSS,
    "can_check_blood_pressure": ABILITY,
    "can_check_heart_rate": ABILITY,
    "can_check_temperature": ABILITY,
    "can_check_breathing_rate": ABILITY,
    "can_follow_instructions": NO_PREPARE,
    "helper_at_home": NO_PREPARE,
    "nurse_present": NO_PREPARE,
    "home_assessed": NO_PREPARE,
    "epinephrine_prescribed": NO_PREPARE,
    "epinephrine_in_date": NO_PREPARE,
    "epinephrine_trained": NO_PREPARE,
    "trained_side_effects": NO_PREPARE,
    "trained_serious_signs": NO_PREPARE,
    "has_number_to_call": NO_PREPARE,
    "emergency_access": NO_PREPARE,
    "knows_slow_or_stop": NO_PREPARE,
    "hydration_plan": NO_PREPARE,
    "room_temperature_known": NO_PREPARE,
    "premedication_told": {"yes": None, "no": None, "unsure": P},
    "premedication_at_home": NO_PREPARE,
    "vaccine_planned": YES_DISCUSS,
    "insurance_checked": NO_PREPARE,
    "subcutaneous_interest": {"yes": N, "unsure": N, "no": None},
    "blood_product_questions": {"yes": N, "unsure": N, "no": None},
    "same_brand": {"yes": None, "no": D, "unsure": D},
}
CHOICE_CASES = [
    (item, answer, sev) for item, table in SPEC_FLAGS.items() for answer, sev in table.items()
]


def flags_of(document: dict[str, Any]) -> dict[str, Any]:
    return {flag.item.id: flag for flag in assess(document).flags}


@pytest.mark.parametrize("item,answer,severity", CHOICE_CASES)
def test_choice_answers_raise_the_specified_flag(item: str, answer: str, severity: str) -> None:
    flag = flags_of(clean(**{item: answer})).get(item)
    assert (flag.severity.value if flag else None) == severity
    if flag:
        assert flag.unsure == (answer == "unsure")
        assert flag.answer == answer and flag.reason and flag.item.sources


@pytest.mark.parametrize("count,severity", [(0, D), (1, D), (2, None), (3, None), (500, None)])
def test_supervised_infusions_of_zero_or_one_are_discussed(count: int, severity: str) -> None:
    changes: dict[str, Any] = {"supervised_infusions": count}
    if count == 0:
        changes.update(prior_problems=..., last_infusion_date=..., same_brand=...)
    flag = flags_of(clean(**changes)).get("supervised_infusions")
    assert (flag.severity.value if flag else None) == severity


@pytest.mark.parametrize(
    "reactions,severity",
    [
        ([], None),
        (["headache"], N),
        (["headache", "chills", "aches", "fever"], N),
        (["fatigue", "nausea", "rash"], N),
        (["migraine"], D),
        (["stiff_neck"], D),
        (["shortness_of_breath"], D),
        (["allergic_reaction"], D),
        (["headache", "migraine"], D),
    ],
)
def test_prior_reactions_flag_at_the_highest_severity(reactions: list[str], severity: str) -> None:
    document = clean(prior_problems="yes", prior_reactions=reactions, split_dose_discussed="yes")
    flag = flags_of(document).get("prior_reactions")
    assert (flag.severity.value if flag else None) == severity


@pytest.mark.parametrize("answer,severity", [("yes", None), ("no", D), ("unsure", D)])
def test_split_dose_not_discussed_is_flagged(answer: str, severity: str) -> None:
    document = clean(prior_problems="yes", prior_reactions=[], split_dose_discussed=answer)
    flag = flags_of(document).get("split_dose_discussed")
    assert (flag.severity.value if flag else None) == severity


@pytest.mark.parametrize(
    "item,text,severity",
    [
        ("medications", "Metformin", N),
        ("medications", "", None),
        ("medications", "   ", None),
        ("notes_for_team", "I get tired after noon", N),
        ("notes_for_team", "", None),
        ("brand_name", "Privigen", None),
        ("contact_phone", "555 0100", None),
    ],
)
def test_free_text_is_noted_only_where_the_spec_says(item: str, text: str, severity: str) -> None:
    flag = flags_of(clean(**{item: text})).get(item)
    assert (flag.severity.value if flag else None) == severity


COMPLETED = date(2026, 11, 21)


@pytest.mark.parametrize(
    "birth,age,flagged",
    [
        ("1961-11-21", 65, True),  # 65th birthday on the completion date
        ("1961-11-22", 64, False),  # 65th birthday the day after
        ("1961-11-20", 65, True),
        ("1930-01-01", 96, True),
        ("2000-02-29", 26, False),
        ("1960-02-29", 66, True),
    ],
)
def test_age_is_computed_on_the_completion_date(birth: str, age: int, flagged: bool) -> None:
    assessment = assess(clean(date_of_birth=birth))
    assert assessment.age == age
    assert any(f.item.id == "date_of_birth" for f in assessment.flags) == flagged


@pytest.mark.parametrize(
    "days,flagged", [(0, False), (28, False), (56, False), (57, True), (400, True)]
)
def test_more_than_56_days_since_last_infusion_is_discussed(days: int, flagged: bool) -> None:
    last = (COMPLETED - timedelta(days=days)).isoformat()
    assessment = assess(clean(last_infusion_date=last))
    assert assessment.days_since_last_infusion == days
    assert any(f.item.id == "last_infusion_date" for f in assessment.flags) == flagged


def test_iga_with_allergic_reaction_is_marked_as_label_contraindication() -> None:
    document = clean(
        iga_deficiency="yes",
        prior_problems="yes",
        prior_reactions=["allergic_reaction"],
        split_dose_discussed="yes",
    )
    flag = flags_of(document)["iga_deficiency"]
    assert flag.severity is Severity.DISCUSS
    assert flag.mark == "product_label_contraindication"
    assert "contraindication to review" in flag.reason


@pytest.mark.parametrize(
    "iga,reactions", [("yes", ["headache"]), ("unsure", ["allergic_reaction"])]
)
def test_iga_without_the_combination_is_not_marked(iga: str, reactions: list[str]) -> None:
    document = clean(
        iga_deficiency=iga,
        prior_problems="yes",
        prior_reactions=reactions,
        split_dose_discussed="yes",
    )
    flag = flags_of(document)["iga_deficiency"]
    assert flag.severity is Severity.DISCUSS and flag.mark is None


# when conditions: (item, condition answers that ask it, answers that do not, a valid value)
WHEN_CASES = [
    ("prior_problems", {"supervised_infusions": 1}, {"supervised_infusions": 0}, "no"),
    ("last_infusion_date", {"supervised_infusions": 3}, {"supervised_infusions": 0}, "2026-11-01"),
    ("same_brand", {"supervised_infusions": 2}, {"supervised_infusions": 0}, "yes"),
    (
        "prior_reactions",
        {"prior_problems": "yes", "split_dose_discussed": "yes"},
        {"prior_problems": "no"},
        ["rash"],
    ),
    (
        "split_dose_discussed",
        {"prior_problems": "yes", "prior_reactions": []},
        {"prior_problems": "unsure"},
        "yes",
    ),
    (
        "epinephrine_in_date",
        {"epinephrine_prescribed": "yes"},
        {"epinephrine_prescribed": "no", "epinephrine_trained": ...},
        "yes",
    ),
    (
        "epinephrine_trained",
        {"epinephrine_prescribed": "yes"},
        {"epinephrine_prescribed": "unsure", "epinephrine_in_date": ...},
        "yes",
    ),
    ("premedication_at_home", {"premedication_told": "yes"}, {"premedication_told": "no"}, "yes"),
]
NOT_ASKED_AFTER = {"supervised_infusions": ("prior_problems", "last_infusion_date", "same_brand")}


@pytest.mark.parametrize("item,asked,not_asked,value", WHEN_CASES)
def test_when_asked_the_item_is_required(
    item: str, asked: dict[str, Any], not_asked: dict[str, Any], value: Any
) -> None:
    document = clean(**{**asked, item: ...})
    assert any(p.item == item and "required" in p.message for p in validate(document))
    assert not validate(clean(**{**asked, item: value}))


@pytest.mark.parametrize("item,asked,not_asked,value", WHEN_CASES)
def test_when_not_asked_the_item_is_absent_and_an_answer_is_an_error(
    item: str, asked: dict[str, Any], not_asked: dict[str, Any], value: Any
) -> None:
    removed = {
        k: ...
        for k in load().items
        if k not in not_asked
        and load().items[k].when is not None
        and load().items[k].when.item in not_asked
    }  # type: ignore[union-attr]
    document = clean(**{**not_asked, **removed, item: ...})
    assert validate(document) == []
    assert item not in flags_of(document)
    problems = validate(clean(**{**not_asked, **removed, item: value}))
    assert [p.item for p in problems] == [item]
    assert "asked only when" in problems[0].message


BAD_VALUES = [
    ("breathing_trouble_now", "maybe", "expected one of 'yes', 'no', 'unsure'"),
    ("breathing_trouble_now", True, "expected one of"),
    ("can_check_temperature", "yes", "expected one of 'self', 'helper', 'no', 'unsure'"),
    ("ivig_purpose", "weekly", "expected one of 'maintenance', 'flare', 'unsure'"),
    ("completed_by", "nurse", "expected one of 'self', 'caregiver'"),
    ("supervised_infusions", -1, "whole number from 0 to 500"),
    ("supervised_infusions", 501, "whole number from 0 to 500"),
    ("supervised_infusions", 2.5, "whole number"),
    ("supervised_infusions", "3", "whole number"),
    ("supervised_infusions", True, "whole number"),
    ("date_of_birth", "02/04/1958", "YYYY-MM-DD"),
    ("date_of_birth", "1958-02-30", "YYYY-MM-DD"),
    ("date_of_birth", "2026-11-22", "not after the completion date"),
    ("date_of_birth", "1899-12-31", "from 1900-01-01"),
    ("last_infusion_date", "2027-01-01", "not after the completion date"),
    ("prior_reactions", "headache", "list of option ids"),
    ("prior_reactions", ["sneezing"], "unknown option"),
    ("prior_reactions", ["rash", "rash"], "at most once"),
    ("patient_name", "x" * 201, "at most 200 characters"),
    ("patient_name", 42, "text"),
    ("notes_for_team", "x" * 2001, "at most 2000 characters"),
    ("ack_accurate", False, "expected true"),
    ("ack_accurate", "yes", "expected true"),
    ("patient_name", "", "required"),
    ("completed_by", ..., "required"),
]


@pytest.mark.parametrize("item,value,expected", BAD_VALUES)
def test_a_bad_value_is_reported_naming_the_item(item: str, value: Any, expected: str) -> None:
    changes: dict[str, Any] = {item: value}
    if item == "prior_reactions":
        changes.update(prior_problems="yes", split_dose_discussed="yes")
    problems = [p for p in validate(clean(**changes)) if p.item == item]
    assert len(problems) == 1 and expected in problems[0].message
    with pytest.raises(InvalidAnswers):
        assess(clean(**changes))


def test_a_planned_infusion_date_may_be_in_the_future() -> None:
    assert validate(clean(planned_infusion_date="2027-03-01")) == []


@pytest.mark.parametrize(
    "document,item",
    [
        ([], "(document)"),
        ("text", "(document)"),
        ({}, "answers"),
        ({"answers": []}, "answers"),
        ({"answers": {}, "extra": 1}, "extra"),
        ({"completed_on": "21/11/2026", "answers": {}}, "completed_on"),
    ],
)
def test_a_malformed_document_is_reported(document: Any, item: str) -> None:
    assert item in [p.item for p in validate(document)]


def test_every_problem_is_reported_at_once() -> None:
    document = clean(foo=1, breathing_trouble_now="maybe", supervised_infusions=-3)
    assert {p.item for p in validate(document)} >= {
        "foo",
        "breathing_trouble_now",
        "supervised_infusions",
    }


def test_flags_are_in_severity_then_checklist_order_and_counted() -> None:
    assessment = assess(example("clinical-risk-factors"))
    ranks = [f.severity.rank for f in assessment.flags]
    assert ranks == sorted(ranks)
    order = list(load().items)
    for severity in Severity:
        ids = [f.item.id for f in assessment.flags if f.severity is severity]
        assert ids == sorted(ids, key=order.index)
        assert assessment.counts[severity] == len(ids)


def test_the_examples_give_the_expected_flags() -> None:
    assert assess(example("nothing-to-flag")).flags == ()
    emergency = assess(example("emergency")).to_dict()
    assert emergency["counts"] == {E: 1, U: 2, D: 1, P: 0, N: 1}
    assert [f["item"] for f in emergency["flags"]] == [
        "breathing_trouble_now",
        "swallowing_trouble_now",
        "weakness_worse_now",
        "ivig_purpose",
        "notes_for_team",
    ]
    risk = assess(example("clinical-risk-factors")).to_dict()
    assert risk["counts"] == {E: 0, U: 0, D: 11, P: 3, N: 1}
    assert risk["checklist"] == {"id": "ivig_home", "version": "1.1.0"}


def test_prune_drops_follow_ups_that_are_no_longer_asked() -> None:
    answers = example("clinical-risk-factors")["answers"]
    answers["supervised_infusions"] = 0
    kept = prune(answers)
    for gone in (
        "prior_problems",
        "prior_reactions",
        "split_dose_discussed",
        "last_infusion_date",
        "same_brand",
    ):
        assert gone not in kept
    assert kept["kidney_problems"] == "yes"


# -- property: any valid answer set assesses without error, deterministically -------------


def _value(item_id: str) -> st.SearchStrategy[Any]:
    item = load().items[item_id]
    if item.type == "multi":
        return st.lists(st.sampled_from(item.values), unique=True)
    if item.options:
        return st.sampled_from(item.values)
    if item.type == "count":
        return st.integers(0, 500)
    if item.type == "date":
        low = date(1900, 1, 1)
        high = date(2027, 12, 31) if item.future_allowed else COMPLETED
        return st.dates(low, high).map(date.isoformat)
    if item.type == "ack":
        return st.just(True)
    return st.text(max_size=min(item.max_length, 60))


@st.composite
def answer_sets(draw: st.DrawFn) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for item in load().items.values():
        if item.when is not None and not item.when.holds(answers):
            continue
        if not item.required and draw(st.booleans()):
            continue
        value = draw(_value(item.id))
        if item.id == "patient_name" and not value.strip():
            value = "Ana"
        answers[item.id] = value
    return {"completed_on": COMPLETED.isoformat(), "answers": answers}


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(answer_sets())
def test_any_valid_answer_set_assesses_deterministically(document: dict[str, Any]) -> None:
    assert validate(document) == []
    first = json.dumps(assess(document).to_dict(), sort_keys=True)
    assert first == json.dumps(assess(document).to_dict(), sort_keys=True)
    flags = assess(document).flags
    assert len({f.item.id for f in flags}) == len(flags)
