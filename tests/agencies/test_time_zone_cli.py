"""An agency's time zone from the command line: set, shown, checked; the app's default zone."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from ivig_home.agencies.registry import get_agency
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


def test_without_a_zone_an_agency_gets_utc_by_default(app: Flask,
                                                      runner: FlaskCliRunner) -> None:
    assert runner.invoke(cli, CREATE).exit_code == 0
    assert _zone(app) == "UTC"
    assert _zone(app, "demo") == "UTC"


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
    assert _zone(app, "demo") == "UTC"


def test_the_setting_gives_new_agencies_their_zone(tmp_path: Path, sqlite_template: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IVIG_HOME_TIME_ZONE", "America/Chicago")
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / SQLITE_FILE).write_bytes(sqlite_template.read_bytes())
    made = make_app(instance, f"sqlite:///{instance / SQLITE_FILE}", monkeypatch)
    try:
        with made.app_context():
            init_db(demo=True)
        result = made.test_cli_runner().invoke(cli, CREATE)
        assert result.exit_code == 0, result.output
        assert "  time zone:       America/Chicago\n" in result.output
        assert _zone(made) == _zone(made, "demo") == "America/Chicago"
    finally:
        dispose(made)


def test_an_unknown_setting_stops_the_app_with_a_clear_message(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IVIG_HOME_TIME_ZONE", "Eastern")
    with pytest.raises(RuntimeError, match="IVIG_HOME_TIME_ZONE.*'Eastern' is not a known zone"):
        make_app(tmp_path / "instance", f"sqlite:///{tmp_path / 'x.sqlite3'}", monkeypatch)
