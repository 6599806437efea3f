"""Step forms generated from the checklist definition, checked with the checklist's own rules."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from functools import cache
from typing import Any

from werkzeug.datastructures import MultiDict
from wtforms import StringField

from ivig_home.checklist import Step, is_asked, load, prune, validate
from ivig_home.patient import wording
from ivig_home.patient.csrf import DraftForm, SignedForm
from ivig_home.patient.fields import (
    FIELD_TYPES,
    AnswerField,
    DateAnswerField,
    PhoneAnswerField,
)

SHOWN = "shown"  # hidden inputs naming the questions the patient could see when posting


class StepForm(DraftForm):
    """The questions of one section; fields are added per item by `step_form_class`."""

    section: Step
    voice: wording.Voice = wording.PATIENT

    def answer_fields(self) -> Iterator[AnswerField]:
        """Yield the fields of the section's items, in checklist order."""
        for item in self.section.items:
            yield getattr(self, item.id)

    def check(self, stored: Mapping[str, Any], shown: set[str], today: date) -> StepResult:
        """Merge what was posted into the stored answers and check this section's answers."""
        fields = list(self.answer_fields())
        ids = {field.item.id for field in fields}
        merged = {key: value for key, value in stored.items() if key not in ids}
        for field in fields:
            if isinstance(field, DateAnswerField):
                field.check_today(today)
        for field in fields:
            keep = field.item.id in shown and not field.process_errors
            value = field.data if keep else stored.get(field.item.id)
            if value is not None:
                merged[field.item.id] = value
        answers = prune(merged)
        problems = validate({"completed_on": today.isoformat(), "answers": answers})
        refused = {problem.item for problem in problems}
        result = StepResult(answers)
        for field in fields:
            field.message = None
            if not is_asked(field.item, answers):
                continue
            if field.item.id not in shown:
                if field.item.id not in answers:
                    result.appeared.append(field)
                continue
            if field.process_errors:
                field.message = field.process_errors[0]
            elif field.item.id in refused:
                field.message = field.problem_message()
            if field.message:
                result.errors.append(field)
        return result

    def savable(self, result: StepResult, stored: Mapping[str, Any]) -> dict[str, Any]:
        """Return the checked answers, keeping the stored answer where a new one was refused."""
        answers = dict(result.answers)
        for field in result.errors:
            answers.pop(field.item.id, None)
            if field.item.id in stored:
                answers[field.item.id] = stored[field.item.id]
        return prune(answers)


class StepResult:
    """The answers after a post, the fields to correct and the questions that appeared."""

    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers = answers
        self.errors: list[AnswerField] = []
        self.appeared: list[AnswerField] = []

    @property
    def complete(self) -> bool:
        """Return whether the section can be saved and left."""
        return not self.errors and not self.appeared


@cache
def step_form_class(section: Step) -> type[StepForm]:
    """Return the form class for a step: one field per item, named by the item id (made
    once per step)."""
    fields: dict[str, Any] = {"section": section}
    for item in section.items:
        if hasattr(StepForm, item.id):
            raise ValueError(f"item id '{item.id}' clashes with a form attribute")
        kind = PhoneAnswerField if item.input == "tel" else FIELD_TYPES[item.type]
        fields[item.id] = kind(item=item)
    return type(f"{section.id.title().replace('-', '')}StepForm", (StepForm,), fields)


def step_form(section: Step, draft_id: str, stored: Mapping[str, Any],
              formdata: MultiDict[str, str] | None) -> StepForm:
    """Return a step's form, showing what was posted or else the stored answers, its
    questions in the step's voice (a caregiver's page names the patient)."""
    data = {item.id: stored[item.id] for item in section.items if item.id in stored}
    form = step_form_class(section)(formdata=formdata, data=data,
                                       meta={"csrf_context": draft_id})
    form.voice = wording.voice(section, stored)
    for field in form.answer_fields():
        field.voice = form.voice
    return form


def posted_shown(formdata: MultiDict[str, str]) -> set[str]:
    """Return the item ids the patient could see on the page they posted."""
    return set(formdata.getlist(SHOWN))


class ResumeForm(SignedForm):
    """A resume code and the date of birth; posted before there is a draft."""

    code = StringField()
    date_of_birth = DateAnswerField(item=load().items["date_of_birth"])


class InvitationForm(SignedForm):
    """The date of birth that opens an invitation's link."""

    date_of_birth = DateAnswerField(item=load().items["date_of_birth"])


class StartForm(SignedForm):
    """The start button: only its token is posted."""
