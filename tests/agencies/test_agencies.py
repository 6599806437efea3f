"""Agencies from the command line: create, edit, show; every value checked; tokens shown once."""

from __future__ import annotations

import hashlib
import re

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from ivig_home.agencies import registry as agencies
from ivig_home.agencies import theme
from ivig_home.agencies.registry import get_agency
from ivig_home.cli import cli
from ivig_home.db import db
from ivig_home.models import Agency, ApiToken

CREATE = ["create-agency", "harbour", "--name", "Harbour Home Infusion", "--phone",
          "+1 617 555 0142", "--time-zone", "America/New_York"]


def _agency(app: Flask, slug: str = "harbour") -> Agency:
    with app.app_context():
        agency = get_agency(slug)
        assert agency is not None
        db.session.expunge(agency)
        return agency


def test_create_agency_stores_it_and_prints_the_webhook_secret_once(
        app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(cli, [*CREATE, "--colour", "#0B3D2E",
                                 "--allowed-origin", "https://www.harbour.example/",
                                 "--allowed-origin", "http://localhost:8000",
                                 "--webhook-url", "https://hooks.harbour.example/ivig"])
    assert result.exit_code == 0, result.output
    secret = re.search(r"secret \(shown once, keep it safe\): (whsec_\S+)", result.output)
    assert secret is not None
    agency = _agency(app)
    assert (agency.name, agency.phone, agency.colour) == (
        "Harbour Home Infusion", "+1 617 555 0142", "#0b3d2e")
    assert agency.allowed_origins == ["https://www.harbour.example", "http://localhost:8000"]
    assert agency.webhook_url == "https://hooks.harbour.example/ivig"
    with app.app_context():
        assert get_agency("harbour").webhook_secret == secret.group(1)  # type: ignore[union-attr]
    again = runner.invoke(cli, ["show-agency", "harbour"])
    assert "https://www.harbour.example" in again.output
    assert secret.group(1) not in again.output


@pytest.mark.parametrize("extra,message", [
    (["--colour", "green"], "hex colour"),
    (["--allowed-origin", "https://www.harbour.example/page"], "not an origin"),
    (["--allowed-origin", "https://*.harbour.example"], "not an origin"),
    (["--allowed-origin", "javascript:alert(1)"], "not an origin"),
    (["--allowed-origin", "https://a.example; script-src *"], "not an origin"),
    (["--allowed-origin", "https://user@a.example"], "not an origin"),
    (["--webhook-url", "ftp://hooks.example/x"], "must be an https:// address"),
    (["--webhook-url", "file:///etc/passwd"], "must be an https:// address"),
])
def test_create_agency_refuses_bad_values_and_says_why(
        app: Flask, runner: FlaskCliRunner, extra: list[str], message: str) -> None:
    result = runner.invoke(cli, [*CREATE, *extra])
    assert result.exit_code == 2
    assert message in result.output
    with app.app_context():
        assert get_agency("harbour") is None


@pytest.mark.parametrize("slug,name,phone", [
    ("Harbour", "Harbour", "555-0142"),
    ("harbour-", "Harbour", "555-0142"),
    ("har/bour", "Harbour", "555-0142"),
    ("harbour", "   ", "555-0142"),
    ("harbour", "H" * 201, "555-0142"),
    ("harbour", "Harbour", "call us"),
    ("harbour", "Harbour", "555-0142<script>"),
])
def test_slugs_names_and_phones_are_checked(app: Flask, runner: FlaskCliRunner, slug: str,
                                            name: str, phone: str) -> None:
    result = runner.invoke(cli, ["create-agency", slug, "--name", name, "--phone", phone,
                                 "--time-zone", "America/New_York"])
    assert result.exit_code == 2 and result.output.startswith("error: ")


def test_a_slug_is_taken_once(app: Flask, runner: FlaskCliRunner) -> None:
    assert runner.invoke(cli, CREATE).exit_code == 0
    result = runner.invoke(cli, CREATE)
    assert result.exit_code == 2 and "exists already" in result.output


def test_plain_http_origins_need_debug_or_testing_and_webhooks_the_private_setting(
        app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(cli, [*CREATE, "--webhook-url", "http://hooks.example/x"])
    assert result.exit_code == 2 and "Webhook URL: it must use https." in result.output
    app.testing = False
    result = runner.invoke(cli, [*CREATE, "--allowed-origin", "http://www.harbour.example"])
    assert result.exit_code == 2 and "must use https" in result.output
    # A page on this computer may still embed the form while an agency tries it out.
    assert runner.invoke(cli, [*CREATE, "--allowed-origin", "http://127.0.0.1:8000"]
                         ).exit_code == 0


def test_edit_agency_changes_details_origins_and_webhook(
        app: Flask, runner: FlaskCliRunner) -> None:
    runner.invoke(cli, [*CREATE, "--allowed-origin", "https://old.example"])
    result = runner.invoke(cli, ["edit-agency", "harbour", "--name", "Harbour Care",
                                 "--phone", "555-0199", "--allowed-origin", "https://a.example",
                                 "--allowed-origin", "https://b.example:8443",
                                 "--webhook-url", "https://hooks.example/new"])
    assert result.exit_code == 0, result.output
    agency = _agency(app)
    assert (agency.name, agency.phone) == ("Harbour Care", "555-0199")
    assert agency.allowed_origins == ["https://a.example", "https://b.example:8443"]
    assert agency.webhook_url == "https://hooks.example/new"
    runner.invoke(cli, ["edit-agency", "harbour", "--no-origins", "--webhook-url", ""])
    agency = _agency(app)
    assert agency.allowed_origins == [] and agency.webhook_url is None


def test_a_new_webhook_secret_replaces_the_old_one(app: Flask, runner: FlaskCliRunner) -> None:
    runner.invoke(cli, CREATE)
    with app.app_context():
        old = _agency(app).webhook_secret
        result = runner.invoke(cli, ["edit-agency", "harbour", "--new-webhook-secret"])
        new = _agency(app).webhook_secret
    assert new != old and f"secret (shown once, keep it safe): {new}" in result.output


def test_a_low_contrast_colour_is_kept_and_text_uses_a_darker_shade_of_it(
        app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(cli, [*CREATE, "--colour", "#ffcc00"])
    assert result.exit_code == 0
    assert "#ffcc00 has a contrast of 1.5:1 with white" in result.output
    shade = theme.accent("#ffcc00")
    assert f"so the form uses a darker shade of it, {shade}." in result.output
    assert shade not in ("#ffcc00", theme.DEFAULT_ACCENT)
    assert theme.contrast(shade, theme.WHITE) >= 7.0
    assert theme.accent("#0b3d2e") == "#0b3d2e"


@given(st.from_regex(r"#[0-9a-f]{6}", fullmatch=True))
def test_text_colour_always_reaches_7_to_1_on_white(colour: str) -> None:
    assert theme.contrast(theme.accent(colour), theme.WHITE) >= 7.0


def test_contrast_matches_known_values() -> None:
    assert theme.contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert theme.contrast("#ffffff", "#ffffff") == pytest.approx(1.0)
    assert theme.contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert theme.contrast(theme.DEFAULT_ACCENT, theme.WHITE) >= 7.0


def test_create_token_prints_it_once_and_keeps_only_its_hash(
        app: Flask, runner: FlaskCliRunner) -> None:
    runner.invoke(cli, CREATE)
    result = runner.invoke(cli, ["create-token", "harbour", "--label", "EHR import"])
    token = result.output.strip().splitlines()[-1]
    assert token.startswith("ivig_") and len(token) > 40
    with app.app_context():
        row = db.session.scalar(select(ApiToken))
        assert row is not None and row.label == "EHR import"
        assert row.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
        assert token not in repr([getattr(row, c.key) for c in ApiToken.__table__.columns])
    shown = runner.invoke(cli, ["show-agency", "harbour"]).output
    assert f"token {token[:12]}...  live, 'EHR import', last used never" in shown
    assert token not in shown


def test_revoke_token_needs_the_prefix_and_stops_the_token(
        app: Flask, runner: FlaskCliRunner) -> None:
    runner.invoke(cli, CREATE)
    token = runner.invoke(cli, ["create-token", "harbour"]).output.strip().splitlines()[-1]
    assert runner.invoke(cli, ["revoke-token", "harbour", token[:6]]).exit_code == 2
    assert runner.invoke(cli, ["revoke-token", "harbour", token[:12]]).exit_code == 0
    response = app.test_client().get("/api/v1/submissions",
                                     headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_unknown_agency_is_an_error(runner: FlaskCliRunner) -> None:
    for command in (["edit-agency", "nope", "--name", "X"], ["create-token", "nope"],
                    ["show-agency", "nope"]):
        result = runner.invoke(cli, command)
        assert result.exit_code == 2 and "no agency with the slug 'nope'" in result.output


def test_update_agency_refuses_fields_that_are_not_editable(app: Flask) -> None:
    with app.app_context():
        agency = agencies.create_agency("harbour", "Harbour", "555-0142").agency
        with pytest.raises(agencies.AgencyRefused, match="slug"):
            agencies.update_agency(agency, slug="other")
        with pytest.raises(agencies.AgencyRefused, match="origins may embed"):
            agencies.update_agency(agency, allowed_origins=[f"https://a{i}.example"
                                                            for i in range(21)])
