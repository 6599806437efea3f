"""Instructions one step page costs the app: python bench/step_instructions.py [--walks N].

Processor time on a shared 2-core machine moves by ±20 % from run to run; the number of
instructions a piece of work executes does not. This runs the app in-process (its WSGI
callable, no server, no sockets) under valgrind's callgrind, which counts instructions:
every step of the checklist is opened (GET) and answered (POST, Continue) once in one run
and `1 + walks` times in another, both after a warm-up; the difference, divided by the
extra requests, is what one step request costs the app alone (Python and the C libraries
it calls: the database driver, hashing, encryption; not the database server). The same
is measured for a minimal Flask app returning a fixed page (bench/fixed_app.py).
Needs valgrind and PostgreSQL (IVIG_HOME_TEST_POSTGRES, default the local server).
The last line reads:
step_instructions step_minstr=N fixed_minstr=N per_fixed=N
"""

from __future__ import annotations

import argparse
import io
import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import psycopg

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
ADMIN_URL = os.environ.get("IVIG_HOME_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
CHILD_ENV = {"IVIG_HOME_START_RATE_LIMIT": "1000000 per minute",
             "IVIG_HOME_SESSION_COOKIE_SECURE": "false", "PYTHONHASHSEED": "0"}


def call(app: Any, method: str, path: str, body: str = "") -> tuple[int, str, str]:
    """Run one request through the WSGI callable; return status, Location and page."""
    data = body.encode()
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path.split("?")[0], "QUERY_STRING": "",
               "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "5000", "SERVER_PROTOCOL": "HTTP/1.1",
               "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "127.0.0.1:5000",
               "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(data),
               "wsgi.errors": sys.stderr, "wsgi.multithread": False,
               "wsgi.multiprocess": True, "wsgi.run_once": False, "wsgi.version": (1, 0)}
    if data:
        environ["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
        environ["CONTENT_LENGTH"] = str(len(data))
    started: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], *_: Any) -> None:
        started["status"], started["headers"] = status, dict(headers)

    page = b"".join(app(environ, start_response)).decode()
    return int(started["status"][:3]), started["headers"].get("Location", ""), page


def child_steps(walks: int) -> None:
    """Warm up, then open and answer every step `walks` times (run under callgrind)."""
    from step_answers import ANSWER_SETS, SECTIONS, TOKEN, posted

    from ivig_home.checklist import prune
    from ivig_home.wsgi import app

    def token(page: str) -> str:
        found = TOKEN.search(page)
        if not found:
            raise RuntimeError("no form token")
        return found.group(1)

    _, _, page = call(app, "GET", "/a/demo/")
    _, location, _ = call(app, "POST", "/a/demo/", urlencode({"csrf_token": token(page)}))
    base = urlsplit(location).path.rsplit("/", 1)[0]
    answers = prune(ANSWER_SETS[0])
    for _ in range(3 + walks):
        for section in SECTIONS:
            status, _, page = call(app, "GET", f"{base}/{section.id}")
            body = urlencode([*posted(section, answers), ("csrf_token", token(page)),
                              ("action", "continue")])
            posted_status, _, _ = call(app, "POST", f"{base}/{section.id}", body)
            if (status, posted_status) != (200, 303):
                raise RuntimeError(f"{section.id}: {status} {posted_status}")


def child_fixed(walks: int) -> None:
    """The fixed page, as many times as the steps run makes requests."""
    from fixed_app import app
    from step_answers import SECTIONS

    for _ in range((3 + walks) * 2 * len(SECTIONS)):
        if call(app, "GET", "/")[0] != 200:
            raise RuntimeError("fixed page")


def counted(kind: str, walks: int, folder: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """Start one counted run of this file as a child under callgrind."""
    out = folder / f"{kind}-{walks}.callgrind"
    return subprocess.Popen(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable,
         __file__, "--child", kind, "--walks", str(walks)],
        env={**os.environ, **CHILD_ENV, **env}, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE)


def total(path: Path) -> int:
    """Return the instructions a callgrind output file counted."""
    for line in path.read_text().splitlines():
        if line.startswith("totals:"):
            return int(line.split()[1])
    raise RuntimeError(f"no totals in {path}")


def measure(kind: str, walks: int, folder: Path, env: dict[str, str]) -> float:
    """Return millions of instructions per extra request, for steps or the fixed page."""
    runs = [counted(kind, 1, folder, env), counted(kind, 1 + walks, folder, env)]
    for run in runs:
        _, err = run.communicate()
        if run.returncode != 0:
            raise RuntimeError(f"{kind} run failed:\n{err.decode()[-2000:]}")
    from step_answers import SECTIONS

    extra = walks * 2 * len(SECTIONS)
    return (total(folder / f"{kind}-{1 + walks}.callgrind")
            - total(folder / f"{kind}-1.callgrind")) / extra / 1e6


def main() -> None:
    """Count a step request's instructions on PostgreSQL, and the fixed page's."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--walks", type=int, default=4, help="extra times through every step")
    parser.add_argument("--child", choices=["steps", "fixed"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        (child_steps if args.child == "steps" else child_fixed)(args.walks)
        return
    name = f"ivig_instr_{secrets.token_hex(4)}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    try:
        with tempfile.TemporaryDirectory(prefix="ivig-step-instr-") as temporary:
            folder = Path(temporary)
            env = {"DATABASE_URL": ADMIN_URL.rsplit("/", 1)[0] + f"/{name}",
                   "IVIG_HOME_INSTANCE_PATH": str(folder / "instance")}
            subprocess.run([str(Path(sys.executable).parent / "ivig-home"), "init-db", "--demo"],
                           env={**os.environ, **env}, check=True, stdout=subprocess.DEVNULL,
                           cwd=HERE.parent)
            step = measure("steps", args.walks, folder, env)
            fixed = measure("fixed", args.walks, folder, {})
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]
    print(f"step request: {step:.2f} million instructions; fixed page: {fixed:.2f}")
    print(f"step_instructions step_minstr={step:.2f} fixed_minstr={fixed:.2f} "
          f"per_fixed={step / fixed:.1f}")


if __name__ == "__main__":
    main()
