"""What bench/load.py runs on: gunicorn on a free port, locust headless, and the figures."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# Users start over this many seconds, which are left out of every figure; in the journeys
# phases patients arrive at random moments over the longer ARRIVAL_SECONDS, which are too.
RAMP_SECONDS = 5
ARRIVAL_SECONDS = 30
NURSE_EMAIL = "nurse@bench.test"
NURSE_PASSWORD = secrets.token_urlsafe(16)


@dataclass
class Phase:
    """What one phase measured."""

    name: str
    seconds: float
    rps: float = 0.0
    p50: float = 0.0
    p99: float = 0.0
    requests: int = 0
    journeys: int = 0
    failed: int = 0
    in_flight_lost: int = 0
    lost: int = 0
    notes: list[str] = field(default_factory=list)


def free_port() -> int:
    """Return a free TCP port on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """gunicorn with the repository's settings, serving one app on a free port."""

    def __init__(self, app: str, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        with log.open("ab") as output:
            self.process = subprocess.Popen(
                [str(BIN / "gunicorn"), "-c", str(PROJECT / "gunicorn.conf.py"), app],
                cwd=PROJECT, stdout=output, stderr=subprocess.STDOUT,
                env={**os.environ, **env, "IVIG_HOME_BIND": f"127.0.0.1:{self.port}"})
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/", timeout=5).close()  # noqa: S310
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not start; see {log}")

    def workers(self) -> list[int]:
        """Return the worker process ids."""
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()]

    def stop(self) -> None:
        """Stop gunicorn and wait for it."""
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _ticks(pid: int | str, reaped: bool = False) -> int:
    """Return a process's processor time so far (user and system), in clock ticks; with
    `reaped`, its ended children's too (gunicorn's workers replaced after max_requests)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    own = int(fields[11]) + int(fields[12])
    return own + (int(fields[13]) + int(fields[14]) if reaped else 0)


class CpuMeter:
    """Processor time spent during a phase, per request: the app servers (gunicorn's master
    and its workers, those replaced during the phase included), the load generator (locust,
    a child of this process), the PostgreSQL server, and the share of the machine left idle.
    """

    def __init__(self, server: Server) -> None:
        self.server = server
        self.start = self._read()

    def _read(self) -> dict[str, float]:
        tick = os.sysconf("SC_CLK_TCK")
        app = _ticks(self.server.process.pid, reaped=True) + sum(
            _ticks(pid) for pid in self.server.workers())
        postgres = 0
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    if (entry / "comm").read_text().strip() == "postgres":
                        postgres += _ticks(entry.name)
                except OSError:
                    continue
        children = os.times()
        stat = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0]
                .split()[1:]]
        return {"app": app / tick, "postgres": postgres / tick,
                "locust": children.children_user + children.children_system,
                "idle": (stat[3] + stat[4]) / tick, "all": sum(stat) / tick}

    def note(self, requests: int) -> str:
        """Return the phase's processor time per request, as a note line."""
        end = self._read()
        spent = {key: end[key] - self.start[key] for key in end}
        per = {key: spent[key] * 1000 / max(requests, 1) for key in ("app", "locust", "postgres")}
        idle = 100 * spent["idle"] / spent["all"] if spent["all"] else 0.0
        return (f"processor time per request: app servers {per['app']:.2f} ms, locust "
                f"{per['locust']:.2f} ms, PostgreSQL {per['postgres']:.2f} ms; machine idle "
                f"{idle:.0f} % ({requests} requests in all)")


def run_locust(url: str, user: str, users: int, seconds: float, folder: Path,
               think: float = 0.0, max_journeys: int = 4000, nurses: int = 0,
               ramp: float = RAMP_SECONDS) -> dict[str, Any]:
    """Run locust headless against the URL; return what bench/journeys.py recorded."""
    results = folder / f"{user}-{secrets.token_hex(3)}.json"
    env = {**os.environ, "IVIG_BENCH_RESULTS": str(results),
           "IVIG_BENCH_ARRIVAL_SECONDS": str(ramp if think else 0),
           "IVIG_BENCH_THINK_SECONDS": str(think), "IVIG_BENCH_MAX_JOURNEYS": str(max_journeys),
           "IVIG_BENCH_NURSES": str(nurses), "IVIG_BENCH_NURSE_EMAIL": NURSE_EMAIL,
           "IVIG_BENCH_NURSE_PASSWORD": NURSE_PASSWORD}
    classes = [user, "Nurse"] if nurses else [user]
    command = [str(BIN / "locust"), "-f", str(PROJECT / "bench" / "journeys.py"), "--headless",
               "-u", str(users + nurses), "-r", str(users + nurses),
               "-t", f"{int(seconds + ramp)}s",
               "--host", url, "--only-summary", "--stop-timeout", "60",
               "--loglevel", "WARNING", *classes]
    with (folder / "locust.log").open("ab") as output:
        subprocess.run(command, cwd=PROJECT, env=env, stdout=output, stderr=subprocess.STDOUT,
                       timeout=seconds + 180, check=False)
    recorded: dict[str, Any] = json.loads(results.read_text())
    recorded["ramp"] = ramp
    events = [json.loads(line) for line in
              Path(f"{results}.events").read_text().splitlines() if line]
    references = {e["draft_id"]: e["reference"] for e in events if e["event"] == "reference"}
    recorded["journeys"] = [e["outcome"] for e in events if e["event"] == "journey"]
    recorded["failures"] = [e["why"] for e in events if e.get("outcome") == "failed"]
    recorded["in_flight_lost"] = sum(1 for e in events if e["event"] == "in_flight_lost")
    recorded["confirmed"] = [{"draft_id": e["draft_id"], "reference": references.get(
        e["draft_id"])} for e in events if e["event"] == "confirmed"]
    return recorded


def measure(phase: Phase, recorded: dict[str, Any], names: set[str]) -> Phase:
    """Fill in throughput and latency of the named requests, over the timed window."""
    rows = [row for row in recorded["requests"] if row[0] in names]
    if not rows:
        return phase
    start = min(row[4] for row in recorded["requests"]) + recorded["ramp"]
    window = [row for row in rows if start <= row[4] <= start + phase.seconds]
    times = sorted(row[2] for row in window)
    phase.requests = len(window)
    phase.rps = len(window) / phase.seconds
    phase.p50 = statistics.median(times)
    phase.p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    outcomes = recorded["journeys"]
    phase.journeys = sum(1 for outcome in outcomes if outcome in ("done", "failed"))
    phase.failed = outcomes.count("failed")
    phase.in_flight_lost = recorded.get("in_flight_lost", 0)
    phase.notes += sorted(set(recorded.get("failures", [])))[:5]
    return phase
