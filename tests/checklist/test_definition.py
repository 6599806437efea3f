"""The checklist definition matches the content specification and fails loudly when broken."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ivig_home.checklist import DefinitionError, Severity, load
from ivig_home.checklist.definition import parse_text

SPEC_SECTIONS = {
    "about": [
        "patient_name",
        "date_of_birth",
        "completed_by",
        "contact_phone",
        "planned_infusion_date",
    ],
    "today": [
        "breathing_trouble_now",
        "swallowing_trouble_now",
        "stroke_signs_now",
        "clot_signs_now",
        "weakness_worse_now",
        "infection_now",
        "fluids_low_now",
    ],
    "treatment": [
        "ivig_purpose",
        "supervised_infusions",
        "prior_problems",
        "prior_reactions",
        "split_dose_discussed",
        "last_infusion_date",
        "same_brand",
        "brand_name",
    ],
    "history": [
        "kidney_problems",
        "heart_disease",
        "blood_clot_history",
        "stroke_history",
        "diabetes",
        "clotting_disorder",
        "estrogen_use",
        "central_line",
        "mostly_in_bed",
        "iga_deficiency",
        "medications",
    ],
    "monitoring": [
        "can_check_blood_pressure",
        "can_check_heart_rate",
        "can_check_temperature",
        "can_check_breathing_rate",
        "can_follow_instructions",
        "helper_at_home",
        "nurse_present",
        "home_assessed",
    ],
    "safety": [
        "epinephrine_prescribed",
        "epinephrine_in_date",
        "epinephrine_trained",
        "trained_side_effects",
        "trained_serious_signs",
        "has_number_to_call",
        "emergency_access",
        "knows_slow_or_stop",
    ],
    "before": [
        "hydration_plan",
        "room_temperature_known",
        "premedication_told",
        "premedication_at_home",
        "vaccine_planned",
        "insurance_checked",
        "subcutaneous_interest",
        "blood_product_questions",
        "notes_for_team",
    ],
    "confirm": ["ack_not_decision", "ack_accurate"],
}
OPTIONAL = {"contact_phone", "planned_infusion_date", "brand_name", "medications", "notes_for_team"}
VERDICT_WORDS = (
    "eligible",
    "ineligible",
    "approved",
    "cleared",
    "safe for home",
    "not safe",
    "unsafe",
    "qualif",
    "disqualif",
    "contraindicated",
    "candidate",
)
# The sources disagree on where IVIG may be given, so no wording says where treatment happens.
WHERE_TREATED = re.compile(r"\b(treated|given|treatment is given|infused) in (the )?hospital\b")
DEFINITION = (
    Path(__file__).resolve().parents[2] / "ivig_home" / "checklist" / "ivig_home_v1.toml"
).read_text()


def test_sections_and_items_follow_the_spec_in_order() -> None:
    checklist = load()
    assert [s.id for s in checklist.sections] == list(SPEC_SECTIONS)
    for section in checklist.sections:
        assert [i.id for i in section.items] == SPEC_SECTIONS[section.id]


def test_required_items_match_the_spec() -> None:
    for item in load().items.values():
        assert item.required == (item.id not in OPTIONAL), item.id


def test_every_item_carries_a_readable_source() -> None:
    for item in load().items.values():
        assert item.sources, item.id
        for source in item.sources:
            assert len(source.title) > 20, (item.id, source.tag)


@pytest.mark.parametrize(
    "tag,words",
    [
        ("S0", "Common questions patients ask about IVIG"),
        ("S2", "Are At-Home IVIG Treatments Right for You?"),
        ("S3", "Benefits, Risks, and Treatment Insights"),
        ("L", "prescribing information"),
        ("H", "home-infusion program practice"),
    ],
)
def test_source_citations_name_the_publication_or_kind(tag: str, words: str) -> None:
    assert words in load().sources[tag].citation


def test_every_flagged_item_has_reasons_and_patient_wording() -> None:
    for item in load().items.values():
        for rule in item.flags:
            assert rule.reason.strip() and item.patient.strip(), item.id


def test_no_wording_contains_an_eligibility_verdict() -> None:
    checklist = load()
    texts = [checklist.title]
    for section in checklist.sections:
        texts += [section.title, section.intro]
        for item in section.items:
            texts += [item.question, item.hint, item.label, item.patient, item.not_asked]
            texts += [rule.reason for rule in item.flags]
            texts += [option.label for option in item.options]
    texts += [s.wording.care_team + s.wording.patient_heading for s in Severity]
    for text in texts:
        for word in VERDICT_WORDS:
            assert word not in text.lower(), (word, text)


def test_no_reason_says_where_treatment_is_given() -> None:
    reasons = [rule.reason for item in load().items.values() for rule in item.flags]
    assert all(not WHERE_TREATED.search(reason.lower()) for reason in reasons)
    assert WHERE_TREATED.search("severely weakened patients are treated in hospital")
    assert WHERE_TREATED.search("crisis and flare treatment is given in hospital")


def test_no_wording_suggests_heating_ivig() -> None:
    item = load().items["room_temperature_known"]
    assert "never" in (item.hint + item.question).lower()
    assert "warm" not in (item.question + item.hint).lower()


@pytest.mark.parametrize(
    "old,new,message",
    [
        (
            'id = "kidney_problems"\ntype = "yesno"',
            'id = "kidney_problems"\ntype = "yesnoo"',
            "item 'kidney_problems': unknown type",
        ),
        (
            'severity = "urgent"\n  reason = "Reports fever',
            'severity = "urgnt"\n  reason = "Reports fever',
            "item 'infection_now': unknown severity",
        ),
        (
            'label = "Diabetes"\nsources = ["L"]',
            'label = "Diabetes"\nsources = []',
            "item 'diabetes': every item needs at least one source",
        ),
        (
            'label = "Diabetes"\nsources = ["L"]',
            'label = "Diabetes"\nsources = ["Z9"]',
            "item 'diabetes': unknown source tag",
        ),
        (
            'when = { item = "supervised_infusions", at_least = 1 }',
            'when = { item = "later_item", at_least = 1 }',
            "item 'prior_problems': 'when' refers to 'later_item'",
        ),
        (
            'id = "heart_disease"',
            'id = "kidney_problems"',
            "item 'kidney_problems': the id is used twice",
        ),
        (
            'answer_in = ["yes", "unsure"]\n  severity = "discuss"\n  reason = "Diabetes',
            'answer_in = ["maybe"]\n  severity = "discuss"\n  reason = "Diabetes',
            "item 'diabetes': answer_in names values",
        ),
    ],
)
def test_a_malformed_definition_fails_naming_the_item(old: str, new: str, message: str) -> None:
    assert old in DEFINITION
    with pytest.raises(DefinitionError, match=message.replace("(", r"\(").replace("?", r"\?")):
        parse_text(DEFINITION.replace(old, new, 1))


def test_a_definition_that_is_not_toml_fails_clearly() -> None:
    with pytest.raises(DefinitionError, match="not valid TOML"):
        parse_text("[checklist\nid=")
