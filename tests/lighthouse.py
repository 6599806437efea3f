"""Lighthouse (npm, pinned in package-lock.json) against ivig_home under gunicorn, as a phone.

`pages(server)` fills in what the pages need (a sent checklist, one in progress, a nurse
signed in); `audit(base, pages, cookie)` runs Lighthouse's mobile defaults on each page
(tests/lighthouse.mjs: Lighthouse's Node API, in one Node process) and returns
their scores and the bytes they transferred. Run as a module, it audits every page several
times and prints the figures (the command behind docs/performance.md's Lighthouse rows):

    .venv/bin/python -m tests.lighthouse [--runs 3]
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.gunicorn_server import GunicornServer, HttpPatient

PROJECT = Path(__file__).resolve().parent.parent
RUNNER = PROJECT / "tests" / "lighthouse.mjs"
CHROMIUM = "/usr/bin/chromium"
CATEGORIES = ("performance", "accessibility", "best-practices")
NURSE, PASSWORD = "nurse@demo.test", "correct horse battery staple"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
SUBMISSION = re.compile(r'href="(/staff/submissions/[^"/]+)"')


@dataclass(frozen=True)
class Page:
    """A page to audit; staff pages are audited signed in."""

    name: str
    path: str
    staff: bool = False


@dataclass(frozen=True)
class Audit:
    """One Lighthouse run's category scores (0 to 100) and bytes transferred."""

    scores: dict[str, int]
    transferred: int
    requests: int
    fonts: list[str]
    error: str | None
    final_url: str
    document: int
    metrics: dict[str, float]


def server_env(instance: Path) -> dict[str, str]:
    """Return the environment of a server on its own instance folder, plain HTTP."""
    return {"IVIG_HOME_INSTANCE_PATH": str(instance), "IVIG_HOME_SESSION_COOKIE_SECURE": "false",
            "IVIG_HOME_PASSWORD_HASH_PROFILE": "cheapest"}


def prepare(instance: Path) -> None:
    """Create the database with the demo agency and a nurse of it."""
    env = {**os.environ, **server_env(instance)}
    cli = [sys.executable, "-c", "from ivig_home.cli import main; main()"]  # this checkout's
    subprocess.run([*cli, "init-db", "--demo"], cwd=PROJECT, env=env, check=True,
                   capture_output=True)
    subprocess.run([*cli, "create-user", NURSE, "--agency", "demo", "--role", "nurse",
                    "--name", "Pat Nurse", "--password-stdin"], cwd=PROJECT, env=env,
                   check=True, input=f"{PASSWORD}\n{PASSWORD}\n", text=True,
                   capture_output=True)


def signed_in(base: str) -> tuple[str, str]:
    """Sign the nurse in; return the session cookie header and the queue page's HTML."""
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    login = browser.open(f"{base}/staff/login").read().decode()
    found = TOKEN.search(login)
    assert found, "the sign-in page has no form token"
    form = urllib.parse.urlencode({"csrf_token": found.group(1), "email": NURSE,
                                   "password": PASSWORD}).encode()
    queue = browser.open(f"{base}/staff/login", data=form).read().decode()
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    assert "Sign out" in queue, "the nurse was not signed in"
    return cookie, queue


def pages(server: GunicornServer) -> tuple[list[Page], str]:
    """Send a checklist with many flags and start another; return the pages to audit and the
    nurse's cookie."""
    from tests.answers import answers_today

    sent = HttpPatient(server.url)
    sent.start()
    sent.send_all(answers_today("clinical-risk-factors"))  # many flags: the longest pages
    draft = HttpPatient(server.url)
    draft.start()
    ready = HttpPatient(server.url)
    ready.start()
    answer_all_steps(ready, answers_today("clinical-risk-factors"))
    cookie, queue = signed_in(server.url)
    submission = SUBMISSION.search(queue)
    assert submission, "the queue lists no submission"
    return [Page("patient start", "/a/demo/"),
            Page("patient step", draft.page("about")),
            Page("patient check", ready.page("confirm")),
            Page("patient sent", sent.page("sent")),
            Page("staff queue", "/staff/", staff=True),
            Page("staff submission", submission.group(1), staff=True),
            Page("staff login", "/staff/login")], cookie


def answer_all_steps(patient: HttpPatient, answers: dict[str, Any]) -> None:
    """Answer every step but the last, so the patient stands on the check page."""
    from tests.patient.client import SECTIONS, section_form, token_in

    for section_id in list(SECTIONS)[:-1]:
        _, _, body = patient.request("GET", patient.page(section_id))
        form = {**section_form(section_id, answers), "csrf_token": token_in(body.decode()),
                "action": "continue"}
        status, _, _ = patient.request("POST", patient.page(section_id), form)
        assert status == 303, (section_id, status)


def audit(base: str, audited: list[Page], cookie: str) -> list[Audit]:
    """Run Lighthouse (mobile, its defaults) on each page, a fresh Chromium for each; return
    each page's scores and bytes, in order."""
    given = [{"url": base + page.path, "cookie": cookie if page.staff else ""}
             for page in audited]
    finished = subprocess.run(["node", str(RUNNER), json.dumps(given)], cwd=PROJECT,
                              env={**os.environ, "CHROME_PATH": CHROMIUM}, check=True,
                              capture_output=True, text=True, timeout=600)
    lines = [json.loads(line) for line in finished.stdout.splitlines() if line.startswith("{")]
    assert len(lines) == len(audited), finished.stderr
    return [Audit(line["scores"], line["transferred"], line["requests"], line["fonts"],
                  line["runtimeError"], line["finalUrl"], line["document"], line["metrics"])
            for line in lines]


def main() -> None:
    """Audit every page several times and print each page's figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as folder:
        prepare(Path(folder))
        with GunicornServer(server_env(Path(folder))) as server:
            audited, cookie = pages(server)
            rounds = []
            for _ in range(runs):
                started = time.monotonic()
                rounds.append(audit(server.url, audited, cookie))
                print(f"round of {len(audited)} pages: {time.monotonic() - started:.0f} s",
                      flush=True)
    for number, page in enumerate(audited):
        results = [found[number] for found in rounds]
        performance = [result.scores["performance"] for result in results]
        print(f"{page.name}: performance {performance} "
              f"(median {statistics.median(performance):g}), "
              f"accessibility {results[0].scores['accessibility']}, "
              f"best practices {results[0].scores['best-practices']}, "
              f"{results[0].transferred:,} bytes in {results[0].requests} requests "
              f"(the page itself {results[0].document:,})"
              f"{', fonts: ' + str(len(results[0].fonts)) if results[0].fonts else ''}")
        for result in results:
            if result.scores["performance"] < 100:
                print(f"  {result.scores['performance']}: " + ", ".join(
                    f"{name} {value:g}" for name, value in result.metrics.items()))


if __name__ == "__main__":
    main()
