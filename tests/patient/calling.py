"""What a patient's journey in Chromium is watched for on every page: each phone number a
link at least 44 by 44 px, "Call 911" first on the sent page after an emergency, no console
error or warning, and no request to another site."""

from __future__ import annotations

from typing import Any

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


class CallingWatch:
    """Record, on a page with JavaScript, what the browser logs, every request, and the phone
    links of each page of a journey (pass `measure` as the journey's `on_page`)."""

    def __init__(self, context: Any, page: Any, *, emergency: bool) -> None:
        self.emergency = emergency
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.seen: dict[str, list[dict[str, Any]]] = {}
        page.on("console", lambda message: self.errors.append(f"{page.url}: {message.text}")
                if message.type in PROBLEMS else None)
        page.on("pageerror", lambda error: self.errors.append(f"{page.url}: {error}"))
        page.on("request", lambda request: self.requests.append(request.url))
        # What the browser itself logs (a header it cannot read, a blocked resource) comes
        # through the DevTools log, not the page's console.
        devtools = context.new_cdp_session(page)
        devtools.on("Log.entryAdded", lambda event: self.errors.append(
            f"{event['entry'].get('url', page.url)}: {event['entry']['text']}")
            if event["entry"]["level"] in PROBLEMS else None)
        devtools.send("Log.enable")

    def start_page(self, page: Any) -> None:
        """Measure the start page, before the journey presses Start now."""
        self.seen["header on start"] = phone_links(page, ".site-header")
        self.seen["start"] = phone_links(page, "main")

    def measure(self, page: Any, name: str) -> None:
        page.wait_for_load_state()
        kind = name.split("/")[0]
        self.seen.setdefault(f"header on {kind}", phone_links(page, ".site-header"))
        if kind in ("help-now", "sent"):  # every help-now page of the journey
            self.seen.setdefault(kind, []).extend(phone_links(page, "main"))
        if kind == "sent" and self.emergency:
            first = page.locator("main a, main h1").first
            assert first.get_attribute("href") == "tel:911", "the call is not first"
            assert first.inner_text() == "Call 911"

    def check(self, site: str) -> None:
        """Assert what was seen: big enough phone links, no problem logged, only `site`."""
        seen = self.seen
        assert {"sent", "header on confirm", "header on about", "header on start"} <= set(seen)
        small = [(where, link) for where, links in seen.items() for link in links
                 if link["width"] < TARGET or link["height"] < TARGET]
        assert not small, small
        assert seen["header on sent"]
        if self.emergency:
            assert seen["sent"] and seen["help-now"], seen
            assert "tel:555-0100" in {link["href"] for link in seen["sent"]}
            assert "tel:911" in {link["href"] for link in seen["help-now"]}
        # A background save the server refused as stale (a save that arrived after the
        # Continue a fast test pressed) is answered 200, so not logged either.
        assert self.errors == []
        assert self.requests
        assert all(url.startswith(site + "/") for url in self.requests), {
            url for url in self.requests if not url.startswith(site)}
