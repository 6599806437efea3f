"""A patient completes the checklist in Chromium, with and without JavaScript. With it, each
journey is also watched (tests/patient/calling.py): phone links big enough to tap, "Call 911"
first after an emergency, nothing logged to the console, nothing asked from another site."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from playwright.sync_api import expect

from ivig_home.checklist import assess
from ivig_home.intake import drafts, submissions
from tests.answers import answers_today
from tests.browser import LiveServer
from tests.patient.calling import CallingWatch
from tests.patient.journey import complete

pytestmark = pytest.mark.browser
EXAMPLES = ["nothing-to-flag", "clinical-risk-factors", "emergency"]


def stored_assessment(live_server: LiveServer, draft_id: str) -> tuple[Any, dict[str, Any]]:
    """Return the submission made from a draft and its decrypted assessment."""
    with live_server.app.app_context():
        draft = drafts.get_draft(draft_id)
        assert draft is not None and draft.submission_id is not None
        submission = submissions.get_submission(draft.submission_id)
        assert submission is not None
        return submission, submissions.submission_assessment(submission)


def expected(answers: dict[str, Any]) -> dict[str, Any]:
    document = {"completed_on": date.today().isoformat(), "answers": answers}
    return assess(document).to_dict()


@pytest.mark.parametrize("name", EXAMPLES)
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_patient_completes_the_checklist_and_the_assessment_is_stored(
        browser: Any, live_server: LiveServer, name: str, javascript: bool) -> None:
    context = browser.new_context(base_url=live_server.url, java_script_enabled=javascript,
                                  viewport={"width": 375, "height": 800})
    page = context.new_page()
    answers = answers_today(name)
    watch = CallingWatch(context, page, emergency=name == "emergency") if javascript else None
    if watch:
        page.goto("/a/demo/")
        watch.start_page(page)
    draft_id = complete(page, "demo", answers, on_page=watch.measure if watch else None)
    if watch:
        watch.check(live_server.url)
    expect(page.get_by_role("heading", name="Your answers have been sent")).to_be_visible()
    submission, assessment = stored_assessment(live_server, draft_id)
    assert page.locator(".reference").inner_text() == submission.reference
    want = expected(answers)
    assert assessment["flags"] == want["flags"]
    assert assessment["counts"] == want["counts"]
    assert submission.highest_severity == (want["flags"][0]["severity"] if want["flags"]
                                           else None)
    if name == "emergency":
        assert submission.emergency_shown_at is not None
        assert submission.urgent_shown_at is not None
    context.close()
