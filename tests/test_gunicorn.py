"""ivig_home under gunicorn with the repository's gunicorn.conf.py, as in production."""

from __future__ import annotations

import json
import os
import signal
import socket
import time
import uuid
from collections.abc import Iterator

import pytest
import redis
from flask import Flask
from sqlalchemy import select

from ivig_home.agencies import registry
from ivig_home.db import db
from ivig_home.intake import drafts
from ivig_home.models import Submission
from ivig_home.patients import invitations
from tests.answers import answers_today
from tests.gunicorn_server import GunicornServer, HttpPatient, free_port
from tests.patient.client import token_in

REDIS_URL = os.environ.get("IVIG_HOME_TEST_REDIS", "redis://127.0.0.1:6379/0")
SECRET_NAME = "Ottoline Brackenridge"


def redis_answers() -> bool:
    """Return whether the Redis server for the shared-limit test answers."""
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def served_env(app: Flask, **extra: str) -> dict[str, str]:
    """Return the environment that serves this test app's instance folder and database."""
    env = {"IVIG_HOME_INSTANCE_PATH": app.instance_path, "IVIG_HOME_SECRET_KEY": "gunicorn-test",
           "IVIG_HOME_START_RATE_LIMIT": "1000 per minute", **extra}
    env.pop("DATABASE_URL", None)
    return env


@pytest.fixture
def server(app: Flask) -> Iterator[GunicornServer]:
    """Serve the test app's database under gunicorn with two workers."""
    with GunicornServer(served_env(app)) as running:
        yield running


def raw_request(port: int, data: bytes) -> bytes:
    """Send bytes that are not a well-formed HTTP request; return the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(data)
        return connection.recv(4096)


def test_gunicorn_logs_json_lines_with_no_patient_data(app: Flask) -> None:
    running = GunicornServer(served_env(app))
    try:
        patient = HttpPatient(running.url)
        patient.start()
        answers = {**answers_today("clinical-risk-factors"), "patient_name": SECRET_NAME}
        reference = patient.send_all(answers)
        assert patient.request("GET", patient.page("summary.pdf"))[0] == 200
        bad_line = raw_request(running.port, f"GET /a/demo/resume?code={SECRET_NAME} HTTP/1.1 x"
                               .encode() + b"\r\n\r\n")
        assert bad_line.startswith(b"HTTP/1.1 400")
        huge_header = raw_request(running.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Name: "
                                  + SECRET_NAME.encode() * 1000 + b"\r\n\r\n")
        assert huge_header.startswith(b"HTTP/1.1 4")
    finally:
        output = running.stop()
    lines = [json.loads(line) for line in output.splitlines() if line.strip()]
    assert any(line["logger"] == "gunicorn.error" and "Booting worker" in line["message"]
               for line in lines)
    routes = {line.get("route") for line in lines if line["message"] == "request"}
    assert "/a/<slug>/d/<draft_id>/summary.pdf" in routes
    assert any("withheld" in line["message"] for line in lines)
    for secret in (SECRET_NAME, "Ottoline", "Brackenridge", "1955-03-14", patient.draft_id,
                   reference):
        assert secret not in output, secret


def test_no_response_names_a_server_version(app: Flask) -> None:
    """gunicorn (20.1 on) sends `Server: gunicorn`, with no version; it has no setting to drop
    the header and replaces one the app sets, so the name is all it tells. Its own error
    answers to malformed requests send no Server header at all."""
    with GunicornServer(served_env(app), workers=1) as running:
        client = HttpPatient(running.url)
        answers = [client.request(method, path) for method, path in [
            ("GET", "/a/demo/"), ("GET", "/healthz"), ("GET", "/api/v1/questionnaire"),
            ("GET", "/api/v1/submissions"), ("OPTIONS", "/api/v1/submissions"),
            ("DELETE", "/api/v1/submissions"), ("GET", "/api/v1/nothing"),
            ("GET", "/no/such/page")]]
        malformed = raw_request(running.port, b"GET / HTTP/1.1 x\r\n\r\n")
    assert [status for status, _, _ in answers] == [200, 200, 200, 401, 200, 405, 404, 404]
    for _, headers, _ in answers:
        servers = [value for name, value in headers.items() if name.lower() == "server"]
        assert servers == ["gunicorn"], servers
    head = malformed.split(b"\r\n\r\n", 1)[0].lower()
    assert head.startswith(b"http/1.1 400") and b"server:" not in head


def test_a_killed_worker_is_replaced_and_the_next_patients_are_served(
        app: Flask, server: GunicornServer) -> None:
    first = HttpPatient(server.url)
    first.start()
    reference = first.send_all(answers_today("nothing-to-flag"))
    victim = server.workers()[0]
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while victim in server.workers() or len(server.workers()) < 2:
        assert time.monotonic() < deadline, "the killed worker was not replaced"
        time.sleep(0.1)
    status, _, body = HttpPatient(server.url).request("GET", "/healthz")
    assert status == 200 and json.loads(body) == {"status": "ok"}
    for _ in range(6):
        second = HttpPatient(server.url)
        second.start()
        assert second.request("GET", second.page("about"))[0] == 200
    with app.app_context():
        found = db.session.scalars(select(Submission).where(Submission.reference == reference))
        assert len(list(found)) == 1


def _start_twice_the_limit(first: GunicornServer, second: GunicornServer) -> list[int]:
    """Press Start three times on the first server, then once on the second."""
    statuses = []
    for running in (first, first, first, second):
        patient = HttpPatient(running.url)
        _, _, body = patient.request("GET", "/a/demo/")
        statuses.append(patient.request("POST", "/a/demo/",
                                        {"csrf_token": token_in(body.decode())})[0])
    return statuses


@pytest.mark.skipif(not redis_answers(), reason=f"SKIPPED: no Redis answers at {REDIS_URL}")
@pytest.mark.parametrize(("storage", "shared"), [(REDIS_URL, True), ("memory://", False)],
                         ids=["redis", "memory"])
def test_app_servers_share_rate_limits_through_redis(app: Flask, storage: str,
                                                     shared: bool) -> None:
    prefix = f"ivig_home_test_{uuid.uuid4().hex}"
    env = served_env(app, IVIG_HOME_RATELIMIT_STORAGE_URI=storage,
                     IVIG_HOME_RATELIMIT_KEY_PREFIX=prefix,
                     IVIG_HOME_START_RATE_LIMIT="3 per minute")
    try:
        with GunicornServer(env, workers=1) as first, GunicornServer(env, workers=1) as second:
            statuses = _start_twice_the_limit(first, second)
    finally:
        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)
    assert statuses[:3] == [303, 303, 303]
    assert statuses[3] == (429 if shared else 303)


def test_an_unreachable_redis_leaves_the_form_working(app: Flask) -> None:
    closed = f"redis://127.0.0.1:{free_port()}"
    with GunicornServer(served_env(app, IVIG_HOME_RATELIMIT_STORAGE_URI=closed,
                                   IVIG_HOME_START_RATE_LIMIT="2 per minute"),
                        workers=1) as running:
        statuses = _start_twice_the_limit(running, running)
    # The limit still holds, counted in the process until Redis is back.
    assert statuses == [303, 303, 429, 429]


def test_healthz_is_never_rate_limited(app: Flask) -> None:
    env = served_env(app, IVIG_HOME_RATELIMIT_APPLICATION="3 per minute")
    with GunicornServer(env, workers=1) as running:
        client = HttpPatient(running.url)
        assert [client.request("GET", "/a/demo/")[0] for _ in range(4)][-1] == 429
        assert {client.request("GET", "/healthz")[0] for _ in range(10)} == {200}


def test_an_application_wide_limit_gives_the_api_a_json_429_and_fhir_an_outcome(
        app: Flask) -> None:
    # In a server of its own: the limiter is one per process and keeps application limits.
    env = served_env(app, IVIG_HOME_RATELIMIT_APPLICATION="2 per minute")
    with GunicornServer(env, workers=1) as running:
        client = HttpPatient(running.url)
        answers = [client.request("GET", "/api/v1/questionnaire") for _ in range(3)]
        fhir = client.request("GET", "/fhir/metadata")
    assert [status for status, _, _ in answers] == [200, 200, 429]
    _, headers, body = answers[-1]
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body)["error"]["status"] == 429
    # The FHIR endpoint says it in FHIR: an OperationOutcome of the issue type "throttled".
    assert fhir[0] == 429 and fhir[1]["Content-Type"] == "application/fhir+json; charset=utf-8"
    assert json.loads(fhir[2])["issue"][0]["code"] == "throttled"


def test_the_master_freezes_what_it_loaded_before_forking_a_worker() -> None:
    # Without it, a worker's full garbage collection walks the ~150,000 objects of the
    # preloaded app (~90 ms here) and touches the pages it shares with the master.
    import gc
    import runpy
    from pathlib import Path

    settings = runpy.run_path(str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py"))
    assert gc.get_freeze_count() == 0
    try:
        settings["pre_fork"](None, None)
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()


BIRTH = {"date_of_birth-day": "2", "date_of_birth-month": "4", "date_of_birth-year": "1971"}


def _try(server: GunicornServer, code: str) -> int:
    """Post one resume from a fresh connection, as a new visitor would; return the status."""
    visitor = HttpPatient(server.url)
    _, _, page = visitor.request("GET", "/a/demo/resume")
    status, _, _ = visitor.request("POST", "/a/demo/resume", {
        "csrf_token": token_in(page.decode()), "code": code, **BIRTH})
    return status


def test_the_resume_lock_holds_across_two_workers_and_two_servers(app: Flask) -> None:
    with app.app_context():
        draft = drafts.start_draft(registry.get_agency("demo"))  # type: ignore[arg-type]
        drafts.save_draft(draft, {"patient_name": "Ana Ruiz", "date_of_birth": "1971-04-02"},
                          "today")
        code = drafts.issue_resume_code(draft)
    # Flask-Limiter counts in memory, per worker: it never stops these tries.
    env = served_env(app, IVIG_HOME_RATELIMIT_STORAGE_URI="memory://",
                     IVIG_HOME_RESUME_RATE_LIMIT="1000 per minute",
                     IVIG_HOME_RESUME_FAILURE_LIMIT="6")
    with GunicornServer(env, workers=2) as first, GunicornServer(env, workers=2) as second:
        assert len(first.workers()) == len(second.workers()) == 2
        # Six wrong codes, three to each server (two workers each): no process saw them all.
        statuses = [_try(server, "KKKK-KKKK") for server in (first, second) * 3]
        assert statuses == [200] * 5 + [429]
        # Now the address is locked everywhere, even for the right code.
        assert [_try(server, code) for server in (first, second, first, second)] == [429] * 4


def test_the_invitation_lock_holds_across_two_workers_and_two_servers(app: Flask) -> None:
    with app.app_context():
        made = invitations.invite(registry.get_agency("demo"),  # type: ignore[arg-type]
                                  "Ana Ruiz", "1971-04-02", "2099-01-02", actor="command line")
    env = served_env(app, IVIG_HOME_RATELIMIT_STORAGE_URI="memory://",
                     IVIG_HOME_RESUME_RATE_LIMIT="1000 per minute")

    def opened(server: GunicornServer, year: str) -> int:
        visitor = HttpPatient(server.url)
        _, _, page = visitor.request("GET", made.path)
        return visitor.request("POST", made.path, {
            "csrf_token": token_in(page.decode()), **BIRTH, "date_of_birth-year": year})[0]

    with GunicornServer(env, workers=2) as first, GunicornServer(env, workers=2) as second:
        # Five wrong dates, spread over both servers: the fifth locks it everywhere.
        assert [opened(server, "1980") for server in (first, second) * 2 + (first,)] == [
            200, 200, 200, 200, 429]
        assert [opened(server, "1971") for server in (second, first)] == [429, 429]
