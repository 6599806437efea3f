"""In Chromium: calling is one tap. Every phone number a patient sees is a link at least
44 by 44 px; after an emergency the sent page leads with "Call 911"; no page logs an error
to the console."""

from __future__ import annotations

from typing import Any

import pytest

from tests.answers import answers_today
from tests.patient.journey import complete

pytestmark = pytest.mark.browser
TARGET = 44  # px, each way (WCAG 2.5.5 target size)
# Chromium logs a header it cannot read ("Error with Permissions-Policy header: ...") as a
# warning; the DevTools console shows it among the errors. Neither may appear.
PROBLEMS = {"error", "warning"}


def phone_links(page: Any, where: str) -> list[dict[str, Any]]:
    """Return the size and number of every `tel:` link in `where`."""
    links = page.locator(f"{where} a[href^='tel:']")
    sizes = []
    for index in range(links.count()):
        link = links.nth(index)
        box = link.bounding_box()
        assert box is not None, link.inner_text()
        sizes.append({"text": link.inner_text(), "href": link.get_attribute("href"),
                      "width": box["width"], "height": box["height"]})
    return sizes


@pytest.mark.parametrize("width", [375, 1280])
def test_every_phone_number_is_a_link_big_enough_to_tap_and_no_page_logs_an_error(
        browser: Any, live_server: Any, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900},
                                  base_url=live_server.url)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(f"{page.url}: {message.text}")
            if message.type in PROBLEMS else None)
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    # What the browser itself logs (a header it cannot read, a blocked resource) comes
    # through the DevTools log, not the page's console.
    devtools = context.new_cdp_session(page)
    devtools.on("Log.entryAdded", lambda event: errors.append(
        f"{event['entry'].get('url', page.url)}: {event['entry']['text']}")
        if event["entry"]["level"] in PROBLEMS else None)
    devtools.send("Log.enable")
    seen: dict[str, list[dict[str, Any]]] = {}

    def measure(page: Any, name: str) -> None:
        page.wait_for_load_state()
        kind = name.split("/")[0]
        seen.setdefault(f"header on {kind}", phone_links(page, ".site-header"))
        if kind in ("help-now", "sent"):  # every help-now page of the journey
            seen.setdefault(kind, []).extend(phone_links(page, "main"))
        if kind == "sent":
            first = page.locator("main a, main h1").first
            assert first.get_attribute("href") == "tel:911", "the call is not first"
            assert first.inner_text() == "Call 911"

    try:
        page.goto("/a/demo/")
        seen["header on start"] = phone_links(page, ".site-header")
        seen["start"] = phone_links(page, "main")
        complete(page, "demo", answers_today("emergency"), on_page=measure)
        assert {"help-now", "sent", "header on confirm", "header on about"} <= set(seen)
        small = [(where, link) for where, links in seen.items() for link in links
                 if link["width"] < TARGET or link["height"] < TARGET]
        assert not small, small
        assert all(seen[where] for where in ("help-now", "sent", "header on sent"))
        assert "tel:911" in {link["href"] for link in seen["help-now"]}
        assert "tel:555-0100" in {link["href"] for link in seen["sent"]}
        # A background save the server refused as stale (a save that arrived after the
        # Continue a fast test pressed) is answered 200, so not logged either.
        assert errors == []
    finally:
        context.close()
