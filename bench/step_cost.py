"""Processor time of one step page, through gunicorn: python bench/step_cost.py [--rounds N].

One gunicorn worker (the repository's gunicorn.conf.py otherwise) and one client asking for
one page at a time, so nothing else runs beside the worker: every step of the checklist is
opened (GET) and answered (POST, Continue) `rounds` times after a warm-up, and the worker's
processor time (user and system, from /proc) is divided by the requests, on SQLite and on
PostgreSQL (with the PostgreSQL server's own time for the app's connections, summed over
its backend processes). The fixed page of bench/fixed_app.py is measured the same way.
This is what a page costs the server on its own; under load (bench/load.py) each costs
more, as the processes share the cores and their caches. The last line reads:
step_cost sqlite_ms=N postgresql_ms=N postgresql_server_ms=N fixed_ms=N
"""

from __future__ import annotations

import argparse
import http.client
import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import BIN, PROJECT, Server  # noqa: E402
from load import ADMIN_URL, APP_ENV  # noqa: E402
from step_answers import ANSWER_SETS, SECTIONS, TOKEN, posted  # noqa: E402

from ivig_home.checklist import prune  # noqa: E402

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def cpu_seconds(pid: int) -> float:
    """Return a process's processor time so far (user and system), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def ask(port: int, method: str, path: str, body: str | None = None) -> tuple[int, str, str]:
    """Send one request on a connection of its own (sync workers close each one)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request(method, path, body=body, headers=FORM if body else {})
    response = connection.getresponse()
    text = response.read().decode("utf-8", "replace")
    connection.close()
    return response.status, response.getheader("Location") or "", text


def backends(database: str) -> list[int]:
    """Return the PostgreSQL server processes serving this database."""
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        rows = admin.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s",
                             (database,)).fetchall()
    return [int(row[0]) for row in rows]


def walk(port: int, base: str) -> int:
    """Open and answer every step once; return the number of requests."""
    answers = prune(ANSWER_SETS[0])
    for section in SECTIONS:
        status, _, page = ask(port, "GET", f"{base}/{section.id}")
        found = TOKEN.search(page)
        if status != 200 or not found:
            raise RuntimeError(f"GET {section.id}: {status}")
        body = urlencode([*posted(section, answers), ("csrf_token", found.group(1)),
                          ("action", "continue")])
        status, _, _ = ask(port, "POST", f"{base}/{section.id}", body)
        if status != 303:
            raise RuntimeError(f"POST {section.id}: {status}")
    return 2 * len(SECTIONS)


def steps(folder: Path, kind: str, rounds: int, env: dict[str, str],
          database: str | None) -> tuple[float, float]:
    """Return the worker's and the database server's processor time per step request (ms)."""
    environment = {**os.environ, **env}
    subprocess.run([str(BIN / "ivig-home"), "init-db", "--demo"], cwd=PROJECT, check=True,
                   env=environment, stdout=subprocess.DEVNULL)
    server = Server("ivig_home.wsgi:app", {**APP_ENV, **env}, folder / f"gunicorn-{kind}.log")
    try:
        worker = server.workers()[0]
        _, _, page = ask(server.port, "GET", "/a/demo/")
        found = TOKEN.search(page)
        if not found:
            raise RuntimeError("no start form")
        _, location, _ = ask(server.port, "POST", "/a/demo/",
                             urlencode({"csrf_token": found.group(1)}))
        base = urlsplit(location).path.rsplit("/", 1)[0]
        for _ in range(3):
            walk(server.port, base)
        servers = backends(database) if database else []
        server_before = sum(cpu_seconds(pid) for pid in servers)
        before, requests = cpu_seconds(worker), 0
        for _ in range(rounds):
            requests += walk(server.port, base)
        worker_ms = (cpu_seconds(worker) - before) * 1000 / requests
        server_ms = (sum(cpu_seconds(pid) for pid in servers) - server_before) * 1000 / requests
    finally:
        server.stop()
    print(f"{kind}: {requests} step requests, worker {worker_ms:.2f} ms each"
          + (f", PostgreSQL server {server_ms:.2f} ms each" if database else ""), flush=True)
    return worker_ms, server_ms


def fixed(folder: Path, requests: int) -> float:
    """Return the worker's processor time per request of the fixed page (ms)."""
    server = Server("bench.fixed_app:app", {}, folder / "gunicorn-fixed.log")
    try:
        worker = server.workers()[0]
        for _ in range(200):
            ask(server.port, "GET", "/")
        before = cpu_seconds(worker)
        for _ in range(requests):
            ask(server.port, "GET", "/")
        cost = (cpu_seconds(worker) - before) * 1000 / requests
    finally:
        server.stop()
    print(f"fixed page: {requests} requests, worker {cost:.2f} ms each", flush=True)
    return cost


def main() -> None:
    """Measure the step pages on both databases and the fixed page."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=40, help="times through every step")
    args = parser.parse_args()
    os.environ["WEB_CONCURRENCY"] = "1"
    with tempfile.TemporaryDirectory(prefix="ivig-step-cost-") as temporary:
        folder = Path(temporary)
        sqlite, _ = steps(folder, "sqlite", args.rounds,
                          {"IVIG_HOME_INSTANCE_PATH": str(folder / "instance-sqlite")}, None)
        name = f"ivig_cost_{secrets.token_hex(4)}"
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
        try:
            url = ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
            postgres, postgres_server = steps(
                folder, "postgresql", args.rounds,
                {"DATABASE_URL": url, "IVIG_HOME_INSTANCE_PATH": str(folder / "instance-pg")},
                name)
        finally:
            with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]
        page = fixed(folder, 20 * args.rounds)
    print(f"step_cost sqlite_ms={sqlite:.2f} postgresql_ms={postgres:.2f} "
          f"postgresql_server_ms={postgres_server:.2f} fixed_ms={page:.2f}")


if __name__ == "__main__":
    main()
