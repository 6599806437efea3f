"""What a nurse reads in the PDF summary: its parts, their order and their wording."""

from __future__ import annotations

import re

import pytest

from ivig_home.checklist import NOT_A_DECISION, assess, load
from ivig_home.checklist.summary import summary
from ivig_home.report import TITLE
from tests.answers import clean, example
from tests.pdf_tools import EXAMPLE_NAMES, example_pdf, loose, page_count, render, text_of

VERDICTS = re.compile(r"\b(eligib\w*|ineligib\w*|approv\w*|cleared|unsafe|safe for|not safe|"
                      r"suitable for|unsuitable|qualif\w*|disqualif\w*)\b", re.IGNORECASE)
SEVERITY_LABELS = ("Emergency", "Urgent", "Discuss", "Prepare", "Note")


def flags_in_order(name: str) -> list[dict[str, object]]:
    """Return the example's flags as the PDF should list them, most pressing first."""
    groups = summary(assess(example(name)))["groups"]
    return [flag for group in groups for flag in group["flags"]]


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_each_flag_shows_question_answer_reason_source_and_rule_id_in_severity_order(
        name: str) -> None:
    text = loose(text_of(example_pdf(name)))
    attention = text[text.index("Needs attention"):text.index("All answers")]
    position = 0
    for flag in flags_in_order(name):
        sources = "; ".join(flag["sources"])  # type: ignore[arg-type]
        question = attention.index(loose(f"{flag['question']}"), position)
        answer = attention.index(loose(f"Answer: {flag['answer']}"), question)
        reason = attention.index(loose(f"Why flagged: {flag['reason']}"), answer)
        source = attention.index(loose(f"Source: {sources}"), reason)
        position = attention.index(loose(f"Rule id: {flag['item']}"), source)
    assert position or not flags_in_order(name)


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_groups_come_in_severity_order_and_empty_groups_say_none(name: str) -> None:
    text = text_of(example_pdf(name))
    groups = summary(assess(example(name)))["groups"]
    positions = []
    for group, label in zip(groups, SEVERITY_LABELS, strict=True):
        heading = (f"{group['symbol']} {label} ({len(group['flags'])}):" if group["flags"]
                   else f"{group['symbol']} {label}: None")
        positions.append(text.index(heading))
    assert positions == sorted(positions)


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_what_needs_attention_starts_on_page_one(name: str) -> None:
    first_page = text_of(example_pdf(name), first=1, last=1)
    assert TITLE in first_page and NOT_A_DECISION in first_page
    assert "Needs attention" in first_page
    flags = flags_in_order(name)
    if flags:
        assert flags[0]["question"] in first_page
    else:
        assert "Emergency: None" in first_page and "Urgent: None" in first_page


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_no_eligibility_verdict_appears(name: str) -> None:
    text = text_of(example_pdf(name))
    assert VERDICTS.findall(text) == []
    assert NOT_A_DECISION in text


def test_header_names_patient_agency_completion_reference_and_checklist() -> None:
    text = text_of(example_pdf("emergency"), first=1, last=1)
    for expected in ("Harbour Home Infusion, phone 555-0142", TITLE, "Patient Mei Chen",
                     "Date of birth: 30 September 1988 (age 38)", "Completed by: The patient",
                     "Completed: 21 November 2026 at 09:14 UTC", "Reference: HKT-4829",
                     "Checklist: ivig_home version 1.1.0"):
        assert expected in text
    caregiver = text_of(example_pdf("clinical-risk-factors"), first=1, last=1)
    assert "Completed by: A caregiver" in caregiver


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_every_page_has_the_footer(name: str) -> None:
    pdf = example_pdf(name)
    total = page_count(pdf)
    assert total >= 2
    for number in range(1, total + 1):
        page = text_of(pdf, first=number, last=number)
        assert f"Reference HKT-4829 Page {number} of {total} Checklist ivig_home version 1.1.0" \
            in page


def test_an_emergency_submission_says_the_message_was_shown_and_when() -> None:
    text = text_of(example_pdf("emergency"))
    assert ("Messages shown to the patient !!! The emergency message (\u201cCall 911 now\u201d) "
            "was shown on 21 November 2026 at 09:02 UTC.") in text


@pytest.mark.parametrize("shown,expected,absent", [
    ({"emergency": None, "urgent": "2026-11-21T10:30:00-05:00"},
     "The urgent message (\u201cCall your care team today\u201d) was shown on 21 November 2026 "
     "at 10:30 UTC-05:00.", "The emergency message"),
    (None, None, "Messages shown to the patient"),
    ({"emergency": None, "urgent": None}, None, "Messages shown to the patient"),
])
def test_messages_shown_are_listed_only_when_shown(shown: dict[str, str | None] | None,
                                                   expected: str | None, absent: str) -> None:
    text = text_of(render(example("emergency"), messages_shown=shown))
    if expected:
        assert expected in text
    assert absent not in text


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_all_answers_lists_every_item_and_says_why_one_was_not_asked(name: str) -> None:
    text = text_of(example_pdf(name))
    answers = text[text.index("All answers"):text.index("Care-team review")]
    position = 0
    for section in summary(assess(example(name)))["sections"]:
        position = answers.index(section["title"], position)
        for row in section["items"]:
            position = answers.index(f"{row['question']} {row['answer']}", position)
    if name == "nothing-to-flag":
        assert ("Which of these did you have? Choose all that apply. Not asked, because no "
                "problems with past infusions were reported.") in answers


def test_not_sure_answers_are_marked_as_such() -> None:
    text = text_of(example_pdf("emergency"))
    assert ("Answer: Not sure Patient not sure: please clarify Why flagged: Not sure whether "
            "swallowing is a problem now") in text


def test_the_iga_contraindication_marking_is_visible() -> None:
    text = text_of(example_pdf("clinical-risk-factors"))
    question = load().items["iga_deficiency"].question
    assert f"{question} Marked: Product-label contraindication to review Answer: Yes" in text
    plain = text_of(render(clean(iga_deficiency="yes")))
    assert question in plain and "Marked:" not in plain


def test_the_review_block_has_boxes_per_flag_and_signature_lines() -> None:
    text = text_of(example_pdf("emergency"))
    review = text[text.index("Care-team review"):]
    flags = flags_in_order("emergency")
    boxes = ("\u2610 Acknowledged \u2610 Contacted patient \u2610 Escalated \u2610 Not applicable "
             "Notes:")
    assert review.count(boxes) == len(flags)
    for number, flag in enumerate(flags, start=1):
        assert f"{number}. " in review and f"({flag['item']})" in review
    assert "Reviewer name: Signature: Date:" in review


def test_a_submission_with_nothing_flagged_says_so_in_the_review_block() -> None:
    review = text_of(example_pdf("nothing-to-flag"))
    assert "Care-team review No items were flagged. Reviewer name: Signature: Date:" in review
