"""The definition's caregiver wording and its steps are checked when it is loaded: a text a
caregiver reads that still says "you" has its caregiver's form, and every step id is new."""

from __future__ import annotations

import io
from importlib import resources

import pytest

from ivig_home.checklist import DefinitionError, load
from ivig_home.checklist.definition import parse_text
from ivig_home.i18n import extract_checklist

TEXT = resources.files("ivig_home.checklist").joinpath("ivig_home_v1.toml").read_text("utf-8")


@pytest.mark.parametrize(("old", "new", "named"), [
    # A question a caregiver reads, its caregiver's form gone.
    ('caregiver_question = "Does %(name)s have diabetes?"\n', "", "diabetes"),
    # A flagged line shown on the check page, even before "who is filling this in".
    ('caregiver_patient = "Their age (65 or over)"\n', "", "date_of_birth"),
    # An answer that says "I" ("Feeling sick to your stomach").
    (', caregiver_label = "Feeling sick to their stomach"', "", "prior_reactions"),
    # A placeholder other than the name.
    ('"Does %(name)s have diabetes?"', '"Does %(patient)s have diabetes?"', "diabetes"),
    # A section title that says "you".
    ('caregiver_title = "How %(name)s feels today"\n', "", "section today"),
    # Step ids: used twice, or taking the name of another page.
    ('new_step = "history-risks"', 'new_step = "history-clots"', "diabetes"),
    ('new_step = "about-who"', 'new_step = "sent"', "completed_by"),
])
def test_a_broken_caregiver_form_or_step_id_stops_the_load_naming_the_item(
        old: str, new: str, named: str) -> None:
    assert old in TEXT
    with pytest.raises(DefinitionError, match=f"item '{named}'"):
        parse_text(TEXT.replace(old, new, 1))


def test_every_text_a_caregiver_reads_is_extracted_for_translation() -> None:
    found = {message for _, _, message, _ in extract_checklist(
        io.BytesIO(TEXT.encode()), None, None, None)}
    items = load().items
    for item in items.values():
        for text in (item.caregiver_question, item.caregiver_hint, item.caregiver_patient):
            assert not text or text in found, text
    assert "Feeling sick to their stomach" in found and "%(name)s can" in found
    assert "How %(name)s feels today" in found
