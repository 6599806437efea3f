"""Fill in the patient checklist through Flask's test client, posting what a browser posts."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from ivig_home.checklist import is_asked, load, prune, steps
from ivig_home.intake import drafts
from tests.answers import example

# The pages of the checklist by id: a section's steps (a long section has several).
SECTIONS = {step.id: step for step in steps.sections()}
ITEMS = load().items
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
DRAFT = re.compile(r"/a/[^/]+/d/([^/?]+)/")


def clean(**changes: Any) -> dict[str, Any]:
    """Return the nothing-to-flag example's answers, with some changed; its planned infusion
    date is moved a month from today (the form refuses a planned date in the past)."""
    planned = {"planned_infusion_date": (date.today() + timedelta(days=30)).isoformat()}
    return example("nothing-to-flag")["answers"] | planned | changes


def token_in(html: str) -> str:
    """Return the CSRF token of the page's form."""
    match = TOKEN.search(html)
    assert match, "the page has no form token"
    return match.group(1)


def as_posted(item_id: str, value: Any) -> dict[str, Any]:
    """Return one answer the way the form posts it."""
    item = ITEMS[item_id]
    if item.type == "date":
        day = date.fromisoformat(value)
        return {f"{item_id}-day": str(day.day), f"{item_id}-month": str(day.month),
                f"{item_id}-year": str(day.year)}
    if item.type == "multi":
        return {item_id: list(value)}
    if item.type == "ack":
        return {item_id: "true"} if value else {}
    return {item_id: str(value)}


def section_form(section_id: str, answers: dict[str, Any]) -> dict[str, Any]:
    """Return a section's answers as posted, naming every question the patient could see."""
    asked = [item.id for item in SECTIONS[section_id].items if is_asked(item, answers)]
    data: dict[str, Any] = {"shown": asked}
    for item_id in asked:
        if item_id in answers:
            data.update(as_posted(item_id, answers[item_id]))
    return data


SECTION_IDS = {section.id for section in load().sections}


def step_of(item_id: str) -> str:
    """Return the id of the step that asks an item."""
    return next(step.id for step in SECTIONS.values()
                if any(item.id == item_id for item in step.items))


def last_step_of(section_id: str) -> Any:
    """Return the last step of a section (None for a name that is no section's)."""
    found = [step for step in SECTIONS.values() if step.section.id == section_id]
    return found[-1] if found else None


class Patient:
    """One patient's draft, driven through the test client."""

    def __init__(self, app: Flask, client: FlaskClient, slug: str = "demo") -> None:
        self.app = app
        self.client = client
        self.slug = slug
        self.draft_id = ""

    def start(self) -> str:
        """Press Start now; return the new draft's id."""
        page = self.client.get(f"/a/{self.slug}/")
        response = self.client.post(f"/a/{self.slug}/", data={"csrf_token": token_in(page.text)})
        assert response.status_code == 303, response.text
        match = DRAFT.search(response.headers["Location"])
        assert match
        self.draft_id = match.group(1)
        return self.draft_id

    def url(self, page: str) -> str:
        """Return the URL of one of this draft's pages."""
        return f"/a/{self.slug}/d/{self.draft_id}/{page}"

    def get(self, page: str) -> TestResponse:
        """Open a page of the draft."""
        return self.client.get(self.url(page))

    def post(self, page: str, data: dict[str, Any], action: str = "continue",
             token: str | None = None) -> TestResponse:
        """Post a page of the draft with its form token (or the one given)."""
        if token is None:
            token = token_in(self.get(page.split("?")[0]).text)
        return self.client.post(self.url(page), data={**data, "csrf_token": token,
                                                      "action": action})

    def answer(self, section_id: str, answers: dict[str, Any], **kwargs: Any) -> TestResponse:
        """Post a section with these answers."""
        return self.post(section_id, section_form(section_id, prune(answers)), **kwargs)

    def complete_until(self, last: str, answers: dict[str, Any], *, step: bool = False) -> None:
        """Answer every step up to and including `last` (a section id: all its steps; a
        step id with `step`), passing any help-now page and the steps that ask nothing."""
        whole_section = not step and last in SECTION_IDS
        for step_id, page in SECTIONS.items():
            if step_id == "confirm":
                break
            if not steps.asks_anything(page, prune(answers)):
                continue
            response = self.answer(step_id, answers)
            assert response.status_code == 303, response.text
            if "/help-now/" in response.headers["Location"]:
                self.client.get(response.headers["Location"])  # as the browser would
            if (page is last_step_of(last)) if whole_section else step_id == last:
                return

    def complete_before(self, step_id: str, answers: dict[str, Any]) -> None:
        """Answer every step before the step `step_id`, passing any help-now page."""
        ids = list(SECTIONS)
        before = ids[ids.index(step_id) - 1] if ids.index(step_id) else None
        if before is not None:
            self.complete_until(before, answers, step=True)

    def answers(self) -> dict[str, Any]:
        """Return the answers stored in the draft."""
        with self.app.app_context():
            draft = drafts.get_draft(self.draft_id)
            assert draft is not None
            return drafts.draft_answers(draft)

    def draft(self) -> Any:
        """Return the stored draft (read in its own app context)."""
        with self.app.app_context():
            return drafts.get_draft(self.draft_id)
