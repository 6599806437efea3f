"""The only way the PDF renderer may load anything: the app's fonts and styles, and the logo."""

from __future__ import annotations

from pathlib import Path

from weasyprint import URLFetcher
from weasyprint.urls import URLFetcherResponse

from ivig_home.config import PROJECT_ROOT

STATIC_ROOT = (PROJECT_ROOT / "static").resolve()
STATIC_SCHEME = "ivig-static"
LOGO_SCHEME = "ivig-logo"
SERVED = {".ttf": "font/ttf", ".css": "text/css"}


class FetchRefused(ValueError):
    """The renderer asked for something outside the app's own files."""


class SandboxFetcher(URLFetcher):
    """Serve static fonts and styles and the agency logo bytes; refuse every other URL.

    No file path, network address or data URL is ever opened: the answers reach the
    template as escaped text, and this fetcher is the second wall if markup slipped in.
    """

    def __init__(self, logo: bytes | None = None, logo_type: str | None = None) -> None:
        super().__init__(allowed_protocols=(STATIC_SCHEME, LOGO_SCHEME),
                         allow_redirects=False, timeout=1, fail_on_errors=False)
        self._logo = logo
        self._logo_type = logo_type

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        """Return a static file or the logo for an allowed URL; raise FetchRefused otherwise."""
        scheme, _, rest = url.partition(":")
        if scheme == STATIC_SCHEME:
            path = static_path(rest)
            return URLFetcherResponse(url, path.read_bytes(),
                                      {"Content-Type": SERVED[path.suffix]})
        if scheme == LOGO_SCHEME and rest == "agency" and self._logo and self._logo_type:
            return URLFetcherResponse(url, self._logo, {"Content-Type": self._logo_type})
        raise FetchRefused("only the app's own static files and the agency logo are served")

    def open(self, url: object, data: object = None, timeout: object = None) -> URLFetcherResponse:
        """Refuse the urllib entry point: every load goes through fetch()."""
        if isinstance(url, str):
            return self.fetch(url)
        raise FetchRefused("only plain URLs are fetched")


def static_path(relative: str) -> Path:
    """Return the static file for a relative name, refusing anything outside fonts/ and css/."""
    if "\\" in relative or "%" in relative or "?" in relative or "#" in relative:
        raise FetchRefused("static names are plain relative paths")
    path = (STATIC_ROOT / relative).resolve()
    if path.suffix not in SERVED or path.parent.name not in ("fonts", "css"):
        raise FetchRefused("only fonts and stylesheets are served")
    if path.parent.parent != STATIC_ROOT or not path.is_file():
        raise FetchRefused("no such static file")
    return path
