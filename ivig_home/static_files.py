"""Static files: content-hashed names cached for a year, compressed copies, WhiteNoise serving.

At startup the files of static/ are copied into a build folder under names that carry a
hash of their content (`css/base.css` -> `css/base.3f2a9c0d1e4b.css`, the convention
WhiteNoise's documentation uses), with Brotli and gzip copies of the text files made by
WhiteNoise's compressor. `url_for('static', filename=...)` gives the hashed name, served
with `Cache-Control: public, max-age=31536000, immutable`: a changed file has a new name,
so a browser never keeps a stale one. The plain names keep working, cached five minutes.

The build folder (STATIC_BUILD_FOLDER, by default `static-build` in the instance folder)
holds one sub-folder per content of static/, named by its hash and made once: other
processes and later starts on the same files reuse it; the three newest are kept.

WhiteNoise answers before Flask, so its responses miss Flask's after_request functions: a
WSGI wrapper (`with_security_headers`) gives every response under /static/ the security
headers, HSTS over HTTPS only. With `--debug` the files are served from static/ as they
are, read again on each request, under their plain names.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from whitenoise import WhiteNoise
from whitenoise.compress import Compressor

from ivig_home import security

HASHED_NAME = re.compile(r"\.[0-9a-f]{12}\.[^./]+$")
IMMUTABLE = "public, max-age=31536000, immutable"  # one year: a changed file gets a new name
PLAIN_NAME_MAX_AGE = 300  # seconds, as embed.js: a plain name may change meaning
COMPRESSED_SUFFIXES = {".css", ".js", ".svg"}
MANIFEST = "manifest.json"  # beside FILES, the folder served
FILES = "files"
BUILDS_KEPT = 3  # this one and two before it, still used by servers not yet restarted

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


@dataclass(frozen=True)
class Build:
    """One build of static/: its folder and each plain name's hashed name."""

    folder: Path
    names: dict[str, str]


_builds: dict[tuple[object, ...], Build] = {}  # per process: a start does not hash twice


def hashed_name(name: str, content: bytes) -> str:
    """Return the name with a hash of the content before its extension."""
    digest = hashlib.sha256(content).hexdigest()[:12]
    stem, dot, extension = name.rpartition(".")
    return f"{stem}.{digest}.{extension}" if dot and "/" not in extension else f"{name}.{digest}"


def source_files(source: Path) -> list[Path]:
    """Return the files of the static folder, in a stable order."""
    return sorted(path for path in source.rglob("*") if path.is_file())


def make_build(source: Path, root: Path) -> Build:
    """Return the build of the static folder's current files, making it if needed."""
    files = source_files(source)
    state = (str(root), *((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in files))
    known = _builds.get(state)
    if known is not None and (known.folder / MANIFEST).is_file():
        return known
    contents = {path.relative_to(source).as_posix(): path.read_bytes() for path in files}
    names = {name: hashed_name(name, content) for name, content in contents.items()}
    folder = root / hashlib.sha256(json.dumps(names, sort_keys=True).encode()).hexdigest()[:16]
    if not (folder / MANIFEST).is_file():
        write_build(contents, names, folder)
        prune(root, keep=folder)
    _builds[state] = Build(folder, names)
    return _builds[state]


def write_build(contents: dict[str, bytes], names: dict[str, str], folder: Path) -> None:
    """Write the hashed files and their compressed copies, then move them into place at
    once: a server starting meanwhile sees the whole build or none of it."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=".building-", dir=folder.parent))
    compressor = Compressor(quiet=True)
    for name, content in contents.items():
        target = building / FILES / names[name]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        if target.suffix in COMPRESSED_SUFFIXES:
            compressor.compress(str(target))
    (building / MANIFEST).write_text(json.dumps(names, indent=1, sort_keys=True))
    try:
        building.rename(folder)
    except OSError:  # another process finished the same build first
        shutil.rmtree(building, ignore_errors=True)


def prune(root: Path, keep: Path) -> None:
    """Remove all but the newest builds (and the one just made)."""
    builds = sorted((path for path in root.iterdir() if (path / MANIFEST).is_file()),
                    key=lambda path: path.stat().st_mtime, reverse=True)
    for old in builds[BUILDS_KEPT:]:
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)


def immutable(_path: str, url: str) -> bool:
    """Return whether a static file's name is hashed (WhiteNoise's `immutable_file_test`)."""
    return bool(HASHED_NAME.search(url))


def cache_for_a_year(headers: Any, path: str, url: str) -> None:
    """Cache a file with a hashed name for a year (WhiteNoise's `add_headers_function`)."""
    if immutable(path, url):
        headers["Cache-Control"] = IMMUTABLE


def with_security_headers(wsgi_app: WsgiApp, prefix: str) -> WsgiApp:
    """Give every response under the static prefix the headers every response has, HSTS over
    HTTPS: WhiteNoise's files, its 304s and its 405s never pass through Flask."""

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if not environ.get("PATH_INFO", "").startswith(prefix):
            return wsgi_app(environ, start_response)
        secure = (environ.get("wsgi.url_scheme") == "https"
                  or environ.get("HTTP_X_FORWARDED_PROTO", "http") == "https")
        wanted = [*security.HEADERS, *([("Strict-Transport-Security", security.HSTS)]
                                       if secure else [])]

        def start(status: str, headers: list[tuple[str, str]], *args: Any) -> Any:
            present = {name.lower() for name, _ in headers}
            headers.extend((name, value) for name, value in wanted
                           if name.lower() not in present)
            return start_response(status, headers, *args)

        return wsgi_app(environ, start)

    return application


def init_app(app: Flask) -> None:
    """Serve static/ with WhiteNoise; hashed names from url_for unless in debug mode.

    Call before serving.init_app: its ProxyFix must wrap this, to see every request first.
    """
    source = Path(app.static_folder or "")
    options: dict[str, Any] = {"prefix": app.static_url_path, "allow_all_origins": False,
                               "add_headers_function": cache_for_a_year}
    if app.debug:
        server = WhiteNoise(app.wsgi_app, root=str(source), autorefresh=True, max_age=0,
                            **options)
    else:
        root = Path(app.config.get("STATIC_BUILD_FOLDER")
                    or Path(app.instance_path) / "static-build")
        build = make_build(source, root)
        server = WhiteNoise(app.wsgi_app, root=str(build.folder / FILES),
                            max_age=PLAIN_NAME_MAX_AGE, immutable_file_test=immutable, **options)
        server.add_files(str(source), prefix=app.static_url_path)

        def hashed(endpoint: str, values: dict[str, Any]) -> None:
            if endpoint == "static" and values.get("filename") in build.names:
                values["filename"] = build.names[values["filename"]]

        app.url_defaults(hashed)
    app.wsgi_app = with_security_headers(  # type: ignore[method-assign, assignment]
        server, f"{app.static_url_path}/")
