"""An invitation's link in Chromium: the date-of-birth page, its error and its lock, checked
like every patient page (axe-core, 7:1 contrast, targets, text size, 320 px reflow), and the
link opening the checklist. Screenshots: out/screenshots/invitation-*.png."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest

from ivig_home.agencies import registry
from ivig_home.patients import invitations
from tests.browser import SCREENSHOTS, LiveServer
from tests.patient.page_audit import PageAudit

pytestmark = pytest.mark.browser


def _fill_birth(page: Any, birth: date) -> None:
    page.get_by_label("Month").fill(str(birth.month))
    page.get_by_label("Day").fill(str(birth.day))
    page.get_by_label("Year").fill(str(birth.year))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()


def test_the_invitation_page_its_error_and_its_lock_pass_the_page_checks(
        page: Any, live_server: LiveServer) -> None:
    with live_server.app.app_context():
        made = invitations.invite(registry.get_agency("demo"), "Ana Ruiz", "1971-04-02",
                                  (date.today() + timedelta(days=4)).isoformat(),
                                  actor="command line")
        path, locked_path = made.path, invitations.invite(
            registry.get_agency("demo"), "Mei Chen", "1988-09-30",
            (date.today() + timedelta(days=4)).isoformat(), actor="command line").path
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    audit = PageAudit()
    page.goto(path)
    audit.check(page, "invitation")
    _fill_birth(page, date(1971, 4, 3))
    assert page.title().startswith("Error: ")
    audit.check(page, "invitation-error")
    page.goto(locked_path)
    for _ in range(invitations.DOB_FAILURES):
        _fill_birth(page, date(1990, 1, 1))
    assert "Wait 15 minutes" in page.content()
    audit.check(page, "invitation-locked")
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(path)
    _fill_birth(page, date(1971, 4, 2))
    assert "/d/" in page.url and page.url.endswith("/about")
    assert not audit.problems, json.dumps(audit.problems, indent=1)
