"""What a nurse reads in the PDF summary: its parts, their order and their wording."""

from __future__ import annotations

import io
import re

import pikepdf
import pytest

from ivig_home.checklist import NOT_A_DECISION, assess, load
from ivig_home.checklist.summary import summary
from ivig_home.report import TITLE
from tests.answers import clean, example
from tests.pdf_tools import (
    EXAMPLE_NAMES,
    example_pdf,
    loose,
    page_count,
    render,
    structure_elements,
    text_of,
)

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
        question = attention.index(loose(f"{flag['question']}"), position)
        if flag["item"] == "notes_for_team":  # the patient's own words, not a reason
            words = attention.index(loose(f"The patient wrote: {flag['answer']}"), question)
            position = attention.index(loose(f"Rule id: {flag['item']}"), words)
            continue
        sources = "; ".join(flag["sources"])  # type: ignore[arg-type]
        answer = attention.index(loose(f"Answer: {flag['answer']}"), question)
        reason = attention.index(loose(f"Why flagged: {flag['reason']}"), answer)
        source = attention.index(loose(f"Source: {sources}"), reason)
        position = attention.index(loose(f"Rule id: {flag['item']}"), source)
    assert position or not flags_in_order(name)


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_groups_come_in_severity_order_and_one_line_names_the_empty_ones(name: str) -> None:
    text = text_of(example_pdf(name))
    groups = summary(assess(example(name)))["groups"]
    cards = {group["label"]: [f for f in group["flags"] if f["item"] != "notes_for_team"]
             for group in groups}
    positions = [text.index(f"{group['symbol']} {group['label']} ({len(cards[group['label']])}):")
                 for group in groups if cards[group["label"]]]
    assert positions == sorted(positions)
    empty = [group["label"] for group in groups if not group["flags"]]
    assert "None" not in text.split()
    if empty:
        listed = ", ".join(empty[:-1]) + " or " + empty[-1] if len(empty) > 1 else empty[0]
        assert text.count(f"Nothing flagged as {listed}.") == 1
    else:
        assert "Nothing flagged as" not in text


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_what_needs_attention_starts_on_page_one(name: str) -> None:
    first_page = text_of(example_pdf(name), first=1, last=1)
    assert TITLE in first_page and NOT_A_DECISION in first_page
    assert "Needs attention" in first_page
    flags = flags_in_order(name)
    if flags:
        assert flags[0]["question"] in first_page
    else:
        assert "Nothing flagged as Emergency, Urgent, Discuss, Prepare or Note." in first_page


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_no_eligibility_verdict_appears(name: str) -> None:
    text = text_of(example_pdf(name))
    assert VERDICTS.findall(text) == []
    assert NOT_A_DECISION in text


def test_header_names_patient_agency_completion_reference_and_checklist() -> None:
    text = text_of(example_pdf("emergency"), first=1, last=1)
    for expected in ("Harbour Home Infusion, phone 555-0142", TITLE, "Patient Mei Chen",
                     "Phone: 555-0100 (the patient's number) Planned infusion: 1 December 2026",
                     "Completed by: The patient Date of birth: 30 September 1988 (age 38)",
                     "Completed: 21 November 2026 at 09:14 UTC", "Reference: HKT-4829",
                     "Checklist: IVIG home-infusion readiness checklist, version 1.1.0"):
        assert expected in text
    caregiver = text_of(example_pdf("clinical-risk-factors"), first=1, last=1)
    assert "Phone: 555-0100 (the caregiver's number)" in caregiver
    assert "Completed by: A caregiver" in caregiver
    bare = text_of(render(clean(contact_phone=..., planned_infusion_date=...)), first=1, last=1)
    assert "Phone: Not given Planned infusion: Not given" in bare


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_every_page_has_the_footer(name: str) -> None:
    pdf = example_pdf(name)
    total = page_count(pdf)
    assert total >= 2
    for number in range(1, total + 1):
        page = text_of(pdf, first=number, last=number)
        assert (f"Summary as sent Reference HKT-4829 Page {number} of {total} "
                "IVIG home checklist, checklist version 1.1.0") in page


def test_an_emergency_submission_says_the_message_was_shown_and_when() -> None:
    text = text_of(example_pdf("emergency"), first=1, last=1)
    assert ("!!! Emergency (1): Symptoms reported now that call for emergency services. "
            "The patient was shown \u201cCall 911 now\u201d on 21 November 2026 at 09:02 UTC. "
            "1. Do you have trouble breathing right now?") in text


@pytest.mark.parametrize("shown,expected,absent", [
    ({"emergency": None, "urgent": "2026-11-21T10:30:00-05:00"},
     "!! Urgent (2): Contact the patient before the next infusion. The patient was shown "
     "\u201cCall your care team today\u201d on 21 November 2026 at 10:30 UTC-05:00. 2. ",
     "Call 911 now"),
    (None, None, "The patient was shown"),
    ({"emergency": None, "urgent": None}, None, "The patient was shown"),
])
def test_messages_shown_are_listed_only_when_shown(shown: dict[str, str | None] | None,
                                                   expected: str | None, absent: str) -> None:
    text = text_of(render(example("emergency"), messages_shown=shown))
    if expected:
        assert expected in text
    assert absent not in text


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_all_answers_is_a_table_naming_flags_by_number_and_items_not_asked_once(
        name: str) -> None:
    text = text_of(example_pdf(name))
    answers = text[text.index("All answers"):text.index("Care-team review")]
    items = load().items
    numbers = {flag["item"]: number
               for number, flag in enumerate(flags_in_order(name), start=1)}
    position = 0
    for section in summary(assess(example(name)))["sections"]:
        position = answers.index(section["title"], position)
        skipped: dict[str, list[str]] = {}
        for row in section["items"]:
            item = items[row["id"]]
            if row["status"] == "not_asked":
                skipped.setdefault(item.not_asked, []).append(item.label)
            elif row["id"] in numbers:
                shown = "Shown in full above" if item.multiline else row["answer"]
                position = answers.index(
                    f"{item.label} (item {numbers[row['id']]} above) {shown}", position)
            else:
                position = answers.index(f"{row['question']} {row['answer']}", position)
        for reason, labels in skipped.items():
            line = f"Not asked, because {reason}: {'; '.join(labels)}."
            assert answers.count(line) == 1, line
    if name == "nothing-to-flag":
        assert ("Not asked, because no problems with past infusions were reported: "
                "Past reactions; Split dose discussed.") in answers
    with pikepdf.open(io.BytesIO(example_pdf(name))) as document:
        kinds = [str(e.get("/S")) for e in structure_elements(document.Root.StructTreeRoot)]
    assert kinds.count("/TH") == kinds.count("/TD") > 20  # question and answer per row


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


def test_each_card_has_its_review_boxes_and_the_review_block_only_the_signature() -> None:
    text = text_of(example_pdf("emergency"))
    attention = text[text.index("Needs attention"):text.index("All answers")]
    review = text[text.index("Care-team review"):]
    flags = flags_in_order("emergency")
    boxes = ("\u2610 Acknowledged \u2610 Contacted patient \u2610 Escalated \u2610 Not applicable "
             "Note:")
    assert attention.count(boxes) == len(flags)
    for flag in flags:
        assert f"Rule id: {flag['item']} {boxes}" in attention
    assert "\u2610" not in text[text.index("All answers"):]
    assert review.startswith("Care-team review Tick what was done in each item\u2019s boxes "
                             "above, then sign. Reviewer name: Signature: Date:")


def test_a_submission_with_nothing_flagged_says_so_in_the_review_block() -> None:
    review = text_of(example_pdf("nothing-to-flag"))
    assert "Care-team review No items were flagged. Reviewer name: Signature: Date:" in review
    assert "\u2610" not in review

