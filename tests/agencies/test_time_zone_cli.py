"""An agency's time zone from the command line: required, set, shown, checked; defaults."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from ivig_home.agencies import registry
from ivig_home.agencies.registry import get_agency
from ivig_home.cli import agencies as agencies_cli
from ivig_home.cli import cli
from ivig_home.db import db
from ivig_home.maintenance import init_db
from tests.apps import SQLITE_FILE, dispose, make_app

CREATE = ["create-agency", "harbour", "--name", "Harbour Home Infusion", "--phone", "555-0142"]


def _zone(app: Flask, slug: str = "harbour") -> str:
    with app.app_context():
        agency = get_agency(slug)
        assert agency is not None
        zone = agency.time_zone
        db.session.remove()
        return zone


def test_create_edit_and_show_the_time_zone(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(cli, [*CREATE, "--time-zone", "America/New_York"])
    assert result.exit_code == 0, result.output
    assert "  time zone:       America/New_York\n" in result.output
    assert _zone(app) == "America/New_York"
    result = runner.invoke(cli, ["edit-agency", "harbour", "--time-zone", "Asia/Kolkata"])
    assert result.exit_code == 0, result.output
    assert _zone(app) == "Asia/Kolkata"
    shown = runner.invoke(cli, ["show-agency", "harbour"])
    assert "  time zone:       Asia/Kolkata\n" in shown.output
    # Other changes leave the zone alone.
    runner.invoke(cli, ["edit-agency", "harbour", "--name", "Harbour Care"])
    assert _zone(app) == "Asia/Kolkata"


def test_without_a_zone_and_no_terminal_create_agency_names_the_option(
        app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(cli, CREATE)
    assert result.exit_code == 2
    assert result.output.startswith("error: give the agency's time zone with --time-zone, "
                                    "an IANA name like 'America/New_York'")
    with app.app_context():
        assert get_agency("harbour") is None


def test_at_a_terminal_create_agency_asks_for_the_zone_until_it_is_known(
        app: Flask, runner: FlaskCliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(agencies_cli, "_interactive", lambda: True)
    result = runner.invoke(cli, CREATE, input="Eastern\nAmerica/Chicago\n")
    assert result.exit_code == 0, result.output
    assert "Time zone (an IANA name like 'America/New_York'): " in result.output
    assert "The time zone 'Eastern' is not a known zone" in result.output
    assert "  time zone:       America/Chicago\n" in result.output
    assert _zone(app) == "America/Chicago"


def test_the_demo_agency_is_in_a_us_zone(app: Flask) -> None:
    assert _zone(app, "demo") == "America/New_York"


@pytest.mark.parametrize("command", [
    [*CREATE, "--time-zone", "Mars/Olympus_Mons"],
    ["edit-agency", "demo", "--time-zone", "Mars/Olympus_Mons"],
])
def test_an_unknown_zone_is_refused_and_nothing_changes(app: Flask, runner: FlaskCliRunner,
                                                        command: list[str]) -> None:
    result = runner.invoke(cli, command)
    assert result.exit_code == 2
    assert "error: The time zone 'Mars/Olympus_Mons' is not a known zone" in result.output
    with app.app_context():
        assert get_agency("harbour") is None
    assert _zone(app, "demo") == "America/New_York"


def test_the_setting_gives_agencies_made_without_a_zone_theirs(
        tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IVIG_HOME_TIME_ZONE", "America/Chicago")
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / SQLITE_FILE).write_bytes(sqlite_template.read_bytes())
    made = make_app(instance, f"sqlite:///{instance / SQLITE_FILE}", monkeypatch)
    try:
        with made.app_context():
            init_db(demo=True)
        with made.app_context():
            registry.create_agency("harbour", "Harbour Home Infusion", "555-0142")
            db.session.remove()
        assert _zone(made) == "America/Chicago"
        assert _zone(made, "demo") == "America/New_York"  # the demo's zone is its own
    finally:
        dispose(made)


def test_an_unknown_setting_stops_the_app_with_a_clear_message(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IVIG_HOME_TIME_ZONE", "Eastern")
    with pytest.raises(RuntimeError, match="IVIG_HOME_TIME_ZONE.*'Eastern' is not a known zone"):
        make_app(tmp_path / "instance", f"sqlite:///{tmp_path / 'x.sqlite3'}", monkeypatch)
