"""The step forms are generated from the definition and agree with the checklist's rules."""

from __future__ import annotations

import re
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask, g, render_template_string
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from ivig_home.checklist import Step, load, validate
from ivig_home.patient.forms import StepForm, step_form
from tests.answers import example

TODAY = date(2026, 11, 21)
# A whole section as one form: the fields behave the same on whichever step they are.
SECTIONS = {section.id: Step(section.id, section, section.items) for section in load().sections}
ITEMS = load().items


def stored() -> dict[str, Any]:
    return example("nothing-to-flag")["answers"]


def post(section_id: str, data: dict[str, Any], answers: dict[str, Any] | None = None,
         shown: set[str] | None = None) -> tuple[StepForm, Any]:
    """Post data to a section's form and check it, as the step view does."""
    answers = stored() if answers is None else answers
    section = SECTIONS[section_id]
    formdata = MultiDict()
    for key, value in data.items():
        for one in value if isinstance(value, list) else [value]:
            formdata.add(key, one)
    form = step_form(section, "draft-1", answers, formdata)
    form.validate()
    visible = shown if shown is not None else {item.id for item in section.items}
    return form, form.check(answers, visible, TODAY)


@pytest.fixture()
def gb(ctx: None) -> None:
    """The page is an en-GB agency's: dates are written day first."""
    g.agency = SimpleNamespace(locale="en-GB")


def render(field: Any) -> str:
    return render_template_string(
        '{% import "macros/forms.html" as forms %}{{ forms.question(f, True, False) }}', f=field)


@pytest.mark.parametrize("item_id", list(ITEMS))
def test_every_item_renders_inputs_named_by_its_id_with_the_spec_values(ctx: None,
                                                                        item_id: str) -> None:
    item = ITEMS[item_id]
    form = step_form(SECTIONS[item.section], "draft-1", {}, None)
    html = render(getattr(form, item_id))
    if item.type == "date":
        for part in ("day", "month", "year"):
            assert f'name="{item_id}-{part}"' in html
        assert html.count('inputmode="numeric"') == 3
        assert 'type="date"' not in html
        assert "<legend" in html
    elif item.options:
        values = re.findall(rf'name="{item_id}" value="([^"]+)"', html)
        assert values == list(item.values)
        assert "<fieldset" in html and "<legend" in html
        if item.type in ("yesno", "ability", "purpose"):
            assert "Not sure" in html
    elif item.type == "ack":
        assert f'name="{item_id}" value="true"' in html
    else:
        assert f'name="{item_id}"' in html
        assert f'<label class="question__label" for="{item_id}">' in html
    if item.hint:
        assert f'aria-describedby="{item_id}-hint"' in html


def test_a_date_of_birth_fills_in_with_the_browser_birthday() -> None:
    assert ITEMS["date_of_birth"].autocomplete == "bday"


@pytest.mark.parametrize(("section_id", "data", "item_id", "message"), [
    ("today", {}, "breathing_trouble_now", "Select yes, no or not sure"),
    ("today", {"breathing_trouble_now": "maybe"}, "breathing_trouble_now",
     "Select yes, no or not sure"),
    ("about", {}, "date_of_birth", "Enter the date of birth as month, day and year"),
    ("about", {"date_of_birth-day": "2", "date_of_birth-year": "1958"}, "date_of_birth",
     "The date of birth must include a month"),
    ("about", {"date_of_birth-day": "31", "date_of_birth-month": "2",
               "date_of_birth-year": "1958"}, "date_of_birth",
     "The date of birth must be a real date"),
    ("about", {"date_of_birth-day": "12", "date_of_birth-month": "25",
               "date_of_birth-year": "1960"}, "date_of_birth",
     "Put the month first, then the day: the month of the date of birth must be 1 to 12"),
    ("about", {"date_of_birth-day": "2", "date_of_birth-month": "4",
               "date_of_birth-year": "58"}, "date_of_birth",
     "The year must have 4 numbers, for example 1958"),
    ("about", {"date_of_birth-day": "2", "date_of_birth-month": "4",
               "date_of_birth-year": "2099"}, "date_of_birth",
     "The date of birth must be today or in the past"),
    ("about", {"date_of_birth-day": "2", "date_of_birth-month": "4",
               "date_of_birth-year": "1850"}, "date_of_birth",
     "The date of birth must be in 1900 or later"),
    ("about", {}, "patient_name", "Enter the patient name"),
    ("about", {"patient_name": "x" * 201}, "patient_name",
     "Patient name must be 200 characters or fewer"),
    ("about", {}, "completed_by", "Select one answer"),
    ("treatment", {"supervised_infusions": "lots"}, "supervised_infusions",
     "Enter a whole number from 0 to 500"),
    ("treatment", {"supervised_infusions": "501"}, "supervised_infusions",
     "Enter a whole number from 0 to 500"),
    ("treatment", {"supervised_infusions": "-1"}, "supervised_infusions",
     "Enter a whole number from 0 to 500"),
    ("treatment", {}, "ivig_purpose", "Select why you are having IVIG, or not sure"),
    ("monitoring", {}, "can_check_blood_pressure", "Select who can do this, or not sure"),
    ("confirm", {}, "ack_accurate", "Tick the box to confirm this"),
])
def test_each_answer_type_says_what_to_do_and_keeps_what_was_entered(
        ctx: None, section_id: str, data: dict[str, Any], item_id: str, message: str) -> None:
    answers = {k: v for k, v in stored().items() if ITEMS[k].section != section_id}
    form, result = post(section_id, data, answers)
    errors = {field.item.id: field.message for field in result.errors}
    assert errors[item_id] == message
    field = getattr(form, item_id)
    html = render(field)
    assert message in html and 'aria-invalid="true"' in html
    for key, value in data.items():
        offered = not ITEMS[item_id].options or value in ITEMS[item_id].values
        if key.startswith(item_id) and isinstance(value, str) and offered:
            assert f'value="{value}"' in html or f">{value}<" in html


def test_a_complete_section_is_accepted_and_merged_into_the_answers(ctx: None) -> None:
    answers = stored()
    today = {item.id: answers[item.id] for item in SECTIONS["today"].items}
    _, result = post("today", today, answers)
    assert result.complete
    assert result.answers == answers


def test_a_follow_up_not_yet_seen_appears_instead_of_an_error(ctx: None) -> None:
    answers = {k: v for k, v in stored().items() if ITEMS[k].section != "treatment"}
    data = {"ivig_purpose": "maintenance", "supervised_infusions": "3", "same_brand": "yes",
            "last_infusion_date-day": "1", "last_infusion_date-month": "11",
            "last_infusion_date-year": "2026"}
    shown = {"ivig_purpose", "supervised_infusions", "brand_name"}
    _, result = post("treatment", data, answers, shown)
    assert not result.errors
    assert [f.item.id for f in result.appeared] == [
        "prior_problems", "last_infusion_date", "same_brand"]
    assert not result.complete


def test_changing_an_answer_removes_the_follow_ups_it_no_longer_asks(ctx: None) -> None:
    answers = stored() | {"prior_problems": "yes", "prior_reactions": ["headache"],
                          "split_dose_discussed": "yes"}
    data = {"ivig_purpose": "maintenance", "supervised_infusions": "0",
            "prior_problems": "yes", "prior_reactions": ["headache"],
            "split_dose_discussed": "yes", "same_brand": "yes"}
    _, result = post("treatment", data, answers)
    assert result.complete
    for gone in ("prior_problems", "prior_reactions", "split_dose_discussed",
                 "last_infusion_date", "same_brand"):
        assert gone not in result.answers
    assert result.answers["supervised_infusions"] == 0


def test_clearing_an_optional_answer_removes_it(ctx: None) -> None:
    answers = stored() | {"brand_name": "Gamunex-C"}
    data = {key: str(answers[key]) for key in ("ivig_purpose", "supervised_infusions",
                                               "prior_problems", "same_brand")}
    data |= {"last_infusion_date-day": "24", "last_infusion_date-month": "10",
             "last_infusion_date-year": "2026", "brand_name": "  "}
    _, result = post("treatment", data, answers)
    assert result.complete and "brand_name" not in result.answers


def test_a_field_refused_on_save_keeps_the_stored_answer(ctx: None) -> None:
    answers = stored()
    form, result = post("treatment", {"supervised_infusions": "many", "ivig_purpose": "flare"},
                        answers)
    kept = form.savable(result, answers)
    assert kept["supervised_infusions"] == answers["supervised_infusions"]
    assert kept["ivig_purpose"] == "flare"


@settings(max_examples=150, deadline=None)
@given(text=st.one_of(st.integers(-50, 1000).map(str), st.text(max_size=8),
                      st.sampled_from(["", " 7 ", "1,000", "0", "500", "3.0", "٣"])))
def test_counts_are_accepted_exactly_when_the_checklist_accepts_them(
        bare_app: Flask, text: str) -> None:
    with bare_app.test_request_context("/", method="POST"):
        answers = {k: v for k, v in stored().items() if ITEMS[k].section != "treatment"}
        data = {"ivig_purpose": "maintenance", "supervised_infusions": text}
        form, result = post("treatment", data, answers, {"ivig_purpose", "supervised_infusions"})
        refused = {f.item.id for f in result.errors}
        plain = text.strip().replace(",", "")
        fits = plain.isascii() and plain.isdigit() and int(plain) <= 500
        assert ("supervised_infusions" not in refused) == fits
        if fits:
            document = {"completed_on": TODAY.isoformat(), "answers": result.answers}
            assert not [p for p in validate(document) if p.item == "supervised_infusions"]
            assert result.answers["supervised_infusions"] == int(plain)


@settings(max_examples=150, deadline=None)
@given(day=st.integers(-1, 33), month=st.integers(0, 13), year=st.integers(1850, 2100))
def test_dates_are_accepted_exactly_when_they_are_real_and_not_in_the_future(
        bare_app: Flask, day: int, month: int, year: int) -> None:
    with bare_app.test_request_context("/", method="POST"):
        data = {"date_of_birth-day": str(day), "date_of_birth-month": str(month),
                "date_of_birth-year": str(year)}
        _, result = post("about", data, {}, {"date_of_birth"})
        refused = {f.item.id for f in result.errors}
        try:
            real = date(year, month, day)
        except ValueError:
            real = None
        fits = real is not None and date(1900, 1, 1) <= real <= TODAY
        assert ("date_of_birth" not in refused) == fits
        if fits:
            assert result.answers["date_of_birth"] == real.isoformat()


SWAPPED = "Put the day first, then the month: the month of the %s must be 1 to 12"
REAL = "The %s must be a real date"


@pytest.mark.parametrize(("day", "month", "message"), [
    ("12", "25", SWAPPED), ("1", "13", SWAPPED), ("12", "31", SWAPPED), ("03", "27", SWAPPED),
    ("13", "25", REAL), ("0", "25", REAL), ("5", "32", REAL), ("5", "0", REAL),
    ("31", "2", REAL), ("30", "13", REAL),
])
def test_a_date_written_month_first_is_told_the_order(gb: None, day: str, month: str,
                                                      message: str) -> None:
    """Day-first boxes (en-GB): a month box of 13 to 31 with a day box of 1 to 12 looks like a
    US month-first date."""
    data = {"date_of_birth-day": day, "date_of_birth-month": month,
            "date_of_birth-year": "1960"}
    form, result = post("about", data, {}, {"date_of_birth"})
    assert [(f.item.id, f.message) for f in result.errors] == [
        ("date_of_birth", message % "date of birth")]
    assert message % "date of birth" in render(form.date_of_birth)
    answers = {"supervised_infusions": 3}
    data = {"last_infusion_date-day": day, "last_infusion_date-month": month,
            "last_infusion_date-year": "2026"}
    _, result = post("treatment", data, answers, {"last_infusion_date"})
    assert {f.item.id: f.message for f in result.errors}["last_infusion_date"] == (
        message % "last infusion date")


US_SWAPPED = "Put the month first, then the day: the month of the %s must be 1 to 12"


def test_a_date_written_day_first_in_us_boxes_is_told_the_order(ctx: None) -> None:
    """Month-first boxes (the default, en-US): '14 3 1955' typed as a UK date is told apart."""
    data = {"date_of_birth-month": "14", "date_of_birth-day": "3", "date_of_birth-year": "1955"}
    form, result = post("about", data, {}, {"date_of_birth"})
    assert [f.message for f in result.errors] == [US_SWAPPED % "date of birth"]
    data = {"date_of_birth-month": "3", "date_of_birth-day": "14", "date_of_birth-year": "1955"}
    _, result = post("about", data, {}, {"date_of_birth"})
    assert not result.errors and result.answers["date_of_birth"] == "1955-03-14"


def test_us_date_boxes_come_month_day_year_with_a_month_first_hint(ctx: None) -> None:
    form = step_form(SECTIONS["about"], "draft-1", {}, None)
    html = render(form.date_of_birth)
    order = [html.index(f'name="date_of_birth-{part}"') for part in ("month", "day", "year")]
    assert order == sorted(order)
    labels = re.findall(r'class="date-input__label" for="[^"]+">(\w+)<', html)
    assert labels == ["Month", "Day", "Year"]
    assert '<div id="date_of_birth-hint" class="hint">For example, 3 27 1958.</div>' in html
    _, result = post("about", {}, {}, {"date_of_birth"})
    assert form.date_of_birth.anchor == "date_of_birth-month"


def test_gb_date_boxes_stay_day_month_year(gb: None) -> None:
    form = step_form(SECTIONS["about"], "draft-1", {}, None)
    html = render(form.date_of_birth)
    order = [html.index(f'name="date_of_birth-{part}"') for part in ("day", "month", "year")]
    assert order == sorted(order)
    assert '<div id="date_of_birth-hint" class="hint">For example, 27 3 1958.</div>' in html
    form, result = post("about", {}, {}, {"date_of_birth"})
    assert [f.message for f in result.errors] == [
        "Enter the date of birth as day, month and year"]


def test_the_same_date_day_first_is_accepted(gb: None) -> None:
    data = {"date_of_birth-day": "25", "date_of_birth-month": "12",
            "date_of_birth-year": "1960"}
    _, result = post("about", data, {}, {"date_of_birth"})
    assert not result.errors
    assert result.answers["date_of_birth"] == "1960-12-25"


def test_the_date_hints_give_an_example_that_cannot_be_read_month_first(gb: None) -> None:
    examples = {item.id: re.search(r"For example, (\d+) (\d+) (\d{4})\.", item.hint)
                for item in ITEMS.values() if item.type == "date" and item.hint
                and "For example" in item.hint}
    assert {"date_of_birth", "last_infusion_date"} <= set(examples)
    for item_id, found in examples.items():
        assert found, item_id
        day, month, year = (int(part) for part in found.groups())
        assert day > 12 and date(year, month, day), item_id
    form = step_form(SECTIONS["about"], "draft-1", {}, None)
    assert '<div id="date_of_birth-hint" class="hint">For example, 27 3 1958.</div>' in render(
        form.date_of_birth)


def test_a_planned_date_may_be_in_the_future(ctx: None) -> None:
    soon = TODAY + timedelta(days=10)
    data = {"planned_infusion_date-day": str(soon.day),
            "planned_infusion_date-month": str(soon.month),
            "planned_infusion_date-year": str(soon.year)}
    _, result = post("about", data, {}, {"planned_infusion_date"})
    assert result.answers["planned_infusion_date"] == soon.isoformat()


def test_a_last_infusion_month_and_year_is_a_rough_date_the_checklist_takes(ctx: None) -> None:
    """The hint says a rough date is fine: the day box may be left empty."""
    form = step_form(SECTIONS["treatment"], "draft-1", {"supervised_infusions": 3}, None)
    assert "You can leave the day empty." in render(form.last_infusion_date)
    data = {"last_infusion_date-month": "9", "last_infusion_date-year": "2026"}
    _, result = post("treatment", data, {"supervised_infusions": 3}, {"last_infusion_date"})
    assert "last_infusion_date" not in {f.item.id for f in result.errors}
    assert result.answers["last_infusion_date"] == "2026-09-01"
    answers = {**stored(), **result.answers}
    assert not validate({"completed_on": TODAY.isoformat(), "answers": answers})
    # The date of birth is not rough: its day is still needed.
    data = {"date_of_birth-month": "9", "date_of_birth-year": "1958"}
    _, result = post("about", data, {}, {"date_of_birth"})
    assert [f.message for f in result.errors] == ["The date of birth must include a day"]


def test_a_planned_infusion_date_in_the_past_is_refused_naming_it(ctx: None) -> None:
    past = TODAY - timedelta(days=3)
    data = {"planned_infusion_date-day": str(past.day),
            "planned_infusion_date-month": str(past.month),
            "planned_infusion_date-year": str(past.year)}
    _, result = post("about", data, {}, {"planned_infusion_date"})
    assert [(f.item.id, f.message) for f in result.errors] == [
        ("planned_infusion_date", "The planned infusion date must be today or later")]
    assert "planned_infusion_date" not in result.answers


@pytest.mark.parametrize("number", ["555 123 4567", "(555) 123-4567", "+1 555.123.4567",
                                    "555-123-4567 x123", "555 123 4567 ext. 123",
                                    "+44 20 7946 0958"])
def test_the_phone_box_takes_a_phone_number(ctx: None, number: str) -> None:
    _, result = post("about", {"contact_phone": number}, {}, {"contact_phone"})
    assert "contact_phone" not in {f.item.id for f in result.errors}
    assert result.answers["contact_phone"] == number


@pytest.mark.parametrize("words", ["call my daughter", "555", "555-CALL-NOW", "5551234567 ok"])
def test_the_phone_box_says_so_for_words_and_keeps_the_rest(ctx: None, words: str) -> None:
    data = {"contact_phone": words, "patient_name": "Ana Ruiz", "completed_by": "caregiver"}
    form, result = post("about", data, {}, {"contact_phone", "patient_name", "completed_by"})
    message = ("Enter the contact phone as a phone number, like 555 123 4567 or "
               "555 123 4567 ext. 12, or leave it empty")
    assert {f.item.id: f.message for f in result.errors}["contact_phone"] == message
    assert "contact_phone" not in result.answers
    assert result.answers["patient_name"] == "Ana Ruiz"
    assert result.answers["completed_by"] == "caregiver"
    html = render(form.contact_phone)
    assert message in html and f'value="{words}"' in html
