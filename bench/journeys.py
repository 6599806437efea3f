"""Locust users for bench/load.py: patients filling in the checklist, nurses, a fixed page.

Run by bench/load.py, which reads what this file writes to IVIG_BENCH_RESULTS: each
journey's outcome and each draft whose submission the app confirmed (a 303 to the
confirmation page), one JSON line each as it happens, so a line is never lost to a user
stopped mid-journey; and, when locust quits, every request's name, method, time and outcome.
"""

from __future__ import annotations

import json
import os
import random
import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from locust import FastHttpUser, constant, events, task
from locust.exception import StopUser
from step_answers import ANSWER_SETS, SECTIONS, TOKEN, posted

from ivig_home.checklist import load, prune

REFERENCE = re.compile(r'<strong class="reference">([^<]+)</strong>')
STAFF_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
SUBMISSION_LINK = re.compile(r'href="(/staff/submissions/[^"/]+)"')
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
MAX_JOURNEYS = int(os.environ.get("IVIG_BENCH_MAX_JOURNEYS", "4000"))
THINK_SECONDS = float(os.environ.get("IVIG_BENCH_THINK_SECONDS", "0"))
# Patients arrive at random moments over this many seconds, not all at once.
ARRIVAL_SECONDS = float(os.environ.get("IVIG_BENCH_ARRIVAL_SECONDS", "0"))
RESULTS: dict[str, Any] = {"requests": [], "journeys": [], "in_flight_lost": 0}
EVENTS_PATH = os.environ.get("IVIG_BENCH_RESULTS", os.devnull) + ".events"
EVENTS = open(EVENTS_PATH, "a", buffering=1)  # kept open while locust runs


def record(kind: str, **details: Any) -> None:
    """Write one event line at once (a journey's outcome, a confirmed submission)."""
    EVENTS.write(json.dumps({"event": kind, **details}) + "\n")
    if kind == "journey":
        RESULTS["journeys"].append(details["outcome"])


class JourneyFailed(Exception):
    """The app answered something a patient could not go on from."""


@events.request.add_listener
def record_request(request_type: str, name: str, response_time: float, exception: Any,
                   start_time: float = 0.0, **_: Any) -> None:
    """Keep every request's outcome for bench/load.py."""
    RESULTS["requests"].append([name, request_type, round(response_time, 2),
                                exception is None, round(start_time, 3)])


@events.quitting.add_listener
def save_results(**_: Any) -> None:
    """Write what was measured where bench/load.py reads it."""
    path = os.environ.get("IVIG_BENCH_RESULTS")
    if path:
        Path(path).write_text(json.dumps(RESULTS))


class ChecklistClient(FastHttpUser):
    """What every simulated patient does: send a request the way a person would."""

    abstract = True
    wait_time = constant(0)

    def pause(self) -> None:
        """Read the page before pressing the button: IVIG_BENCH_THINK_SECONDS on average.

        The pause varies (half to one and a half times the average) because people do, and
        identical pauses would march every patient to the Send button at the same moment.
        """
        if THINK_SECONDS:
            time.sleep(random.uniform(0.5, 1.5) * THINK_SECONDS)  # noqa: S311 (not a secret)

    def send(self, method: str, path: str, name: str, expect: tuple[int, ...],
             fields: list[tuple[str, str]] | None = None) -> Any:
        """Send a request; repeat it, as a person would, if the server closed the connection."""
        body = urlencode(fields) if fields is not None else None
        for _ in range(3):
            with self.client.request(method, path, name=name, data=body,
                                     headers=FORM if body else None, allow_redirects=False,
                                     catch_response=True) as response:
                if not response.status_code:
                    response.failure("no answer: the connection was closed")
                    RESULTS["in_flight_lost"] += 1
                    record("in_flight_lost", name=name)
                    time.sleep(0.5)
                    continue
                if response.status_code not in expect:
                    response.failure(f"status {response.status_code}")
                    raise JourneyFailed(f"{method} {name}: {response.status_code}")
                return response
        raise JourneyFailed(f"{method} {name}: no answer three times")

    def token(self, path: str, name: str) -> str:
        """Open a page and return its form token."""
        found = TOKEN.search(self.send("GET", path, name, (200,)).text or "")
        if not found:
            raise JourneyFailed(f"no form on {name}")
        return found.group(1)

    def next_page(self, response: Any) -> str:
        """Return the path a redirect points to."""
        return urlsplit(response.headers.get("Location") or "").path



class Patient(ChecklistClient):
    """A patient or caregiver going through the whole checklist; then the next patient."""

    def on_start(self) -> None:
        """Arrive at a random moment, as patients do, so they are spread over the steps."""
        if ARRIVAL_SECONDS:
            time.sleep(random.uniform(0, ARRIVAL_SECONDS))  # noqa: S311 (not a secret)

    @task
    def journey(self) -> None:
        """Start, answer every step (and any help-now page), send, read the reference, PDF."""
        finished = sum(1 for outcome in RESULTS["journeys"] if outcome in ("done", "failed"))
        if finished >= MAX_JOURNEYS:
            raise StopUser()
        answers = prune(ANSWER_SETS[len(RESULTS["journeys"]) % len(ANSWER_SETS)])
        try:
            self.walk(answers)
            record("journey", outcome="done")
        except JourneyFailed as error:
            record("journey", outcome="failed", why=str(error))

    def walk(self, answers: dict[str, Any]) -> None:
        """Go through one whole checklist."""
        token = self.token("/a/demo/", "start")
        started = self.send("POST", "/a/demo/", "start", (303,), [("csrf_token", token)])
        base = self.next_page(started).rsplit("/", 1)[0]
        for section in SECTIONS:
            token = self.token(f"{base}/{section.id}", "step")
            self.pause()
            fields = [*posted(section, answers), ("csrf_token", token), ("action", "continue")]
            answered = self.send("POST", f"{base}/{section.id}", "step", (303,), fields)
            help_now = self.next_page(answered)
            if "/help-now/" in help_now:
                token = self.token(help_now, "help-now")
                self.send("POST", help_now, "help-now", (303,), [("csrf_token", token)])
        token = self.token(f"{base}/confirm", "check")
        self.pause()
        fields = [*posted(load().sections[-1], answers), ("csrf_token", token),
                  ("action", "submit")]
        self.send("POST", f"{base}/confirm", "submit", (303,), fields)
        draft_id = base.rsplit("/", 1)[1]
        record("confirmed", draft_id=draft_id)
        found = REFERENCE.search(self.send("GET", f"{base}/sent", "sent", (200,)).text or "")
        if found:
            record("reference", draft_id=draft_id, reference=found.group(1))
        pdf = self.send("GET", f"{base}/summary.pdf", "pdf", (200,))
        if not (pdf.content or b"").startswith(b"%PDF"):
            raise JourneyFailed("the PDF is not a PDF")


class FixedPage(FastHttpUser):
    """The same number of clients asking the fixed-page app for its one page."""

    wait_time = constant(0)

    @task
    def page(self) -> None:
        """Ask for the fixed page."""
        self.client.get("/", name="fixed")


class StepWalker(ChecklistClient):
    """A patient going through the steps as fast as the app answers, never sending.

    Measures the step pages alone: each round answers every step of one draft again, as
    a patient going back to change answers does.
    """

    base = ""

    def on_start(self) -> None:
        """Start one draft."""
        token = self.token("/a/demo/", "start")
        started = self.send("POST", "/a/demo/", "start", (303,), [("csrf_token", token)])
        self.base = self.next_page(started).rsplit("/", 1)[0]

    @task
    def journey(self) -> None:
        """Answer every step once more."""
        answers = prune(ANSWER_SETS[0])
        try:
            for section in SECTIONS:
                token = self.token(f"{self.base}/{section.id}", "step")
                fields = [*posted(section, answers), ("csrf_token", token),
                          ("action", "continue")]
                self.send("POST", f"{self.base}/{section.id}", "step", (303,), fields)
            record("journey", outcome="done")
        except JourneyFailed as error:
            record("journey", outcome="failed", why=str(error))


class Nurse(FastHttpUser):
    """A nurse watching the queue and opening the newest submission, every few seconds."""

    fixed_count = int(os.environ.get("IVIG_BENCH_NURSES", "0"))
    wait_time = constant(2)

    def on_start(self) -> None:
        """Sign in with the account bench/load.py made."""
        page = self.client.get("/staff/login", name="sign in")
        found = STAFF_TOKEN.search(page.text or "")
        form = urlencode({"csrf_token": found.group(1) if found else "",
                          "email": os.environ["IVIG_BENCH_NURSE_EMAIL"],
                          "password": os.environ["IVIG_BENCH_NURSE_PASSWORD"]})
        signed_in = self.client.post("/staff/login", data=form, headers=FORM, name="sign in",
                                     allow_redirects=False)
        if signed_in.status_code != 303:
            raise StopUser()

    @task
    def read_queue(self) -> None:
        """Open the queue, then the first submission in it."""
        queue = self.client.get("/staff/", name="queue")
        found = SUBMISSION_LINK.search(queue.text or "")
        if found:
            self.client.get(found.group(1), name="submission")
