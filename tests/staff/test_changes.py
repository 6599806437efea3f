"""Changed since last time: two checklists from the same patient, as the nurse sees them on
the submission page, in the PDF, in the queue and through the API and FHIR export."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from sqlalchemy import select, update

from ivig_home.agencies import api_tokens
from ivig_home.api.fhir_changes import CHANGES_URL
from ivig_home.checklist import load
from ivig_home.db import db
from ivig_home.models import Agency, PatientSubmission, Submission
from ivig_home.patients import matching, since
from tests.pdf_tools import loose, text_of
from tests.staff.support import World, sign_in, submit_for

LEE = {"patient_name": "Lee Park", "date_of_birth": "1962-06-15"}
CHANGED = ("infection_now", "kidney_problems")
QUESTIONS = {item: load().items[item].question for item in CHANGED}


def _agency(slug: str) -> Agency:
    found = db.session.scalar(select(Agency).where(Agency.slug == slug))
    assert found is not None
    return found


@pytest.fixture
def lee(world: World) -> dict[str, Any]:
    """Lee's checklists: one at the other agency first, then two at agency A, the second
    with a fever now and kidney problems."""
    with world.app.app_context():
        elsewhere = submit_for(_agency("harbour"), minutes_ago=9, **LEE, kidney_problems="yes")
        first = submit_for(_agency("demo"), minutes_ago=5, **LEE)
        second = submit_for(_agency("demo"), minutes_ago=1, **LEE, infection_now="yes",
                            kidney_problems="yes")
        token = api_tokens.create_token(_agency("demo"), "tests")[1]
        return {"first": first.id, "first_ref": first.reference, "second": second.id,
                "second_ref": second.reference, "elsewhere": elsewhere.id, "token": token}


def test_the_page_shows_exactly_the_changed_items(world: World, lee: dict[str, Any]) -> None:
    client = world.app.test_client()
    sign_in(client, "nurse@demo.test")
    page = client.get(f"/staff/submissions/{lee['second']}").get_data(as_text=True)
    section = page[page.index('id="changes"'):page.index("</section>", page.index('id="changes"'))]
    assert "Changed since last time" in section and lee["first_ref"] in section
    assert section.count('class="changes__question"') == 2
    for question in QUESTIONS.values():
        assert question in section
    assert "Was: No" in section and "Now: Yes" in section
    assert "New flags" in section and "Flags gone" not in section
    # Right after the patient's box, before the flags.
    assert page.index('id="patient"') < page.index('id="changes"') < page.index("All answers")
    first = client.get(f"/staff/submissions/{lee['first']}").get_data(as_text=True)
    assert "First checklist from this patient" in first
    assert "Changed since last time" not in first


def test_the_other_agency_sees_its_own_first_checklist(world: World,
                                                       lee: dict[str, Any]) -> None:
    client = world.app.test_client()
    sign_in(client, "nurse@harbour.test")
    page = client.get(f"/staff/submissions/{lee['elsewhere']}").get_data(as_text=True)
    assert "First checklist from this patient" in page


def test_the_pdf_lists_each_change_with_both_answers_and_its_rule_id(
        world: World, lee: dict[str, Any]) -> None:
    client = world.app.test_client()
    sign_in(client, "nurse@demo.test")
    pdf = client.get(f"/staff/submissions/{lee['second']}/summary.pdf").data
    text = loose(text_of(pdf))
    part = text[text.index("Changed since last time"):text.index("All answers")]
    assert text.index("Needs attention") < text.index("Changed since last time")
    assert loose(lee["first_ref"]) in part
    for item, question in QUESTIONS.items():
        assert loose(question) in part and f"Rule id: {item}" in part
    assert part.count("Before: No") == 2 and part.count("Now: Yes") == 2
    assert "New flags:" in part and "rule id: infection_now" in part
    first = loose(text_of(client.get(f"/staff/submissions/{lee['first']}/summary.pdf").data))
    assert "First checklist from this patient" in first
    assert "Changed since last time" not in first


def _row(page: str, reference: str) -> str:
    start = page.index(reference)
    return page[start:page.index("</tr>", start)]


def test_the_queue_row_has_a_badge_without_decrypting_earlier_checklists(
        world: World, lee: dict[str, Any]) -> None:
    client = world.app.test_client()
    sign_in(client, "nurse@demo.test")
    page = client.get("/staff/").get_data(as_text=True)
    assert "2 changes" in _row(page, lee["second_ref"])
    assert "First checklist" in _row(page, lee["first_ref"])
    with world.app.app_context():
        stored = db.session.get(PatientSubmission, lee["second"])
        assert stored is not None
        assert (stored.changes_since_id, stored.change_count) == (lee["first"], 2)


def test_a_count_missing_or_stale_is_made_when_the_queue_shows_it(
        world: World, lee: dict[str, Any]) -> None:
    with world.app.app_context():
        # As if stored before counts were kept.
        db.session.execute(update(PatientSubmission).values(change_count=None,
                                                            changes_since_id=None))
        db.session.commit()
    client = world.app.test_client()
    sign_in(client, "nurse@demo.test")
    page = client.get("/staff/").get_data(as_text=True)
    assert "2 changes" in _row(page, lee["second_ref"])
    with world.app.app_context():
        stored = db.session.get(PatientSubmission, lee["second"])
        assert stored is not None and stored.change_count == 2
        # The command finds the other agency's row the queue above did not show.
        assert since.count_all() >= 1
        assert since.count_all() == 0


def test_the_api_and_the_fhir_export_name_the_changes(world: World,
                                                      lee: dict[str, Any],
                                                      caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    client = world.app.test_client()
    headers = {"Authorization": f"Bearer {lee['token']}"}
    body = client.get(f"/api/v1/submissions/{lee['second']}", headers=headers).get_json()
    changes = body["changes"]
    assert changes["since"]["id"] == lee["first"]
    assert changes["since"]["reference"] == lee["first_ref"]
    assert [(c["item"], c["before"], c["after"]) for c in changes["answers"]] == [
        ("infection_now", "No", "Yes"), ("kidney_problems", "No", "Yes")]
    assert changes["flags_new"] == [{"item": "infection_now", "severity": "urgent"},
                                    {"item": "kidney_problems", "severity": "discuss"}]
    assert changes["flags_gone"] == []
    first = client.get(f"/api/v1/submissions/{lee['first']}", headers=headers).get_json()
    assert first["changes"] == {"since": None, "answers": [], "flags_new": [],
                                "flags_gone": []}
    resource = client.get(f"/api/v1/submissions/{lee['second']}/fhir",
                          headers=headers).get_json()
    QuestionnaireResponse.model_validate(resource)
    extension = next(e for e in resource["extension"] if e["url"] == CHANGES_URL)
    answers = [part for part in extension["extension"] if part["url"] == "answer"]
    assert [next(p["valueString"] for p in a["extension"] if p["url"] == "item")
            for a in answers] == list(CHANGED)
    assert "Lee Park" not in caplog.text and "Park" not in re.sub(r"\s", "", caplog.text)


def test_a_relinked_submission_is_compared_with_its_new_patient(world: World,
                                                               lee: dict[str, Any]) -> None:
    with world.app.app_context():
        # A nurse moves the first checklist away: the second becomes the first of Lee's.
        first = db.session.get(Submission, lee["first"])
        assert first is not None
        assert matching.split_off(first, "nurse@demo.test", None) is not None
    client = world.app.test_client()
    sign_in(client, "nurse@demo.test")
    page = client.get("/staff/").get_data(as_text=True)
    assert "First checklist" in _row(page, lee["second_ref"])
