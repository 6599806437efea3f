"""Static files under hashed names cached for a year, compressed, with the security headers;
patient pages compressed, care-team pages not (decision 19)."""

from __future__ import annotations

import gzip
import multiprocessing
import re
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import brotli
import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient

from ivig_home import create_app, static_files
from tests.headers import assert_security_headers
from tests.staff.support import World

STATIC = Path(__file__).resolve().parent.parent / "static"
HASHED = re.compile(r"^/static/css/base\.[0-9a-f]{12}\.css$")


def static_url(app: Flask, name: str) -> str:
    with app.test_request_context():
        return url_for("static", filename=name)


def test_url_for_gives_a_hashed_name_served_for_a_year(app: Flask, client: FlaskClient) -> None:
    url = static_url(app, "css/base.css")
    assert HASHED.match(url)
    response = client.get(url)
    assert response.status_code == 200
    assert response.data == (STATIC / "css" / "base.css").read_bytes()
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.mimetype == "text/css"
    assert_security_headers(response, url)


def test_every_page_links_its_files_by_hashed_name(client: FlaskClient) -> None:
    page = client.get("/a/demo/").text
    linked = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
    assert len(linked) >= 3
    assert all(re.search(r"\.[0-9a-f]{12}\.(css|js|svg)$", url) for url in linked), linked


def test_the_plain_name_still_works_for_five_minutes(client: FlaskClient) -> None:
    response = client.get("/static/css/base.css")
    assert response.status_code == 200
    assert response.data == (STATIC / "css" / "base.css").read_bytes()
    assert response.headers["Cache-Control"] == "max-age=300, public"
    assert_security_headers(response, "/static/css/base.css")


@pytest.mark.parametrize(("encoding", "decompress"), [("br", brotli.decompress),
                                                      ("gzip", gzip.decompress)])
def test_text_files_are_sent_compressed_to_browsers_that_ask(
        app: Flask, client: FlaskClient, encoding: str,
        decompress: Callable[[bytes], bytes]) -> None:
    for name in ("css/patient.css", "css/staff.css", "js/patient.js", "favicon.svg"):
        response = client.get(static_url(app, name), headers={"Accept-Encoding": encoding})
        assert response.headers["Content-Encoding"] == encoding, name
        assert "Accept-Encoding" in response.headers["Vary"], name
        original = (STATIC / name).read_bytes()
        assert decompress(response.data) == original, name
        assert len(response.data) < len(original), name
        if len(original) > 5_000:  # the style sheets and the script: a third or less
            assert len(response.data) < len(original) / 3, name


def test_the_security_headers_and_hsts_come_with_static_files(app: Flask,
                                                              client: FlaskClient) -> None:
    url = static_url(app, "js/patient.js")
    assert "Strict-Transport-Security" not in client.get(url).headers
    for secure in ({"base_url": "https://localhost"},
                   {"headers": {"X-Forwarded-Proto": "https"}}):
        response = client.get(url, **secure)  # type: ignore[arg-type]
        assert response.headers["Strict-Transport-Security"] == "max-age=31556926"
        assert_security_headers(response, url)
    missing = client.get("/static/css/no-such-sheet.css")
    assert missing.status_code == 404
    assert_security_headers(missing, "missing static file")
    refused = client.delete(url)
    assert refused.status_code == 405
    assert_security_headers(refused, "static file, DELETE")
    unchanged = client.get(url, headers={"If-None-Match": client.get(url).headers["ETag"]})
    assert unchanged.status_code == 304
    assert_security_headers(unchanged, "static file, not modified")


def test_a_changed_file_gets_a_new_name_and_the_old_build_is_kept(tmp_path: Path) -> None:
    source, root = tmp_path / "static", tmp_path / "build"
    (source / "css").mkdir(parents=True)
    sheet = source / "css" / "site.css"
    sheet.write_text("body { color: #111; }\n" * 40)
    first = static_files.make_build(source, root)
    sheet.write_text("body { color: #222; }\n" * 40)
    second = static_files.make_build(source, root)
    assert first.names["css/site.css"] != second.names["css/site.css"]
    old = first.folder / static_files.FILES / first.names["css/site.css"]
    assert old.read_text().startswith("body { color: #111; }")
    new = second.folder / static_files.FILES / second.names["css/site.css"]
    assert new.read_text().startswith("body { color: #222; }")
    assert (new.parent / f"{new.name}.br").is_file() and (new.parent / f"{new.name}.gz").is_file()
    assert static_files.make_build(source, root) == second  # the same files: the same build


def build_in_another_process(source: Path, root: Path) -> str:
    return str(static_files.make_build(source, root).folder)


def test_workers_building_at_once_share_one_whole_build(tmp_path: Path) -> None:
    """Without preloading, each gunicorn worker builds as it starts."""
    root = tmp_path / "build"
    with ProcessPoolExecutor(3, mp_context=multiprocessing.get_context("spawn")) as pool:
        folders = set(pool.map(build_in_another_process, [STATIC] * 3, [root] * 3))
    assert len(folders) == 1 and [path.name for path in root.iterdir()] == [
        Path(folders.pop()).name]  # no half-made folder left behind
    build = static_files.make_build(STATIC, root)
    for name, hashed in build.names.items():
        served = build.folder / static_files.FILES / hashed
        assert served.read_bytes() == (STATIC / name).read_bytes(), name


def test_in_debug_mode_files_are_served_as_they_are(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IVIG_HOME_INSTANCE_PATH", str(tmp_path))
    app = create_app({"DEBUG": True, "TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert static_url(app, "css/base.css") == "/static/css/base.css"
    response = app.test_client().get("/static/css/base.css")
    assert response.headers["Cache-Control"] == "max-age=0, public"
    assert response.data == (STATIC / "css" / "base.css").read_bytes()


def test_embed_js_keeps_its_public_address(client: FlaskClient) -> None:
    response = client.get("/embed.js", headers={"Accept-Encoding": "br"})
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "public, max-age=300"


def test_patient_pages_are_compressed(client: FlaskClient) -> None:
    plain = client.get("/a/demo/")
    packed = client.get("/a/demo/", headers={"Accept-Encoding": "br"})
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "br"
    assert "Start now" in brotli.decompress(packed.data).decode()
    assert len(packed.data) < len(plain.data) / 2
    assert_security_headers(packed, "compressed start page")
    assert packed.headers["Cache-Control"] == "no-store"


def test_care_team_pages_are_never_compressed(
        world: World, as_user: Callable[[str | None], FlaskClient]) -> None:
    """A care-team page holds patient data and a CSRF token beside the search words a link can
    set: compressed, its size would leak them (BREACH)."""
    nurse, visitor = as_user("nurse@demo.test"), as_user(None)
    submission = f"/staff/submissions/{world.own['risks']}"
    for client, url in ((nurse, "/staff/?q=AB"), (nurse, submission), (visitor, "/staff/login")):
        response = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br, zstd"})
        assert response.status_code == 200, url
        assert "Content-Encoding" not in response.headers, url
        assert response.text.startswith("<!doctype html>"), url
