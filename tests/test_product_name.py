"""The product's name, a setting (PRODUCT_NAME, IVIG_HOME_PRODUCT_NAME): what patients and
nurses see where no agency name stands instead; never the package name "ivig_home"."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from ivig_home import create_app
from ivig_home.intake.pdf import issued_pdf
from tests.agency_support import make_harbour, submit
from tests.pdf_tools import text_of

TITLE = re.compile(r"<title>(.*?)</title>", re.S)


def test_an_unknown_agency_page_names_the_product_not_the_package(client: Any) -> None:
    response = client.get("/a/no-such-agency/")
    assert response.status_code == 404
    assert TITLE.search(response.text).group(1).endswith("– IVIG home checklist")
    assert '<p class="site-header__name">IVIG home checklist</p>' in response.text
    assert "ivig_home" not in response.text


def test_the_care_team_pages_name_the_product(client: Any) -> None:
    page = client.get("/staff/login").text
    assert TITLE.search(page).group(1).endswith("– IVIG home checklist: care team")
    assert "ivig_home" not in page


def test_the_name_is_a_setting(sqlite_apps: Callable[..., Flask]) -> None:
    app = sqlite_apps(PRODUCT_NAME="Harbour infusion prep")
    client = app.test_client()
    for path in ("/a/no-such-agency/", "/staff/login"):
        page = client.get(path).text
        assert "Harbour infusion prep" in TITLE.search(page).group(1), path
        assert "IVIG home checklist" not in page and "ivig_home" not in page


def test_the_name_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IVIG_HOME_PRODUCT_NAME", "Home IVIG ready")
    app = create_app({"TESTING": True, "SECRET_KEY": "k", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["PRODUCT_NAME"] == "Home IVIG ready"


def test_the_care_team_pdf_names_the_product_not_the_package(
        sqlite_apps: Callable[..., Flask]) -> None:
    app = sqlite_apps(PRODUCT_NAME="Harbour infusion prep")
    with app.app_context():
        pdf = issued_pdf(submit(make_harbour(), "emergency"))
    text = text_of(pdf)
    assert "Harbour infusion prep, checklist version 1.1.0" in text_of(pdf, first=1, last=1)
    assert "Checklist: IVIG home-infusion readiness checklist, version 1.1.0" in text
    assert "ivig_home" not in text
