"""The PDF as a nurse uses it: whom to call on page one, each flag once with its review boxes,
the patient's own words, a reviewed copy that shows what was ticked, and a signature block
that never stands alone on the last page."""

from __future__ import annotations

import re
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from ivig_home.checklist import assess, load
from tests.answers import clean, example
from tests.pdf_tools import (
    AGENCY,
    EMERGENCY_SHOWN,
    EXAMPLE_NAMES,
    example_pdf,
    figures,
    loose,
    page_count,
    render,
    review_boxes,
    text_of,
    ticked,
)

NEW_YORK = AGENCY | {"time_zone": "America/New_York"}
DISPOSITIONS = ("Acknowledged", "Contacted patient", "Escalated", "Not applicable")
REVIEW = {"reviewer": "Sam Lee, RN", "reviewed_at": "2026-11-22T15:30:00+00:00",
          "note": "Spoke with the patient and the on-call physician.",
          "items": {"breathing_trouble_now": {"dispositions": ["contacted_patient", "escalated"],
                                              "note": "Called 911 with the patient."},
                    "swallowing_trouble_now": {"dispositions": ["acknowledged"]},
                    "weakness_worse_now": {"dispositions": ["contacted_patient", "escalated",
                                                            "acknowledged"]},
                    "ivig_purpose": {"dispositions": ["not_applicable"]},
                    "notes_for_team": {"dispositions": ["acknowledged"], "note": "Noted."}}}


@cache
def reviewed_pdf() -> bytes:
    """Return the emergency example's reviewed copy, in New York time."""
    return render(example("emergency"), agency=NEW_YORK, messages_shown=EMERGENCY_SHOWN,
                  review=REVIEW, original_sha256="0" * 64)


EVERY_COPY = (*EXAMPLE_NAMES, "reviewed emergency")


def pdf_of(name: str) -> bytes:
    """Return an example as issued, or the emergency example's reviewed copy."""
    return reviewed_pdf() if name == "reviewed emergency" else example_pdf(name)


def flags_of(name: str) -> list[Any]:
    """Return the flags of an example (the reviewed copy is the emergency example's)."""
    return assess(example(name.removeprefix("reviewed "))).flags


def test_page_one_says_whom_to_call_and_what_the_patient_was_told_when() -> None:
    pdf = render(example("emergency"), agency=NEW_YORK, messages_shown=EMERGENCY_SHOWN)
    page_one = text_of(pdf, first=1, last=1)
    for expected in ("Phone: 555-0100 (the patient's number)", "Completed by: The patient",
                     "Planned infusion: 1 December 2026",
                     "The patient was shown \u201cCall 911 now\u201d on 21 November 2026 at "
                     "04:02 EST."):
        assert expected in page_one
    urgent = render(clean(weakness_worse_now="yes", completed_by="caregiver"), agency=NEW_YORK,
                    messages_shown={"emergency": None, "urgent": "2026-11-21T09:05:00+00:00"})
    page_one = text_of(urgent, first=1, last=1)
    assert "Phone: 555-0100 (the caregiver's number)" in page_one
    assert "Completed by: A caregiver" in page_one
    assert ("!! Urgent (1): Contact the patient before the next infusion. The patient was shown "
            "\u201cCall your care team today\u201d on 21 November 2026 at 04:05 EST.") in page_one


def test_a_message_shown_for_an_answer_later_changed_is_still_reported() -> None:
    text = text_of(render(clean(), messages_shown=EMERGENCY_SHOWN), first=1, last=1)
    assert ("!!! Emergency: none in the answers sent The patient was shown "
            "\u201cCall 911 now\u201d on 21 November 2026 at 09:02 UTC.") in text


@pytest.mark.parametrize("name", EVERY_COPY)
def test_each_flag_is_printed_once(name: str) -> None:
    pdf = pdf_of(name)
    text = loose(text_of(pdf))
    flags = flags_of(name)
    for flag in flags:
        assert text.count(loose(flag.item.question)) == 1, flag.item.id
        assert text.count(f"Rule id: {flag.item.id}") == 1, flag.item.id
    # Each card carries its four boxes; nothing else in the PDF does.
    boxes = review_boxes(pdf) if name.startswith("reviewed") else re.findall("\u2610", text)
    assert len(boxes) == len(DISPOSITIONS) * len(flags)


@pytest.mark.parametrize("name", EVERY_COPY)
def test_no_none_lines_and_no_package_name(name: str) -> None:
    pdf = pdf_of(name)
    text = text_of(pdf)
    assert not re.search(r"\bNone\b", text)
    assert "ivig_home" not in text
    assert "IVIG home checklist, checklist version 1.1.0" in text_of(pdf, first=1, last=1)


def test_the_product_name_is_the_one_given() -> None:
    pdf = render(clean(), product_name="Harbour infusion prep")
    text = text_of(pdf)
    assert "Harbour infusion prep, checklist version 1.1.0" in text
    assert "IVIG home checklist" not in text


def test_the_patients_note_is_read_as_their_words_not_as_a_note_flag() -> None:
    words = "My eyelids have been drooping more since Tuesday."
    text = text_of(render(clean(notes_for_team=words, medications="Pyridostigmine 60 mg")))
    attention = text[text.index("Needs attention"):text.index("All answers")]
    note_group = attention[attention.index("i Note (1): Information for the team; no action "
                                           "implied."):]
    own = note_group.index("i The patient\u2019s note to the care team")
    assert "Pyridostigmine 60 mg" in note_group[:own]  # the medicines stay a note
    assert words not in note_group[:own]
    assert f"The patient wrote: {words} Rule id: notes_for_team" in note_group[own:]
    assert text.count(words) == 1
    assert "Notes for the care team (item 2 above) Shown in full above" in text


def test_the_patients_note_keeps_its_line_breaks() -> None:
    pdf = render(clean(notes_for_team="First line.\nSecond line."))
    layout = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True,
                            check=True, timeout=60).stdout.decode()
    lines = [line.strip() for line in layout.splitlines()]
    assert lines[lines.index("First line.") + 1] == "Second line."


def test_the_reviewed_copy_names_the_reviewer_on_page_one_and_says_so_in_every_footer() -> None:
    pdf = reviewed_pdf()
    page_one = text_of(pdf, first=1, last=1)
    assert ("Reviewed copy: reviewed by Sam Lee, RN on 22 November 2026 at 10:30 EST"
            in page_one)
    total = page_count(pdf)
    for number in range(1, total + 1):
        assert (f"Reviewed copy Reference HKT-4829 Page {number} of {total} "
                in text_of(pdf, first=number, last=number))
    assert "Summary as sent" not in text_of(pdf)
    assert "Summary as sent Reference" in text_of(example_pdf("emergency"), first=1, last=1)


def test_the_reviewed_copy_draws_each_tick_and_a_screen_reader_hears_it() -> None:
    pdf = reviewed_pdf()
    text = text_of(pdf)
    assert "(ticked)" not in text and "\u2610" not in text and "\u2612" not in text
    expected = []
    for flag in assess(example("emergency")).flags:
        chosen = REVIEW["items"][flag.item.id]["dispositions"]
        expected += [("Checked" if key in chosen else "Not checked", label)
                     for key, label in zip(("acknowledged", "contacted_patient", "escalated",
                                            "not_applicable"), DISPOSITIONS, strict=True)]
    assert review_boxes(pdf) == expected
    assert ticked(pdf)[:2] == ["Contacted patient", "Escalated"]  # two at once on item 1
    assert "Note: Called 911 with the patient." in text
    assert "Review notes: Spoke with the patient and the on-call physician." in text


def test_a_ticked_box_is_filled_and_an_empty_one_is_not(tmp_path: Path) -> None:
    pdf = reviewed_pdf()
    boxes = [(alt, box) for alt, page, box in figures(pdf)
             if page == 1 and alt in ("Checked", "Not checked")]
    assert {alt for alt, _ in boxes} == {"Checked", "Not checked"}
    # Rendered at 96 dpi, one pixel is one CSS pixel, the unit of the figures' boxes.
    (tmp_path / "reviewed.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "96", "-f", "1", "-l", "1", "-gray", "-png", "-singlefile",
                    str(tmp_path / "reviewed.pdf"), str(tmp_path / "page")],
                   check=True, timeout=60)
    image = Image.open(tmp_path / "page.png").convert("L")
    for alt, (left, top, right, bottom) in boxes:
        inside = image.crop((round(left), round(top), round(right), round(bottom)))
        dark = sum(inside.histogram()[:128]) / (inside.width * inside.height)
        if alt == "Checked":
            assert dark > 0.6, (alt, dark)
        else:
            assert 0.1 < dark < 0.45, (alt, dark)


def _last_page_stands_alone(pdf: bytes) -> bool:
    total = page_count(pdf)
    return text_of(pdf, first=total, last=total).startswith("Care-team review")


@pytest.mark.parametrize("name", EVERY_COPY)
def test_the_signature_block_never_stands_alone_on_the_last_page(name: str) -> None:
    assert not _last_page_stands_alone(pdf_of(name))


def test_the_signature_block_keeps_company_whatever_comes_before_it() -> None:
    # Notes of growing length move the page break through every line near the review block.
    lengths = range(30, 62, 2)
    totals = set()
    for length in lengths:
        note = "\n".join(f"Line {number}" for number in range(length))
        pdf = render(clean(notes_for_team=note))
        totals.add(page_count(pdf))
        assert not _last_page_stands_alone(pdf), length
    assert len(totals) > 1  # the break did move across a page


def test_every_item_not_asked_is_named_once() -> None:
    text = text_of(example_pdf("nothing-to-flag"))
    for item in load().items.values():
        if item.when is not None and item.id not in example("nothing-to-flag")["answers"]:
            assert text.count(f"{item.label}") == 1, item.id
