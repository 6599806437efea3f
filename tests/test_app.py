"""The app factory layers its configuration and keeps its secret key in the instance folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivig_home import create_app


def test_secret_key_is_generated_once_into_the_instance_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IVIG_HOME_INSTANCE_PATH", str(tmp_path))
    first = create_app().config["SECRET_KEY"]
    assert len(first) >= 40
    assert (tmp_path / "secret_key").read_text().strip() == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert create_app().config["SECRET_KEY"] == first


def test_configuration_layers_defaults_instance_env_then_test(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IVIG_HOME_INSTANCE_PATH", str(tmp_path))
    (tmp_path / "config.py").write_text('PDF_PAGE_SIZE = "A4"\nGREETING = "instance"\n')
    assert create_app().config["PDF_PAGE_SIZE"] == "A4"
    monkeypatch.setenv("IVIG_HOME_GREETING", "env")
    assert create_app().config["GREETING"] == "env"
    assert create_app({"GREETING": "test"}).config["GREETING"] == "test"


def test_database_url_selects_the_database(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IVIG_HOME_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert create_app().config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///" + str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", "postgresql://db.example/ivig")
    assert create_app().config["SQLALCHEMY_DATABASE_URI"] == (
        "postgresql+psycopg://db.example/ivig")
