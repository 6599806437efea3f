"""The Patients pages and the submission page's patient box in Chromium, with axe-core."""

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
from tests.browser import SCREENSHOTS, sideways_scroll
from tests.staff.browsing import axe_violations
from tests.staff.browsing import open_page as _page
from tests.staff.browsing import sign_in as _sign_in
from tests.staff.support import World, submit_for

pytestmark = pytest.mark.browser
WIDTHS = (1280, 375)


def test_the_patient_pages_pass_axe_at_both_widths_and_a_link_is_made_by_keyboard(
        browser: Any, live: tuple[str, World]) -> None:
    url, world = live
    with world.app.app_context():  # coming infusions, and a second checklist for George
        demo = db.session.get(Agency, world.own["agency"])
        today = timezones.today(demo.time_zone)
        day = lambda n: (today + timedelta(days=n)).isoformat()  # noqa: E731
        george = submit_for(demo, "clinical-risk-factors", planned_infusion_date=day(1)).id
        submit_for(demo, "nothing-to-flag", planned_infusion_date=day(9))
        planned = {"george": george, "patient": patient_ids_of([george])[george]}
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
            overflow = sideways_scroll(page)
            if overflow > 0:
                problems[f"{name} {width} sideways scroll"] = overflow
            page.screenshot(path=str(SCREENSHOTS / f"staff-patients-{name}-{width}.png"),
                            full_page=True)
    assert not problems, json.dumps(problems, indent=1)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.reload()  # the patient box closed again: link George's checklist to Mei by keyboard
    page.get_by_text("This checklist is about someone else").focus()
    page.keyboard.press("Enter")  # opens the choices
    page.get_by_label("Link this checklist to another patient").focus()
    page.keyboard.press("ArrowDown")  # Ana Ruiz
    page.keyboard.press("ArrowDown")  # Mei Chen (sorted by name)
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Linked. The submission is now on the patient you chose.")
           ).to_be_visible()
    with world.app.app_context():
        moved = patient_ids_of([planned["george"], world.own["emergency"]])
    assert page.url.endswith("#patient") and len(set(moved.values())) == 1
    page.goto(f"/staff/patients/{moved[planned['george']]}")  # Mei's page: invite her
    page.get_by_label("Planned infusion date").fill(day(2))
    page.get_by_role("button", name="Make the invitation").click()
    expect(page.get_by_text("it is shown only now")).to_be_visible()
    assert not axe_violations(page)
    page.screenshot(path=str(SCREENSHOTS / "staff-patients-invited-1280.png"), full_page=True)
    page.context.close()
