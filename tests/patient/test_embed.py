"""Framing rules, the host origin carried through the frame, and the snippet's script itself."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ivig_home.agencies import registry as agencies
from ivig_home.models import Agency
from tests.answers import answers_today
from tests.patient.client import Patient, section_form, token_in

HOST = "https://www.harbour.example"
SCRIPTS = Path(__file__).resolve().parents[2] / "static" / "js"
FRAME_SCRIPT = re.compile(r'<script src="/static/js/embed-frame\.[0-9a-f]{12}\.js"[^>]*>')
# What a browser says when it loads a page in a frame, and as a whole tab.
IN_FRAME = {"Sec-Fetch-Dest": "iframe"}
ON_ITS_OWN = {"Sec-Fetch-Dest": "document"}


def ancestors(response: object) -> str:
    policy = response.headers["Content-Security-Policy"]  # type: ignore[attr-defined]
    parts = [p for p in policy.split("; ") if p.startswith("frame-ancestors")]
    assert len(parts) == 1, policy
    return parts[0]


@pytest.mark.parametrize("path", ["/embed/harbour/", "/embed/harbour/resume",
                                  f"/embed/harbour/?host={HOST}"])
def test_embed_pages_may_be_framed_by_the_agencys_origins_only(
        client: FlaskClient, harbour: Agency, path: str) -> None:
    agencies.update_agency(harbour, allowed_origins=[HOST, "https://intranet.harbour.example"])
    response = client.get(path)
    assert response.status_code == 200
    assert ancestors(response) == f"frame-ancestors {HOST} https://intranet.harbour.example"
    assert "X-Frame-Options" not in response.headers


@pytest.mark.parametrize("path", ["/a/harbour/", "/a/harbour/resume", "/embed/nobody/",
                                  "/api/v1/questionnaire", "/embed.js", "/a/harbour/logo"])
def test_every_other_page_refuses_every_frame(client: FlaskClient, harbour: Agency,
                                              path: str) -> None:
    agencies.set_logo(harbour, b'<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>')
    response = client.get(path)
    assert ancestors(response) == "frame-ancestors 'none'"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_an_agency_with_no_origins_cannot_be_framed_at_all(client: FlaskClient,
                                                           harbour: Agency) -> None:
    agencies.update_agency(harbour, allowed_origins=[])
    assert ancestors(client.get("/embed/harbour/")) == "frame-ancestors 'none'"


def test_the_frame_posts_only_to_an_allowed_host_and_carries_it_through_the_form(
        client: FlaskClient, harbour: Agency) -> None:
    page = client.get(f"/embed/harbour/?host={HOST}").get_data(as_text=True)
    script = FRAME_SCRIPT.search(page)
    assert script and f'data-host="{HOST}"' in script.group(0)
    assert f'action="/embed/harbour/?host={HOST}"' in page
    started = client.post(f"/embed/harbour/?host={HOST}", data={
        "csrf_token": re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                                page).group(1)})  # type: ignore[union-attr]
    assert started.status_code == 303
    assert started.headers["Location"].endswith(f"/about?host={HOST}")
    step = client.get(started.headers["Location"]).get_data(as_text=True)
    assert 'data-step="1"' in FRAME_SCRIPT.search(step).group(0)  # type: ignore[union-attr]


@pytest.mark.parametrize("host", ["https://evil.example", "", "javascript:alert(1)",
                                  HOST + "/", '"><script>alert(1)</script>'])
def test_a_host_that_is_not_allowed_is_never_posted_to(client: FlaskClient, harbour: Agency,
                                                       host: str) -> None:
    page = client.get("/embed/harbour/", query_string={"host": host}).get_data(as_text=True)
    script = FRAME_SCRIPT.search(page)
    assert script and "data-host" not in script.group(0)
    assert "evil.example" not in page and "<script>alert" not in page


def test_the_site_pages_carry_no_frame_script(client: FlaskClient, harbour: Agency) -> None:
    assert "embed-frame.js" not in client.get(f"/a/harbour/?host={HOST}").get_data(as_text=True)


def test_no_page_of_the_embedded_flow_sets_a_cookie(client: FlaskClient,
                                                    harbour: Agency) -> None:
    for path in ("/embed/harbour/", "/embed/harbour/resume", "/embed.js", "/a/harbour/"):
        assert "Set-Cookie" not in client.get(path).headers


def test_embed_js_is_small_plain_and_cacheable(client: FlaskClient) -> None:
    response = client.get("/embed.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert len(response.data) < 4096, len(response.data)
    assert response.headers["Cache-Control"] == "public, max-age=300"
    text = response.get_data(as_text=True)
    assert "import " not in text and "require(" not in text and "eval(" not in text
    assert response.data == (SCRIPTS / "embed.js").read_bytes()


def test_the_scripts_check_origins_on_both_sides() -> None:
    host_side = (SCRIPTS / "embed.js").read_text()
    frame_side = (SCRIPTS / "embed-frame.js").read_text()
    assert "event.origin !== app" in host_side and "event.source !== frame.contentWindow" \
        in host_side
    assert "postMessage(message, host)" in frame_side and "'*'" not in frame_side


def test_the_logo_is_in_the_site_header(client: FlaskClient, harbour: Agency) -> None:
    agencies.set_logo(harbour, b'<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>')
    page = client.get("/a/harbour/").get_data(as_text=True)
    assert '<img class="site-header__logo" src="/a/harbour/logo" alt="">' in page


def test_the_embedded_form_has_no_site_chrome(app: Flask, client: FlaskClient,
                                              harbour: Agency) -> None:
    framed = client.get("/embed/harbour/").get_data(as_text=True)
    assert "site-header" not in framed and "site-footer" not in framed
    assert 'class="embedded"' in framed


class FramedPatient(Patient):
    """A patient filling in the form inside the agency's frame (`?host=` on every page)."""

    def url(self, page: str) -> str:
        return f"/embed/{self.slug}/d/{self.draft_id}/{page}?host={HOST}"


def _framed_save(client: FlaskClient, app: Flask) -> tuple[str, str]:
    """Start in the frame, save on the first step; return the saved page and its code."""
    start = client.get(f"/embed/harbour/?host={HOST}", headers=IN_FRAME)
    started = client.post(f"/embed/harbour/?host={HOST}", headers=IN_FRAME,
                          data={"csrf_token": token_in(start.text)})
    assert started.status_code == 303
    patient = FramedPatient(app, client, "harbour")
    patient.draft_id = started.headers["Location"].split("/d/", 1)[1].split("/", 1)[0]
    answers = answers_today("nothing-to-flag")
    saved = patient.post("about", section_form("about", answers), action="save")
    assert saved.status_code == 200 and "Your answers are saved" in saved.text
    code = re.search(r'<span aria-hidden="true">([A-Z0-9]{4}-[A-Z0-9]{4})</span>', saved.text)
    assert code, saved.text
    return saved.text, code.group(1)


def _complete_site_page(page: str) -> None:
    """Assert the page carries the agency's header (name, phone) and the site footer."""
    assert '<header class="site-header">' in page and 'class="site"' in page
    assert '<p class="site-header__name">Harbour Home Infusion</p>' in page
    assert 'Questions? Call <a class="phone" href="tel:555-0142">555-0142</a>' in page
    assert "This checklist does not decide anything. Your care team decides with you." in page
    assert "call 911 (or your local emergency number) now" in page
    assert "embed-frame.js" not in page


def test_the_link_kept_from_the_frame_opens_the_agencys_whole_page(
        app: Flask, client: FlaskClient, harbour: Agency) -> None:
    saved, code = _framed_save(client, app)
    kept = f"http://localhost/a/harbour/resume?code={code}"
    # The same link the site's own saved page gives: no frame, no host, nothing else.
    link = re.search(r'<p class="resume-link"><a href="([^"]+)"([^>]*)>([^<]+)</a>', saved)
    assert link and link.group(1) == link.group(3) == kept
    assert "/embed/" not in link.group(1) and "host=" not in link.group(1)
    # Inside the frame the site page cannot be shown (it refuses every frame): a new tab.
    assert link.group(2) == ' target="_blank" rel="noopener"'
    assert "(opens in a new tab)" in saved
    opened = client.get(kept, headers=ON_ITS_OWN)
    assert opened.status_code == 200
    _complete_site_page(opened.text)
    assert f'value="{code}"' in opened.text


def test_the_sites_own_saved_page_opens_its_link_in_place(
        app: Flask, client: FlaskClient, harbour: Agency) -> None:
    patient = Patient(app, client, "harbour")
    patient.start()
    saved = patient.post("about", section_form("about", answers_today("nothing-to-flag")),
                         action="save")
    link = re.search(r'<p class="resume-link"><a href="http://localhost/a/harbour/resume\?code='
                     r'[A-Z0-9-]+"([^>]*)>', saved.text)
    assert link and link.group(1) == ""
    assert "(opens in a new tab)" not in saved.text


def test_an_embedded_page_opened_on_its_own_goes_to_the_sites_page(
        client: FlaskClient, harbour: Agency) -> None:
    # A link given out earlier, or an embedded page opened in a new tab.
    old = f"/embed/harbour/resume?code=XKPU-GKYQ&host={HOST}&_scheme=javascript&_external=1"
    moved = client.get(old, headers=ON_ITS_OWN)
    assert moved.status_code == 303
    assert moved.headers["Location"] == "/a/harbour/resume?code=XKPU-GKYQ"
    page = client.get(moved.headers["Location"], headers=ON_ITS_OWN)
    _complete_site_page(page.text)
    assert 'value="XKPU-GKYQ"' in page.text
    step = client.get(f"/embed/harbour/d/abc/today?host={HOST}&from=check", headers=ON_ITS_OWN)
    assert step.headers["Location"] == "/a/harbour/d/abc/today?from=check"
    # In the frame (or from a browser that does not say), the framed page as before.
    for headers in (IN_FRAME, {}):
        framed = client.get(old, headers=headers)
        assert framed.status_code == 200 and "site-header" not in framed.text
        assert ancestors(framed) == f"frame-ancestors {HOST}"
