"""A nurse's review of 20 flags in Chromium: whom to call at the top, several dispositions on
one flag, one Save, Acknowledge all remaining, the answers folded away and opened for print.

Screenshots at 1280 and 375 px go to out/screenshots/staff-twenty-*.png.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from ivig_home.agencies import registry
from ivig_home.checklist import assess
from ivig_home.db import db
from ivig_home.models import FlagReview, Submission
from tests.answers import example
from tests.browser import SCREENSHOTS, serving, sideways_scroll
from tests.staff.browsing import axe_violations
from tests.staff.browsing import open_page as _page
from tests.staff.browsing import sign_in as _sign_in
from tests.staff.support import build_world, submit_for

pytestmark = pytest.mark.browser
WIDTHS = (1280, 375)
PHONE = "(555) 010-0123 ext. 4"
NAME = "Rosa Delgado"


def twenty_flags() -> dict[str, Any]:
    """Return answers that raise 20 flags: 1 emergency, 2 urgent, 17 discuss, prepare, note."""
    answers = example("clinical-risk-factors")["answers"]
    emergency = example("emergency")["answers"]
    for item in ("breathing_trouble_now", "swallowing_trouble_now", "weakness_worse_now",
                 "ivig_purpose", "notes_for_team"):
        answers[item] = emergency.get(item)
    answers.update(patient_name=NAME, contact_phone=PHONE, completed_by="caregiver",
                   planned_infusion_date="2027-01-12")
    return answers


@dataclass
class Twenty:
    """The app served, with a submission of 20 flags."""

    app: Any
    url: str
    submission_id: str
    flags: list[tuple[str, str]]  # (item, severity), in the page's order


@pytest.fixture
def twenty(make_staff_app: Callable[..., Any]) -> Iterator[Twenty]:
    app = make_staff_app()
    build_world(app)
    answers = twenty_flags()
    with app.app_context():
        submission = submit_for(registry.ensure_demo_agency(), "clinical-risk-factors",
                                shown=("emergency", "urgent"), **answers)
        flags = [(flag.item.id, flag.severity.value)
                 for flag in assess({**example("clinical-risk-factors"),
                                     "answers": answers}).flags]
        submission_id = submission.id
    assert len(flags) == 20
    with serving(app) as url:
        yield Twenty(app, url, submission_id, flags)


def _rows(twenty: Twenty) -> list[tuple[str, str, Any]]:
    with twenty.app.app_context():
        return [tuple(row) for row in db.session.execute(
            select(FlagReview.item_id, FlagReview.disposition, FlagReview.created_at)
            .where(FlagReview.submission_id == twenty.submission_id)
            .order_by(FlagReview.id))]


def test_a_nurse_files_a_review_of_twenty_flags_in_a_few_actions(browser: Any,
                                                                 twenty: Twenty) -> None:
    page = _page(browser, twenty.url)
    _sign_in(page, "nurse@demo.test")
    row = page.locator("tbody tr", has_text=NAME)
    assert row.locator('a[href="tel:5550100123;ext=4"]').inner_text() == PHONE
    assert "Filled in by a caregiver" in row.inner_text()
    assert "12 January 2027" in row.inner_text()
    row.locator("a.queue__link").click()
    page.wait_for_url("**/staff/submissions/*")

    # Whom to call, at the top: the caregiver's number, one large tap target.
    call = page.locator(".facts a.call-link")
    assert call.get_attribute("href") == "tel:5550100123;ext=4"
    box = call.bounding_box()
    assert box is not None and box["width"] >= 44 and box["height"] >= 44
    assert box["y"] < 400  # near the top of the page, not below the flags
    facts = page.locator(".facts").inner_text()
    assert "Caregiver's phone" in facts and "A caregiver" in facts
    assert "12 January 2027" in facts
    emergency = page.locator("article.flag").nth(0)
    shown = emergency.locator(".shown").inner_text()
    assert shown.startswith("Shown to the patient on") and "EST" in shown
    assert shown.endswith("\u201cCall 911 now\u201d")
    assert "Call your care team today" in page.locator("article.flag").nth(1).inner_text()

    actions = 0

    def act(done: Any) -> None:
        nonlocal actions
        actions += 1
        done()

    flags = page.locator("article.flag")
    assert flags.count() == 20
    act(lambda: flags.nth(0).get_by_label("Contacted patient", exact=True).check())
    act(lambda: flags.nth(0).get_by_label("Escalated", exact=True).check())
    act(lambda: flags.nth(0).locator("textarea").fill("Daughter called 911; neurology told."))
    act(lambda: flags.nth(1).get_by_label("Contacted patient", exact=True).check())
    act(lambda: flags.nth(1).locator("textarea").fill("Swallowing checked by phone."))
    act(lambda: flags.nth(2).get_by_label("Contacted patient", exact=True).check())
    assert page.get_by_role("button", name="Save", exact=True).count() == 1
    act(lambda: page.get_by_role("button", name="Save", exact=True).click())
    page.wait_for_load_state()
    assert "Saved 3 items." in page.locator(".message--success").inner_text()
    rows = _rows(twenty)
    first_item = twenty.flags[0][0]
    assert sorted(d for item, d, _ in rows if item == first_item) == [
        "contacted_patient", "escalated"]
    assert len({at for item, _, at in rows if item == first_item}) == 1  # one save
    assert len(rows) == 4
    first = page.locator("article.flag").nth(0)
    assert "Recorded: Contacted patient and Escalated" in first.locator(".recorded").inner_text()
    assert first.get_by_label("Contacted patient", exact=True).is_checked()
    assert first.get_by_label("Escalated", exact=True).is_checked()
    assert not first.get_by_label("Acknowledged", exact=True).is_checked()

    act(lambda: page.get_by_role(
        "button", name="Acknowledge all remaining discuss, prepare and note items").click())
    page.wait_for_load_state()
    after = _rows(twenty)
    assert after[:4] == rows  # the emergency and urgent items' rows untouched
    pressing = {item for item, severity in twenty.flags if severity in ("emergency", "urgent")}
    assert not [row for row in after[4:] if row[0] in pressing]
    assert sorted(row[0] for row in after[4:]) == sorted(
        item for item, _ in twenty.flags if item not in pressing)
    assert {row[1] for row in after[4:]} == {"acknowledged"}
    assert "20 of 20 flagged items have a record" in page.content()

    act(lambda: page.get_by_role("button",
                                 name="Mark reviewed and issue the reviewed PDF").click())
    page.wait_for_load_state()
    assert "Marked reviewed." in page.content()
    with twenty.app.app_context():
        assert db.session.get(Submission, twenty.submission_id).status == "reviewed"
    assert actions == 9  # 20 flags: 6 boxes or notes, Save, Acknowledge all, Mark reviewed
    page.context.close()


def test_errors_name_each_item_and_nothing_typed_is_lost(browser: Any, twenty: Twenty) -> None:
    page = _page(browser, twenty.url)
    _sign_in(page, "nurse@demo.test")
    page.goto(f"/staff/submissions/{twenty.submission_id}")
    flags = page.locator("article.flag")
    flags.nth(0).get_by_label("Escalated", exact=True).check()
    flags.nth(4).locator("textarea").fill("Left a message.")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_load_state()
    assert page.title().startswith("Error:")
    summary = page.locator(".error-summary")
    assert summary.evaluate("el => el === document.activeElement")
    links = summary.locator("a").all_inner_texts()
    assert len(links) == 1 and links[0].startswith("Item 5 (")
    assert links[0].endswith("Tick what was done about this item, or clear its note.")
    assert page.locator("article.flag").nth(0).get_by_label("Escalated").is_checked()
    assert page.locator("article.flag").nth(4).locator("textarea").input_value() == (
        "Left a message.")
    assert _rows(twenty) == []
    summary.locator("a").first.click()  # the focus goes to item 5's first box
    assert page.evaluate("document.activeElement.closest('article').id || "
                         "document.activeElement.closest('article')"
                         ".getAttribute('aria-labelledby')") == "item-5"
    page.screenshot(path=str(_shot("twenty-error-1280")))
    # Filing with items left names every one of them.
    page.goto(f"/staff/submissions/{twenty.submission_id}")
    page.get_by_role("button", name="Mark reviewed and issue the reviewed PDF").click()
    page.wait_for_load_state()
    left = page.locator(".error-summary a").all_inner_texts()
    assert len(left) == 20 and left[0].startswith("Item 1 (")
    assert all(text.endswith("nothing is recorded yet") for text in left)
    page.context.close()


def _shot(name: str) -> Any:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / f"staff-{name}.png"


def test_the_answers_are_folded_and_open_for_print(browser: Any, twenty: Twenty) -> None:
    page = _page(browser, twenty.url)
    _sign_in(page, "nurse@demo.test")
    page.goto(f"/staff/submissions/{twenty.submission_id}")
    folds = page.locator("details.fold")
    assert folds.count() >= 5
    answer = page.get_by_text("What is the full name of the person having IVIG?")
    assert not answer.is_visible()  # folded away on screen
    folds.first.locator("summary").click()
    assert answer.is_visible()  # one tap opens a section
    folds.first.locator("summary").click()
    page.emulate_media(media="print")
    assert answer.is_visible()
    last = folds.last.locator("li").first
    assert last.is_visible()  # every section, not just the first
    page.emulate_media(media="screen")
    assert not answer.is_visible()
    # Before the print dialog the page opens every section, and folds them again after.
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    assert folds.evaluate_all("all => all.every(fold => fold.open)")
    page.evaluate("window.dispatchEvent(new Event('afterprint'))")
    assert folds.evaluate_all("all => all.every(fold => !fold.open)")
    page.context.close()


def test_the_changed_pages_pass_axe_at_both_widths(browser: Any, twenty: Twenty) -> None:
    page = _page(browser, twenty.url)
    _sign_in(page, "nurse@demo.test")
    problems: dict[str, Any] = {}
    for name, path in (("queue", "/staff/"),
                       ("submission", f"/staff/submissions/{twenty.submission_id}")):
        page.goto(path)
        page.wait_for_load_state()
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            violations = axe_violations(page)
            if violations:
                problems[f"{name} {width}"] = violations
            overflow = sideways_scroll(page)
            if overflow > 0:
                problems[f"{name} {width} sideways scroll"] = overflow
            if name == "submission":
                call = page.locator(".facts a.call-link").bounding_box()
                assert call is not None and min(call["width"], call["height"]) >= 44, width
            page.screenshot(path=str(_shot(f"twenty-{name}-{width}")), full_page=True)
            page.screenshot(path=str(_shot(f"twenty-{name}-top-{width}")))
    page.context.close()
    assert not problems, json.dumps(problems, indent=1)
