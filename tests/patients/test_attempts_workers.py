"""The resume lock holds across gunicorn workers and app servers: it is counted in the
database, while the rate limiter below counts in each process's memory."""

from __future__ import annotations

from flask import Flask

from ivig_home.agencies import registry
from ivig_home.intake import drafts
from tests.gunicorn_server import GunicornServer, HttpPatient
from tests.patient.client import token_in
from tests.test_gunicorn import served_env

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
