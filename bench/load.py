"""Load and faults: python bench/load.py [--users 50] [--seconds 40] [--no-postgres].

Starts gunicorn with the repository's gunicorn.conf.py on 127.0.0.1 and drives it with
locust (bench/journeys.py), in these phases:

  fixed     a minimal Flask app returning one fixed page (bench/fixed_app.py), same settings
  steps     ivig_home's step pages alone, as fast as they are answered (SQLite, PostgreSQL)
  journeys  whole checklists (every step, help-now pages, send, reference, PDF) with a short
            pause before each button, while nurses view the queue (SQLite, PostgreSQL, and
            PostgreSQL again with a worker killed by SIGKILL and the PostgreSQL server
            restarted during the run)

After each journeys phase the database is checked: every submission the app confirmed to a
patient is stored exactly once, and no submission is half-written. Each phase is bounded in
time and in journeys. The last line reads:
load step_rps=N fixed_rps=N ratio=N step_p99_ms=N journeys=N failed=N lost=N
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import (  # noqa: E402
    ARRIVAL_SECONDS,
    BIN,
    NURSE_EMAIL,
    NURSE_PASSWORD,
    PROJECT,
    CpuMeter,
    Phase,
    Server,
    measure,
    run_locust,
)
from verify import check_submissions  # noqa: E402

ADMIN_URL = os.environ.get("IVIG_HOME_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
PG_RESTART = "pg_ctlcluster --skip-systemctl-redirect {version} main restart"
# Every simulated patient comes from 127.0.0.1, and locust speaks plain HTTP.
APP_ENV = {"IVIG_HOME_START_RATE_LIMIT": "1000000 per minute",
           "IVIG_HOME_RESUME_RATE_LIMIT": "1000000 per minute",
           "IVIG_HOME_SESSION_COOKIE_SECURE": "false"}


def yardstick_phase(args: argparse.Namespace, folder: Path, app: str, env: dict[str, str],
                    log: str, user: str, title: str, name: str) -> Phase:
    """Serve a yardstick app under the same gunicorn settings and drive it with a locust user
    class for the short phase; return its figures (requests called `name`) and processor time."""
    server = Server(app, env, folder / f"gunicorn-{log}.log")
    try:
        meter = CpuMeter(server)
        recorded = run_locust(server.url, user, args.users, args.short, folder)
        cpu = meter.note(len(recorded["requests"]))
    finally:
        server.stop()
    phase = measure(Phase(title, args.short), recorded, {name})
    phase.notes.append(cpu)
    return phase


def fixed_phase(args: argparse.Namespace, folder: Path) -> Phase:
    """Measure the fixed-page app under the same gunicorn settings."""
    return yardstick_phase(args, folder, "bench.fixed_app:app", {}, "fixed", "FixedPage",
                           "fixed", "fixed")


def prepare(env: dict[str, str]) -> None:
    """Create the schema, the demo agency and a nurse, once, before any worker starts."""
    environment = {**os.environ, **env}
    subprocess.run([str(BIN / "ivig-home"), "init-db", "--demo"], cwd=PROJECT, check=True,
                   env=environment, stdout=subprocess.DEVNULL)
    subprocess.run([str(BIN / "ivig-home"), "create-user", NURSE_EMAIL, "--agency", "demo",
                    "--role", "nurse", "--password-stdin"], cwd=PROJECT, check=True,
                   env=environment, input=NURSE_PASSWORD.encode(), stdout=subprocess.DEVNULL)


def quiet_moment(own_database: str, up_to: float) -> bool:
    """Wait until no other database on the server has a client, to restart it gently."""
    deadline = time.monotonic() + up_to
    while time.monotonic() < deadline:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            busy = admin.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
                "AND pid <> pg_backend_pid() AND datname IS DISTINCT FROM %s",
                (own_database,)).fetchone()
        if busy and busy[0] == 0:
            return True
        time.sleep(0.2)
    return False


def restart_postgres(own_database: str, up_to: float, notes: list[str]) -> None:
    """Restart the PostgreSQL server, as an operator or a crash would."""
    if not quiet_moment(own_database, up_to):
        notes.append("other clients were connected when PostgreSQL was restarted")
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    started = time.monotonic()
    subprocess.run(PG_RESTART.format(version=version).split(), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    notes.append(f"PostgreSQL restarted in {time.monotonic() - started:.1f} s")


def inject_faults(server: Server, database: str, seconds: float,
                  notes: list[str]) -> threading.Thread:
    """Kill a worker a third of the way in; restart PostgreSQL in the last third."""
    def faults() -> None:
        began = time.monotonic()
        time.sleep(ARRIVAL_SECONDS + seconds / 3)
        victim = server.workers()[0]
        os.kill(victim, signal.SIGKILL)
        notes.append(f"worker {victim} killed with SIGKILL at {time.monotonic() - began:.0f} s")
        time.sleep(seconds / 3)
        restart_postgres(database, seconds / 3 - 8, notes)
        notes[-1] += f", at {time.monotonic() - began:.0f} s"

    thread = threading.Thread(target=faults, daemon=True)
    thread.start()
    return thread


def journeys_phase(args: argparse.Namespace, folder: Path, server: Server, kind: str,
                   env: dict[str, str], faults: str | None) -> Phase:
    """Run whole checklists, optionally with faults, then check what was stored."""
    phase = Phase(f"journeys {kind}" + (" + faults" if faults else ""), args.seconds)
    fault_thread = inject_faults(server, faults, args.seconds, phase.notes) if faults else None
    recorded = run_locust(server.url, "Patient", args.users, args.seconds, folder,
                          think=args.think, max_journeys=args.max_journeys, nurses=args.nurses,
                          ramp=ARRIVAL_SECONDS)
    if fault_thread:
        fault_thread.join()
    measure(phase, recorded, {"step"})
    queue = measure(Phase("queue", args.seconds), recorded, {"queue"})
    if queue.requests:
        phase.notes.append(f"nurse queue page: {queue.requests} views by {args.nurses} nurses, "
                           f"p50 {queue.p50:.0f} ms, p99 {queue.p99:.0f} ms")
    phase.lost, problems = check_submissions(env, recorded["confirmed"])
    phase.notes += problems
    if phase.in_flight_lost:
        phase.notes.append(f"{phase.in_flight_lost} requests in flight on the killed worker "
                           "got no answer; each was sent again, as a person would")
    return phase


def database_phases(args: argparse.Namespace, folder: Path, kind: str, env: dict[str, str],
                    faults: str | None) -> list[Phase]:
    """Run the steps and journeys phases on one database (faults: its name, to restart)."""
    prepare(env)
    server = Server("ivig_home.wsgi:app", {**APP_ENV, **env}, folder / f"gunicorn-{kind}.log")
    try:
        meter = CpuMeter(server)
        walked = run_locust(server.url, "StepWalker", args.users, args.short, folder)
        steps = measure(Phase(f"steps {kind}", args.short), walked, {"step"})
        steps.notes.append(meter.note(len(walked["requests"])))
        phases = [steps, journeys_phase(args, folder, server, kind, env, None)]
        if faults:
            phases.append(journeys_phase(args, folder, server, kind, env, faults))
    finally:
        server.stop()
    return phases


def postgres_phases(args: argparse.Namespace, folder: Path) -> list[Phase]:
    """Run the PostgreSQL phases in a fresh database, dropped afterwards."""
    name = f"ivig_bench_{secrets.token_hex(4)}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    url = ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        env = {"DATABASE_URL": url, "IVIG_HOME_INSTANCE_PATH": str(folder / "instance-pg")}
        return database_phases(args, folder, "postgresql", env, faults=name)
    finally:
        for _ in range(30):  # the server may still be coming back from its restart
            try:
                with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]
                break
            except psycopg.OperationalError:
                time.sleep(1)


def report(phases: list[Phase], fixed: Phase) -> str:
    """Print one line per phase; return the summary line."""
    print(f"{'phase':<34}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'requests':>10}"
          f"{'journeys':>10}{'failed':>8}{'lost':>6}")
    for phase in [fixed, *phases]:
        print(f"{phase.name:<34}{phase.rps:>8.1f}{phase.p50:>9.1f}{phase.p99:>9.1f}"
              f"{phase.requests:>10}{phase.journeys:>10}{phase.failed:>8}{phase.lost:>6}")
        for note in phase.notes:
            print(f"    {note}")
    steps = [phase for phase in phases if phase.name.startswith("steps")]
    journeys = [phase for phase in phases if phase.name.startswith("journeys")]
    steady = [phase for phase in journeys if "faults" not in phase.name]
    step_rps = min(phase.rps for phase in steps)
    print("step_rps: the slower database's steps phase; step_p99_ms: the slowest journeys "
          "phase without faults; journeys, failed and lost: every journeys phase")
    return (f"load step_rps={step_rps:.0f} fixed_rps={fixed.rps:.0f} "
            f"ratio={step_rps / fixed.rps:.2f} "
            f"step_p99_ms={max(phase.p99 for phase in steady):.0f} "
            f"journeys={sum(p.journeys for p in journeys)} "
            f"failed={sum(p.failed for p in journeys)} lost={sum(p.lost for p in journeys)}")


def main() -> None:
    """Run every phase and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=50, help="concurrent patients")
    parser.add_argument("--seconds", type=float, default=60, help="each journeys phase")
    parser.add_argument("--short", type=float, default=20, help="each steps and fixed phase")
    parser.add_argument("--think", type=float, default=2.0,
                        help="seconds a patient takes before each button in the journeys")
    parser.add_argument("--nurses", type=int, default=5,
                        help="nurses viewing the queue during the journeys, besides patients")
    parser.add_argument("--max-journeys", type=int, default=3000)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--keep", type=Path, help="keep logs and raw results in this folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ivig-load-") as temporary:
        folder = (args.keep or Path(temporary)).resolve()
        folder.mkdir(parents=True, exist_ok=True)
        print(f"== {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}; "
              f"{args.users} users; logs in {folder} while running", flush=True)
        fixed = fixed_phase(args, folder)
        sqlite_env = {"IVIG_HOME_INSTANCE_PATH": str(folder / "instance-sqlite")}
        phases = database_phases(args, folder, "sqlite", sqlite_env, faults=None)
        if not args.no_postgres:
            phases += postgres_phases(args, folder)
        print(report(phases, fixed))


if __name__ == "__main__":
    main()
