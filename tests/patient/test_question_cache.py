"""Questions of fixed answers are rendered once per state and reused, exactly as rendered.

The store of rendered questions (ivig_home/question_cache.py) must give, for every state a
question can be in, the very HTML the form macro gives for it, however many other states
were stored before; and it must never keep anything a patient typed.
"""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from ivig_home.checklist import load
from ivig_home.forms import step_form
from ivig_home.question_cache import FIXED_ANSWERS, QuestionCache
from ivig_home.steps import section_help_now_answers
from tests.patient.client import Patient, clean

SECTIONS = [section for section in load().sections if section.items]
TODAY = date(2026, 11, 21)
AGENCIES = [SimpleNamespace(name="Harbour Home Infusion", phone="555-0142"),
            SimpleNamespace(name="Harbour Home Infusion", phone="555-0100"),
            SimpleNamespace(name="Valley Nurses", phone="555-0142")]


@pytest.fixture()
def macro(ctx: None, bare_app: Flask) -> Any:
    """Inside a request, the question macro of the app's templates."""
    return bare_app.jinja_env.get_template("macros/forms.html").module.question


def posted_values(draw: Any, item: Any) -> list[str]:
    """Draw what a browser (or anyone) could post for an item: an offered value, nothing,
    several values, or a value the item does not offer."""
    offered = [option.value for option in item.options] or ["true", "yes"]
    return draw(st.lists(st.one_of(st.sampled_from(offered),
                                   st.sampled_from(["", "maybe", "<b>x</b>", "true"])),
                         max_size=3))


@st.composite
def question_states(draw: Any) -> tuple[Any, MultiDict[str, str], list[Any]]:
    """Draw a section, what was posted to it (or nothing: a page opened, not posted) and,
    for each of its items, how the step page calls the macro."""
    section = draw(st.sampled_from(SECTIONS))
    formdata: MultiDict[str, str] | None = None
    if draw(st.booleans()):
        formdata = MultiDict()
        for item in section.items:
            for value in posted_values(draw, item):
                formdata.add(item.id, value)
    help_now = section_help_now_answers(section.id)
    calls = [(draw(st.booleans()), draw(st.booleans()),
              help_now.get(item.id) if draw(st.booleans()) else None,
              draw(st.sampled_from([None, *AGENCIES])), draw(st.booleans()))
             for item in section.items]
    return section, formdata, calls


class TestEveryStateIsRenderedAsTheMacroRendersIt:
    @settings(max_examples=60, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(states=st.lists(question_states(), min_size=1, max_size=6))
    def test_a_stored_question_is_the_macros_html(self, macro: Any, states: list[Any]) -> None:
        # One store across many states: a state that left out something the HTML depends
        # on would hand back another state's HTML.
        cache = QuestionCache()
        for section, formdata, calls in states:
            form = step_form(section, "draft-1", {}, formdata)
            if formdata is not None:
                form.validate()
                form.check({}, {item.id for item in section.items}, TODAY)
            for field, args in zip(form.answer_fields(), calls, strict=True):
                assert cache.render(macro, field, *args) == macro(field, *args)

    def test_every_help_now_message_state_is_its_own(self, macro: Any) -> None:
        """Each question with a help-now message, each answer, each agency (names and phones
        shared two by two) and patient or caregiver, through one store."""
        cache = QuestionCache()
        checked = 0
        for section in SECTIONS:
            help_now = section_help_now_answers(section.id)
            for item in section.items:
                if item.id not in help_now:
                    continue
                for value in ["", *item.values]:
                    form = step_form(section, "draft-1", {item.id: value} if value else {}, None)
                    field = getattr(form, item.id)
                    for agency in AGENCIES:
                        for caregiver in (False, True):
                            args = (True, False, help_now[item.id], agency, caregiver)
                            assert cache.render(macro, field, *args) == macro(field, *args)
                            checked += 1
        assert checked > 50

    def test_only_fixed_answers_are_stored(self, macro: Any) -> None:
        cache = QuestionCache()
        for section in SECTIONS:
            for field in step_form(section, "draft-1", {}, None).answer_fields():
                cache.render(macro, field, True)
        kinds = {key[2] for key in cache.entries}
        assert kinds == set(FIXED_ANSWERS)

    def test_a_value_not_offered_is_rendered_but_never_stored(self, macro: Any) -> None:
        cache = QuestionCache()
        section = next(s for s in SECTIONS if any(i.type == "yesno" for i in s.items))
        item = next(i for i in section.items if i.type == "yesno")
        form = step_form(section, "draft-1", {}, MultiDict({item.id: "<b>maybe</b>"}))
        field = getattr(form, item.id)
        assert cache.render(macro, field, True) == macro(field, True)
        assert cache.entries == {}

    def test_the_store_is_emptied_when_full(self, macro: Any) -> None:
        cache = QuestionCache(max_entries=3)
        fields = [field for section in SECTIONS
                  for field in step_form(section, "draft-1", {}, None).answer_fields()
                  if field.kind in FIXED_ANSWERS]
        for field in fields[:3]:
            cache.render(macro, field, True)
        assert len(cache.entries) == 3
        cache.render(macro, fields[3], True)
        assert len(cache.entries) == 1


def test_step_pages_reuse_questions_and_keep_no_typed_answer(app: Flask) -> None:
    """Through the app: the same step shown twice is the same page, its choice questions
    come from the store, and a typed name or date of birth is in no stored entry."""
    patient = Patient(app, app.test_client())
    patient.start()
    answers = clean()
    patient.complete_until("today", answers)
    first = patient.get("treatment").get_data(as_text=True)
    cache = app.extensions["ivig_home.question_cache"]
    stored = len(cache.entries)
    assert stored > 0
    assert patient.get("treatment").get_data(as_text=True) == first
    assert len(cache.entries) == stored
    about = patient.get("about").get_data(as_text=True)
    name = answers["patient_name"]
    assert name in about
    assert all(name not in html for html in cache.entries.values())
    assert all(key[2] in FIXED_ANSWERS for key in cache.entries)
