"""An administrator edits their own agency at /staff/agency: details, logo, origins, webhook."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from ivig_home.agencies.registry import get_agency
from ivig_home.db import db, utcnow
from ivig_home.models import Agency, AuditEntry
from tests.staff.support import World, csrf_token, post

Client = Callable[[str | None], FlaskClient]
CHANGES = {"name": "Demo Home Health North", "phone": "+1 617 555 0142", "colour": "#0B3D2E",
           "allowed_origins": "https://www.demo.example\nhttps://intranet.demo.example/",
           "webhook_url": "https://systems.demo.example/ivig"}
SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" '
       b'height="10"/><script>alert(1)</script></svg>')


def agency_of(world: World, slug: str = "demo") -> Agency:
    with world.app.app_context():
        found = get_agency(slug)
        assert found is not None
        db.session.expunge(found)
        return found


def test_the_page_shows_the_agencys_details_and_its_snippet(as_user: Client) -> None:
    page = as_user("admin@demo.test").get("/staff/agency")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'value="Demo Home Health"' in text and 'value="555-0100"' in text
    assert ('&lt;script src="http://localhost/embed.js" data-agency="demo" async&gt;'
            '&lt;/script&gt;') in text
    assert "http://localhost/embed/demo/" in text and 'aria-current="page">Agency<' in text


@pytest.mark.parametrize("who,status", [("nurse@demo.test", 403), (None, 302)])
def test_only_an_administrator_sees_the_page(as_user: Client, who: str | None,
                                             status: int) -> None:
    client = as_user(who)
    assert client.get("/staff/agency").status_code == status
    assert client.post("/staff/agency/webhook-secret").status_code in (status, 400)


def test_an_administrator_changes_the_details_and_the_form_follows(
        world: World, as_user: Client) -> None:
    client = as_user("admin@demo.test")
    response = post(client, "/staff/agency", CHANGES)
    assert response.status_code == 303
    agency = agency_of(world)
    assert (agency.name, agency.phone, agency.colour) == (
        "Demo Home Health North", "+1 617 555 0142", "#0b3d2e")
    assert agency.allowed_origins == ["https://www.demo.example", "https://intranet.demo.example"]
    assert agency.webhook_url == "https://systems.demo.example/ivig"
    assert "Demo Home Health North" in client.get("/a/demo/").get_data(as_text=True)
    policy = client.get("/embed/demo/").headers["Content-Security-Policy"]
    assert "frame-ancestors https://www.demo.example https://intranet.demo.example" in policy
    with world.app.app_context():
        entries = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "settings_changed")).all()
        assert [(e.actor, e.agency_id) for e in entries] == [("admin@demo.test", agency.id)]
    assert agency_of(world, "harbour").name == "Harbour Home Infusion"


@pytest.mark.parametrize("field,value,message", [
    ("name", "", "The name must be 1 to 200 characters."),
    ("phone", "call us", "The phone number must be digits"),
    ("colour", "green", "The colour must be a hex colour"),
    ("allowed_origins", "https://www.demo.example/page", "is not an origin"),
    ("webhook_url", "ftp://x.example/", "must be an https:// address"),
])
def test_a_bad_value_is_shown_next_to_its_field_and_nothing_changes(
        world: World, as_user: Client, field: str, value: str, message: str) -> None:
    response = post(as_user("admin@demo.test"), "/staff/agency", {**CHANGES, field: value})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "There is a problem" in text and f'href="#{field}"' in text
    assert message in text
    assert agency_of(world).name == "Demo Home Health"


def test_a_logo_is_cleaned_on_upload_and_can_be_removed(world: World, as_user: Client) -> None:
    client = as_user("admin@demo.test")
    response = post(client, "/staff/agency",
                    {**CHANGES, "logo": (io.BytesIO(SVG), "logo.svg", "image/svg+xml")},
                    content_type="multipart/form-data")
    assert response.status_code == 303
    served = client.get("/a/demo/logo")
    assert served.mimetype == "image/svg+xml" and b"<rect" in served.data
    assert b"script" not in served.data
    bad = post(client, "/staff/agency",
               {**CHANGES, "logo": (io.BytesIO(b"GIF89a...."), "logo.gif", "image/gif")},
               content_type="multipart/form-data")
    assert bad.status_code == 400 and "The logo must be a PNG or an SVG file." in bad.get_data(
        as_text=True)
    post(client, "/staff/agency", {**CHANGES, "remove_logo": "y"})
    assert agency_of(world).logo_type is None
    assert client.get("/a/demo/logo").status_code == 404


def test_a_new_webhook_secret_is_shown_once(world: World, as_user: Client) -> None:
    client = as_user("admin@demo.test")
    with world.app.app_context():
        old = agency_of(world).webhook_secret
    page = post(client, "/staff/agency/webhook-secret").get_data(as_text=True)
    shown = re.search(r'<code class="secret">(whsec_[^<]+)</code>', page)
    with world.app.app_context():
        new = agency_of(world).webhook_secret
    assert shown and shown.group(1) == new and new != old
    assert new not in client.get("/staff/agency").get_data(as_text=True)


def test_a_secret_the_migration_replaced_is_flagged_until_a_new_one_is_made(
        world: World, as_user: Client) -> None:
    client = as_user("admin@demo.test")
    with world.app.app_context():
        found = get_agency("demo")
        assert found is not None
        found.webhook_secret_replaced_at = utcnow()
        db.session.commit()
    note = "Make a new webhook secret now."
    assert note in client.get("/staff/agency").get_data(as_text=True)
    page = post(client, "/staff/agency/webhook-secret").get_data(as_text=True)
    assert '<code class="secret">whsec_' in page and note not in page
    assert agency_of(world).webhook_secret_replaced_at is None
    assert note not in client.get("/staff/agency").get_data(as_text=True)


def test_a_form_without_the_sessions_token_is_refused(world: World, as_user: Client) -> None:
    client = as_user("admin@demo.test")
    csrf_token(client)
    response = client.post("/staff/agency", data=CHANGES)
    assert response.status_code == 400
    assert agency_of(world).name == "Demo Home Health"
