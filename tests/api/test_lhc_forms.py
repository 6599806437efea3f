"""The checklist's Questionnaire filled in a renderer nobody here wrote: LHC-Forms (npm `lforms`,
pinned in package-lock.json) in Chromium, served by the test's own static server.

A patient answers two example files through the rendered controls; LHC-Forms' own
QuestionnaireResponse is validated, sent to POST /fhir/QuestionnaireResponse with the agency's
token, and a nurse finds the submission in the queue with the flags `ivig-home assess` gives
for the same answers. Yes to trouble breathing shows the 911 message at once.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from playwright.sync_api import expect

from ivig_home.agencies import api_tokens, registry
from ivig_home.api import fhir
from ivig_home.cli.checklist import assess_command
from tests.answers import answers_today
from tests.api.lhc_forms import (
    answer,
    box,
    fill,
    lhc_forms_site,
    problems,
    questions,
    response,
    show,
)
from tests.apps import SQLITE_FILE, dispose, make_app
from tests.browser import SCREENSHOTS, serving
from tests.staff.support import PASSWORD, STAFF_CONFIG, World

pytestmark = pytest.mark.browser
# One answers file with an emergency and urgent answers, one with many items to discuss,
# several to prepare and a note.
EXAMPLES = ["emergency", "clinical-risk-factors"]
LOCATION = re.compile(r"/fhir/QuestionnaireResponse/([A-Za-z0-9.-]{1,64})\Z")


@dataclass
class Site:
    """The app's address, the demo agency's API token and its time zone."""

    url: str
    token: str
    zone: str

    def headers(self, **more: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", **more}


@pytest.fixture(scope="module")
def site(world_template: tuple[Path, World],
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """Serve a copy of the two agencies (the demo agency has a nurse) with an API token."""
    template, _ = world_template
    instance = tmp_path_factory.mktemp("lhc-forms") / "instance"
    shutil.copytree(template, instance)
    with pytest.MonkeyPatch.context() as monkeypatch:
        app = make_app(instance, f"sqlite:///{instance / SQLITE_FILE}", monkeypatch,
                       **STAFF_CONFIG)
    with app.app_context():
        demo = registry.ensure_demo_agency()
        token = api_tokens.create_token(demo, "LHC-Forms")[1]
        zone = demo.time_zone
    with serving(app) as url:
        yield Site(url, token, zone)
    dispose(app)


@pytest.fixture(scope="module")
def lhc(browser: Any) -> Iterator[Any]:
    """Yield one page showing LHC-Forms' page, shared by every check here."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    with lhc_forms_site() as url:
        page = context.new_page()
        page.goto(url)
        yield page
    context.close()


@pytest.fixture(scope="module")
def questionnaire(lhc: Any, site: Site) -> dict[str, Any]:
    """Return the Questionnaire found by its canonical URL at /fhir, as a renderer finds it."""
    found = lhc.context.request.get(f"{site.url}/fhir/Questionnaire",
                                    params={"url": fhir.CANONICAL}, headers=site.headers())
    assert found.status == 200, found.text()
    bundle = found.json()
    Bundle.model_validate(bundle)
    assert bundle["total"] == 1
    return bundle["entry"][0]["resource"]  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def nurse(browser: Any, site: Site) -> Iterator[Any]:
    """Yield a page of the care team's area, signed in as the demo agency's nurse."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=site.url)
    page = context.new_page()
    page.goto("/staff/login")
    page.get_by_label("Email").fill("nurse@demo.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/staff/")
    yield page
    context.close()


def question(questionnaire: dict[str, Any], link_id: str) -> dict[str, Any]:
    return next(q for q in questions(questionnaire) if q["linkId"] == link_id)


def test_yes_to_trouble_breathing_shows_the_911_message_at_once(
        lhc: Any, questionnaire: dict[str, Any]) -> None:
    show(lhc, questionnaire)
    message = box(lhc, "breathing_trouble_now.emergency")
    breathing = question(questionnaire, "breathing_trouble_now")
    expect(message).to_have_count(0)
    answer(lhc, breathing, "yes")
    expect(message).to_be_visible()
    assert "911" in message.inner_text()
    assert message.inner_text().startswith("Call 911 now")
    # Set apart from the hint above it: bold dark red, not the hint's plain black.
    words = message.get_by_text("Call 911 now", exact=False)
    hint = box(lhc, "breathing_trouble_now.hint").get_by_text("For example", exact=False)
    assert words.evaluate("e => getComputedStyle(e).fontWeight") == "700"
    assert words.evaluate("e => getComputedStyle(e).color") == "rgb(138, 0, 0)"
    assert hint.evaluate("e => getComputedStyle(e).fontWeight") != "700"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    box(lhc, "today").screenshot(path=str(SCREENSHOTS / "lhc-forms-911.png"))
    answer(lhc, breathing, "no")
    expect(message).to_have_count(0)


def test_lhc_forms_comes_from_the_tests_own_server_and_nothing_from_elsewhere(
        lhc: Any, questionnaire: dict[str, Any]) -> None:
    show(lhc, questionnaire)
    origin = lhc.evaluate("location.origin")
    loaded = lhc.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
    assert f"{origin}/lforms/webcomponent/lhc-forms.js" in loaded
    assert f"{origin}/lforms/fhir/R4/lformsFHIR.min.js" in loaded
    assert [url for url in loaded if not url.startswith(origin + "/")] == []


def test_none_of_these_can_be_given_and_reads_back_as_an_empty_list(
        lhc: Any, questionnaire: dict[str, Any]) -> None:
    show(lhc, questionnaire)
    given = {"supervised_infusions": 2, "prior_problems": "yes", "prior_reactions": []}
    assert fill(lhc, questionnaire, given) == list(given)
    assert fhir.answers(response(lhc)) == given
    # "None of these" answers the required question; the rest of the form is still empty.
    still_empty = problems(lhc)
    assert "What is the full name of the person having IVIG? requires a value" in still_empty
    assert not [p for p in still_empty if p.startswith(question(questionnaire,
                                                                "prior_reactions")["text"])]


@pytest.mark.parametrize("name", EXAMPLES)
def test_a_response_filled_in_lhc_forms_reaches_the_queue_with_the_clis_flags(
        lhc: Any, questionnaire: dict[str, Any], site: Site, nurse: Any, name: str,
        tmp_path: Path) -> None:
    show(lhc, questionnaire)
    answers = answers_today(name)
    assert sorted(fill(lhc, questionnaire, answers)) == sorted(answers)
    assert problems(lhc) == []  # LHC-Forms finds every required item answered
    resource = response(lhc)
    QuestionnaireResponse.model_validate(resource)
    assert fhir.answers(resource) == answers

    sent = lhc.context.request.post(
        f"{site.url}/fhir/QuestionnaireResponse", data=json.dumps(resource),
        headers=site.headers(**{"Content-Type": "application/fhir+json"}))
    assert sent.status == 201, sent.text()
    assert sent.headers["content-type"].startswith("application/fhir+json")
    location = LOCATION.search(sent.headers["location"])
    assert location, sent.headers["location"]
    submission_id = location.group(1).replace(".", "_")
    reference = sent.json()["identifier"]["value"]

    # `ivig-home assess` on the same answers, completed the day LHC-Forms says they were given.
    day = datetime.fromisoformat(resource["authored"]).astimezone(ZoneInfo(site.zone)).date()
    answers_file = tmp_path / f"{name}.json"
    answers_file.write_text(json.dumps({"completed_on": day.isoformat(), "answers": answers}))
    assessed = CliRunner().invoke(assess_command, [str(answers_file)])
    assert assessed.exit_code == 0, assessed.output
    wanted = [(flag["item"], flag["severity"]) for flag in json.loads(assessed.stdout)["flags"]]
    assert wanted

    nurse.goto("/staff/")
    link = nurse.locator(f'a.queue__link[href="/staff/submissions/{submission_id}"]')
    expect(link).to_have_text(reference)
    row = nurse.locator("tbody tr").filter(has=link)
    expect(row).to_have_class(re.compile(rf"queue__row--{wanted[0][1]}\b"))
    link.click()
    nurse.wait_for_url(f"**/staff/submissions/{submission_id}")
    flags = nurse.locator("article.flag")
    shown = [(flags.nth(n).locator("code").inner_text(),
              re.search(r"flag--(\w+)", flags.nth(n).get_attribute("class") or "").group(1))
             for n in range(flags.count())]
    assert shown == wanted
