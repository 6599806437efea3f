"""Changed since last time in the PDF: after Needs attention, tagged, fonts embedded, and
the same bytes from the same submission."""

from __future__ import annotations

import io
from typing import Any

import pikepdf

from ivig_home.checklist import assess
from ivig_home.patients.changes import compare
from ivig_home.report import render_pdf
from tests.answers import clean, example
from tests.pdf_tools import context_for, fonts_of, loose, structure_elements, text_of

EARLIER = {"reference": "ACD-1234", "created": "2026-10-31T14:05:00+00:00"}


def _changes(**later: Any) -> dict[str, Any]:
    found = compare(assess(clean()), assess(clean(**later)))
    return {"since": EARLIER,
            "answers": [vars(change) for change in found.answers],
            "flags_new": [vars(flag) for flag in found.flags_new],
            "flags_gone": [vars(flag) for flag in found.flags_gone]}


def test_each_change_has_its_question_both_answers_and_rule_id_after_needs_attention() -> None:
    later = {"kidney_problems": "yes", "medications": "pyridostigmine",
             "contact_phone": "555-0177"}
    context = context_for(clean(**later), changes=_changes(**later))
    pdf = render_pdf(context)
    assert pdf == render_pdf(context)  # the same bytes every time
    text = loose(text_of(pdf))
    part = text[text.index("Changed since last time"):text.index("All answers")]
    assert text.index("Needs attention") < text.index("Changed since last time")
    assert "31 October 2026" in part and "ACD1234" in part
    assert "Have you ever had kidney problems?" in part and "Rule id: kidney_problems" in part
    assert "What medicines do you take?" in part and "Before: Not answered" in part
    assert "Now: pyridostigmine" in part
    assert "Rule id: medications" in part  # a note rule
    assert loose("Before: 555-0100 Now: 555-0177") in part
    assert "Rule id: contact_phone" not in part  # no flag rule: no rule id
    assert "New flags: ? Discuss: Kidney problems (rule id: kidney_problems)" in part
    with pikepdf.open(io.BytesIO(pdf)) as document:
        assert "/StructTreeRoot" in document.Root and bool(document.Root.MarkInfo.Marked)
        kinds = [str(e.get("/S")) for e in structure_elements(document.Root.StructTreeRoot)]
        assert kinds.count("/H2") >= 4  # Needs attention, Changed..., All answers, review
    assert all(font.program for font in fonts_of(pdf))


def test_a_first_checklist_says_so_and_no_patient_says_nothing() -> None:
    first = {"since": None, "answers": [], "flags_new": [], "flags_gone": []}
    text = text_of(render_pdf(context_for(example("nothing-to-flag"), changes=first)))
    assert "First checklist from this patient" in text
    assert "Changed since last time" not in text
    alone = text_of(render_pdf(context_for(example("nothing-to-flag"))))
    assert "First checklist" not in alone and "Changed since last time" not in alone


def test_nothing_changed_is_said() -> None:
    text = text_of(render_pdf(context_for(clean(), changes=_changes())))
    assert "Nothing changed: every answer and every flag are as they were." in text
