"""What a nurse reads as names: the product's display name (PRODUCT_NAME) and the checklist's
title and version; never the package or checklist id "ivig_home"."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from tests.staff.support import World, build_world, sign_in

TITLE = re.compile(r"<title>(.*?)</title>", re.S)
PAGES = ("/staff/", "/staff/submissions/{risks}", "/staff/submissions/{emergency}",
         "/staff/password", "/staff/users", "/staff/audit", "/staff/settings", "/staff/agency",
         "/staff/users/{user}/password")


def test_no_staff_page_shows_the_package_name(
        world: World, as_user: Callable[[str | None], FlaskClient]) -> None:
    admin = as_user("admin@demo.test")
    for path in PAGES:
        response = admin.get(path.format(**world.own))
        body = response.get_data(as_text=True)
        assert response.status_code == 200, path
        assert "ivig_home" not in body, path
        assert TITLE.search(body).group(1).endswith("– IVIG home checklist: care team"), path
    page = admin.get(f"/staff/submissions/{world.own['risks']}").get_data(as_text=True)
    assert ("<dt>Checklist</dt><dd>IVIG home-infusion readiness checklist, version 1.1.0</dd>"
            in page)


def test_the_staff_pages_use_the_display_name_setting(
        make_staff_app: Callable[..., Flask]) -> None:
    app = make_staff_app(PRODUCT_NAME="Harbour infusion prep")
    world = build_world(app)
    client = app.test_client()
    assert sign_in(client, "nurse@demo.test").status_code == 303
    for path in ("/staff/", f"/staff/submissions/{world.own['risks']}"):
        body = client.get(path).get_data(as_text=True)
        assert TITLE.search(body).group(1).endswith("– Harbour infusion prep: care team")
        assert "Harbour infusion prep" in body.split("</header>")[0]
        assert "IVIG home checklist" not in body and "ivig_home" not in body
