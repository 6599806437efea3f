"""Changed since last time in Chromium: the section and the queue badge pass axe-core at
375 and 1280 px, with no sideways scroll."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ivig_home.db import db
from ivig_home.models import Agency
from tests.browser import SCREENSHOTS, sideways_scroll
from tests.staff.browsing import axe_violations
from tests.staff.browsing import open_page as _page
from tests.staff.browsing import sign_in as _sign_in
from tests.staff.support import World, submit_for

pytestmark = pytest.mark.browser
WIDTHS = (375, 1280)
LEE = {"patient_name": "Lee Park", "date_of_birth": "1962-06-15"}


def test_the_section_and_the_badge_pass_axe_at_both_widths(browser: Any,
                                                          live: tuple[str, World]) -> None:
    url, world = live
    with world.app.app_context():
        demo = db.session.get(Agency, world.own["agency"])
        submit_for(demo, "nothing-to-flag", minutes_ago=3, **LEE, prior_problems="yes",
                   prior_reactions=["headache"], split_dose_discussed="yes")
        second = submit_for(demo, "nothing-to-flag", **LEE, infection_now="yes",
                            kidney_problems="yes").id
    page = _page(browser, url)
    _sign_in(page, "nurse@demo.test")
    problems: dict[str, Any] = {}
    for name, path in (("submission", f"/staff/submissions/{second}"), ("queue", "/staff/")):
        page.goto(path)
        page.wait_for_load_state()
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            if violations := axe_violations(page):
                problems[f"{name} {width}"] = violations
            overflow = sideways_scroll(page)
            if overflow > 0:
                problems[f"{name} {width} sideways scroll"] = overflow
            target = page.locator("#changes") if name == "submission" else page
            target.screenshot(path=str(SCREENSHOTS / f"staff-changes-{name}-{width}.png"),
                              **({} if name == "submission" else {"full_page": True}))
    assert not problems, json.dumps(problems, indent=1)
    page.goto(f"/staff/submissions/{second}")
    section = page.locator("#changes").inner_text()
    # Three answers changed (past problems back to No), two follow-ups no longer asked.
    assert "Changed since last time" in section and "5 answers changed" in section
    assert "No longer asked" in section and "Flags gone since last time" in section
