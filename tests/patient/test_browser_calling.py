"""In Chromium at 1280 px: calling is one tap. Every phone number a patient sees is a link at
least 44 by 44 px; after an emergency the sent page leads with "Call 911"; no page logs an
error to the console; nothing is asked from another site. (At 375 px each journey of
test_browser_journeys.py with JavaScript is watched the same way.)"""

from __future__ import annotations

from typing import Any

import pytest

from tests.answers import answers_today
from tests.patient.calling import CallingWatch
from tests.patient.journey import complete

pytestmark = pytest.mark.browser


def test_every_phone_number_is_a_link_big_enough_to_tap_and_no_page_logs_an_error(
        browser: Any, live_server: Any) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900},
                                  base_url=live_server.url)
    page = context.new_page()
    watch = CallingWatch(context, page, emergency=True)
    try:
        page.goto("/a/demo/")
        watch.start_page(page)
        complete(page, "demo", answers_today("emergency"), on_page=watch.measure)
        watch.check(live_server.url)
    finally:
        context.close()
