"""Drive the patient checklist in Chromium the way a patient would: page by page."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from typing import Any

from ivig_home.checklist import load, steps
from ivig_home.intake import drafts
from tests.browser import AXE_TAGS, SEND_BUTTON, axe_run

ITEMS = load().items
SECTIONS = {step.id: step for step in steps.sections()}  # every page of questions, by id
STEP_URL = re.compile(r"/a/(?P<slug>[^/]+)/d/(?P<draft>[^/]+)/(?P<rest>[^?#]+)")


def where(page: Any) -> tuple[str, str]:
    """Return the draft id and the page name (a section id, 'help-now/...', 'sent')."""
    match = STEP_URL.search(page.url)
    assert match, f"not on a draft page: {page.url}"
    return match["draft"], match["rest"]


def arrive(page: Any, name: str) -> None:
    """Wait until the step `name` is the page and has loaded, its script listening (a click
    returns once the next page starts loading; patient.js listens from DOMContentLoaded)."""
    page.wait_for_url(f"**/d/*/{name}", wait_until="load")
    assert where(page)[1] == name


def start(page: Any) -> str:
    """Open the demo agency's start page, press Start now; return the new draft's id."""
    page.goto("/a/demo/")
    page.get_by_role("button", name="Start now").click()
    return where(page)[0]


def stored_answers(live_server: Any, draft_id: str) -> dict[str, Any]:
    """Read a draft's answers back through the store of the live server's app."""
    with live_server.app.app_context():
        draft = drafts.get_draft(draft_id)
        assert draft is not None
        return drafts.draft_answers(draft)


def visible_items(page: Any, section_id: str) -> list[str]:
    """Return the ids of the section's questions the patient can see now.

    Playwright's own test of visibility (as is_visible), asked once for the whole page."""
    shown = set(page.locator("[id^='question-']").filter(visible=True).evaluate_all(
        "elements => elements.map(element => element.id)"))
    return [item.id for item in SECTIONS[section_id].items if f"question-{item.id}" in shown]


def fill_item(page: Any, item_id: str, value: Any) -> None:
    """Answer one question with the mouse and keyboard, as a patient would."""
    item = ITEMS[item_id]
    box = page.locator(f"#question-{item_id}")
    if item.type == "date":
        day = date.fromisoformat(value)
        for part, number in (("day", day.day), ("month", day.month), ("year", day.year)):
            box.locator(f"[name='{item_id}-{part}']").fill(str(number))
    elif item.type == "multi":
        for option in item.values:
            checkbox = box.locator(f"input[value='{option}']")
            checkbox.set_checked(option in value)
    elif item.type == "ack":
        box.locator("input[type=checkbox]").check()
    elif item.options:
        box.locator(f"input[value='{value}']").check()
    else:
        box.locator(f"[name='{item_id}']").fill(str(value))


def fill_step(page: Any, section_id: str, answers: dict[str, Any], done: set[str]) -> None:
    """Answer every question on the page not answered yet, including ones that appear.

    First wait for the page to load (a click returns once the next page starts loading):
    before that, questions further down may not be there yet, and patient.js (which shows a
    follow-up as its answer is given) not listening yet."""
    page.wait_for_load_state()
    while todo := [i for i in visible_items(page, section_id) if i not in done]:
        for item_id in todo:
            if item_id in answers:
                fill_item(page, item_id, answers[item_id])
            done.add(item_id)


def go_to(page: Any, target: str, answers: dict[str, Any]) -> None:
    """From the step the page is on, answer each step (passing help-now pages) until the
    step `target` is the page, loaded."""
    done: set[str] = set()
    for _ in range(80):
        page.wait_for_load_state()
        name = where(page)[1]
        if name == target:
            return
        if name.startswith("help-now/"):
            page.get_by_role("button", name="Continue the checklist").click()
            continue
        fill_step(page, name, answers, done)
        page.get_by_role("button", name="Continue").click()
    raise AssertionError(f"never reached {target}")


def complete(page: Any, slug: str, answers: dict[str, Any], *, on_page: Any = None) -> str:
    """Start a checklist, answer every step, pass the help-now page and send; return draft id."""
    page.goto(f"/a/{slug}/")
    page.get_by_role("button", name="Start now").click()
    arrive(page, "about")  # not answered on the start page while it is still being left
    done: set[str] = set()
    sent_from = None
    for _ in range(80):
        draft_id, name = where(page)
        problems = page.locator(".error-summary")
        assert name != sent_from or not problems.count(), f"{name}: {problems.inner_text()}"
        if on_page:
            on_page(page, name)
        if name == "sent":
            page.wait_for_load_state()
            return draft_id
        if name.startswith("help-now/"):
            page.get_by_role("button", name="Continue the checklist").click()
            continue
        fill_step(page, name, answers, done)
        button = SEND_BUTTON if name == "confirm" else "Continue"
        page.get_by_role("button", name=button).click()
        sent_from = name
    raise AssertionError("the checklist did not end after 80 pages")


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Run axe-core on the page for WCAG 2.2 A and AA; return the violations."""
    return axe_run(page, tags=AXE_TAGS)


def enhanced_contrast_violations(page: Any) -> list[dict[str, Any]]:
    """Run axe-core's 7:1 text contrast rule (WCAG AAA 1.4.6) on the page."""
    return axe_run(page, rules=("color-contrast-enhanced",))


def landmark_violations(page: Any) -> list[dict[str, Any]]:
    """Run axe-core's best-practice `region` rule: all content sits inside a landmark."""
    return axe_run(page, rules=("region",))


def patient_page_violations(page: Any) -> list[dict[str, Any]]:
    """Run, in one pass of axe-core, what a patient page must pass: WCAG 2.2 A and AA, the
    7:1 text contrast rule and the `region` rule."""
    return axe_run(page, tags=AXE_TAGS, rules=("color-contrast-enhanced", "region"))


def describe(violations: list[dict[str, Any]]) -> str:
    """Return violations as readable JSON for an assertion message."""
    return json.dumps(violations, indent=1)


def one_day_before(value: str) -> str:
    """Return the ISO date one day before."""
    return (date.fromisoformat(value) - timedelta(days=1)).isoformat()
