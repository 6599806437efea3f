"""The Patients page, a patient's page and the submission page's patient box in Chromium:
axe-core at 1280 and 375 px, no sideways scrolling, and linking by keyboard.

Screenshots go to out/screenshots/staff-patients-*.png.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from ivig_home import timezones
from ivig_home.db import db
from ivig_home.models import Agency
from ivig_home.patients.matching import patient_ids_of
from tests.browser import SCREENSHOTS
from tests.staff.support import World, submit_for
from tests.staff.test_browser import WIDTHS, _page, _sign_in, axe_violations, live

pytestmark = pytest.mark.browser
__all__ = ["live"]  # the served copy of the two agencies, a fixture


def _plan(world: World) -> dict[str, str]:
    """Give the patients coming infusions, and George a second checklist."""
    with world.app.app_context():
        demo = db.session.get(Agency, world.own["agency"])
        today = timezones.today(demo.time_zone)
        george = submit_for(demo, "clinical-risk-factors",
                            planned_infusion_date=(today + timedelta(days=1)).isoformat()).id
        submit_for(demo, "nothing-to-flag",
                   planned_infusion_date=(today + timedelta(days=9)).isoformat())
        return {"george": george, "patient": patient_ids_of([george])[george]}


def test_the_patient_pages_pass_axe_at_both_widths_and_a_link_is_made_by_keyboard(
        browser: Any, live: tuple[str, World]) -> None:
    url, world = live
    planned = _plan(world)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = _page(browser, url)
    _sign_in(page, "nurse@demo.test")
    problems: dict[str, Any] = {}
    for name, path in (("patients", "/staff/patients"),
                       ("patient", f"/staff/patients/{planned['patient']}"),
                       ("submission-patient", f"/staff/submissions/{planned['george']}")):
        page.goto(path)
        page.wait_for_load_state()
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            if name == "submission-patient":
                page.locator("details.patient-link__more").evaluate("box => box.open = true")
            if violations := axe_violations(page):
                problems[f"{name} {width}"] = violations
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth")
            if overflow > 0:
                problems[f"{name} {width} sideways scroll"] = overflow
            page.screenshot(path=str(SCREENSHOTS / f"staff-patients-{name}-{width}.png"),
                            full_page=True)
    assert not problems, json.dumps(problems, indent=1)
    # The patient box: choose Mei Chen with the keyboard and link the checklist to her.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.reload()  # the choices closed again, as a nurse first sees them
    page.get_by_text("This checklist is about someone else").focus()
    page.keyboard.press("Enter")  # opens the choices
    page.get_by_label("Link this checklist to another patient").focus()
    page.keyboard.press("ArrowDown")  # Ana Ruiz
    page.keyboard.press("ArrowDown")  # Mei Chen (sorted by name)
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Linked. The submission is now on the patient you chose.")
           ).to_be_visible()
    assert page.url.endswith("#patient")
    with world.app.app_context():
        moved = patient_ids_of([planned["george"], world.own["emergency"]])
    assert moved[planned["george"]] == moved[world.own["emergency"]]
    page.context.close()
