"""The embedding harness: the app on one origin, agency host pages on another, and a
Chromium profile that refuses every cookie of the app's site, as Safari does in a frame."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.serving import make_server

from tests.apps import QUICK_STOP
from tests.browser import AXE_TAGS, CHROMIUM, CHROMIUM_ARGS, axe_run

FRAME_URL = re.compile(r"/embed/(?P<slug>[^/]+)/d/(?P<draft>[^/]+)/(?P<rest>[^?#]+)")

# The agency's page records what it hears: the snippet's events, and every raw message.
HOST_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<script>
window.ivigEvents = []; window.ivigRaw = [];
document.addEventListener("ivig-home", function (e) {{ window.ivigEvents.push(e.detail); }});
window.addEventListener("message", function (e) {{
  window.ivigRaw.push({{origin: e.origin, data: e.data}}); }});
</script></head>
<body><h1>{title}</h1><p>Getting ready for IVIG at home? Fill in this checklist.</p>
{snippet}
{extra}
</body></html>"""


@dataclass
class Site:
    """A server on a free port of 127.0.0.1, reached by the given URL."""

    url: str
    stop: Any


@dataclass
class HostPages:
    """Pages of an agency's website, served by path."""

    pages: dict[str, str] = field(default_factory=dict)


def serve_app(app: Flask) -> Site:
    """Serve the app (threaded, so the browser's parallel requests never starve it)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs=QUICK_STOP, daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        thread.join(10)

    return Site(f"http://localhost:{server.server_port}", stop)


def serve_host(pages: HostPages) -> Site:
    """Serve an agency's pages on their own origin, http://127.0.0.1:PORT."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
            body = pages.pages.get(self.path.split("?")[0])
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write((body or "not found").encode())

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs=QUICK_STOP, daemon=True).start()

    def stop() -> None:
        server.shutdown()
        server.server_close()

    return Site(f"http://127.0.0.1:{server.server_address[1]}", stop)


def host_page(app_url: str, slug: str, title: str = "Harbour Home Infusion",
              extra: str = "") -> str:
    """Return an agency page with the one-line snippet on it."""
    snippet = f'<script src="{app_url}/embed.js" data-agency="{slug}" async></script>'
    return HOST_PAGE.format(title=title, snippet=snippet, extra=extra)


@contextmanager
def cookieless_context(browser_type: Any, profile: Path, app_url: str) -> Iterator[Any]:
    """Yield a persistent Chromium context that blocks every cookie of the app's site."""
    default = profile / "Default"
    default.mkdir(parents=True, exist_ok=True)
    preferences = {"profile": {"content_settings": {"exceptions": {"cookies": {
        f"{app_url},*": {"setting": 2}}}}}}
    (default / "Preferences").write_text(json.dumps(preferences))
    context = browser_type.launch_persistent_context(
        str(profile), executable_path=CHROMIUM, args=CHROMIUM_ARGS,
        viewport={"width": 1024, "height": 800}, accept_downloads=True)
    try:
        yield context
    finally:
        context.close()


def embedded_frame(page: Any, slug: str) -> Any:
    """Return the frame the snippet made, once its first page has loaded."""
    page.wait_for_selector("iframe")
    page.wait_for_function("window.ivigEvents.some(e => e.type === 'loaded')")
    frame = next(f for f in page.frames if f"/embed/{slug}/" in f.url)
    return frame


def axe_violations(frame: Any) -> list[dict[str, Any]]:
    """Run axe-core inside a frame (injected into it) for WCAG 2.2 A and AA."""
    return axe_run(frame, tags=AXE_TAGS)
