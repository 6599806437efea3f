"""The Patients page, a patient's page, and moving a submission between patients."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import select

from ivig_home import timezones
from ivig_home.db import db
from ivig_home.models import Agency, AuditEntry, Submission
from ivig_home.patients.matching import patient_ids_of
from tests.staff.support import World, post, submit_for

NURSE = "nurse@demo.test"


def text_of(response: object) -> str:
    html = response.get_data(as_text=True)  # type: ignore[attr-defined]
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def plan(world: World) -> dict[str, str]:
    """Send a second checklist for Ana (tomorrow) and Mei (in ten days), and one for George
    whose infusion was yesterday; return the new submissions' ids."""
    with world.app.app_context():
        demo = db.session.get(Agency, world.own["agency"])
        today = timezones.today(demo.time_zone)
        day = lambda days: (today + timedelta(days=days)).isoformat()  # noqa: E731
        return {"ana": submit_for(demo, "nothing-to-flag", planned_infusion_date=day(1)).id,
                "mei": submit_for(demo, "emergency", planned_infusion_date=day(10)).id,
                "george": submit_for(demo, "clinical-risk-factors",
                                     planned_infusion_date=day(-1)).id}


def audit_actions(world: World, action: str) -> list[tuple[str | None, str | None]]:
    with world.app.app_context():
        return [tuple(row) for row in db.session.execute(  # type: ignore[misc]
            select(AuditEntry.detail, AuditEntry.reference)
            .where(AuditEntry.action == action).order_by(AuditEntry.id))]


def test_the_patients_page_lists_the_soonest_infusion_first_with_each_state(
        world: World, as_user: Callable[[str | None], FlaskClient]) -> None:
    plan(world)
    page = as_user(NURSE).get("/staff/patients")
    assert page.status_code == 200
    words = text_of(page)
    assert "3 patients." in words
    # Ana's infusion is tomorrow, Mei's in ten days; George's was yesterday: not known.
    assert words.index("Ana Ruiz") < words.index("Mei Chen") < words.index("George")
    rows = re.findall(r'<tr class="patients__row patients__row--(\w+)">', page.get_data(
        as_text=True))
    assert rows == ["sent", "sent", "none"]
    assert "Checklist sent" in words and "No invitation" in words
    assert "Not known (the last was" in words
    assert audit_actions(world, "viewed_patients") == [(None, None)]
    # The navigation leads there, marked as the current page.
    assert re.search(r'href="/staff/patients" aria-current="page">Patients<',
                     page.get_data(as_text=True))


def test_a_patients_page_shows_their_checklists_newest_first_with_counts(
        world: World, as_user: Callable[[str | None], FlaskClient]) -> None:
    sent = plan(world)
    with world.app.app_context():
        patient = patient_ids_of([sent["george"]])[sent["george"]]
        references = [db.session.get(Submission, sid).reference
                      for sid in (sent["george"], world.own["risks"])]
        counts = db.session.get(Submission, sent["george"])
        discuss = counts.count_discuss
    page = as_user(NURSE).get(f"/staff/patients/{patient}")
    assert page.status_code == 200
    words = text_of(page)
    assert "George Papadopoulos" in words and "14 March 1955" in words
    assert words.index(references[0]) < words.index(references[1])  # newest first
    assert words.count(f"{discuss} discuss") == 2  # each checklist's count per severity
    assert "Ana Ruiz" not in words
    assert audit_actions(world, "viewed_patient") == [(f"patient {patient}", None)]


def test_another_agencys_patient_is_the_same_404_as_an_unknown_one(
        world: World, as_user: Callable[[str | None], FlaskClient]) -> None:
    with world.app.app_context():
        theirs = patient_ids_of([world.other["risks"]])[world.other["risks"]]
    client = as_user(NURSE)
    other, unknown = (client.get(f"/staff/patients/{theirs}"),
                      client.get("/staff/patients/" + "x" * 22))
    assert other.status_code == unknown.status_code == 404
    assert other.get_data() == unknown.get_data()
    assert audit_actions(world, "viewed_patient") == []
    # Nor can a submission be linked to another agency's patient.
    moved = post(client, f"/staff/submissions/{world.own['clear']}/patient",
                 {"patient": theirs}, follow_redirects=True)
    assert "Choose the patient this submission is about" in text_of(moved)
    with world.app.app_context():
        assert patient_ids_of([world.own["clear"]])[world.own["clear"]] != theirs


def test_a_nurse_links_a_submission_to_another_patient_then_splits_it_off(
        world: World, as_user: Callable[[str | None], FlaskClient]) -> None:
    client = as_user(NURSE)
    with world.app.app_context():
        ids = patient_ids_of([world.own["clear"], world.own["risks"]])
        reference = db.session.get(Submission, world.own["clear"]).reference
    page = client.get(f"/staff/submissions/{world.own['clear']}")
    words = text_of(page)
    assert "Link this checklist to another patient" in words
    assert "George Papadopoulos, born 14 March 1955" in words
    assert "Split off to a new patient" not in words  # Ana's only checklist
    linked = post(client, f"/staff/submissions/{world.own['clear']}/patient",
                  {"patient": ids[world.own["risks"]]}, follow_redirects=True)
    assert "Linked. The submission is now on the patient you chose." in text_of(linked)
    assert "All 2 checklists from this patient" in text_of(linked)
    george = text_of(client.get(f"/staff/patients/{ids[world.own['risks']]}"))
    assert reference in george
    # Ana had no other checklist: she is gone.
    assert client.get(f"/staff/patients/{ids[world.own['clear']]}").status_code == 404
    split = post(client, f"/staff/submissions/{world.own['clear']}/patient/split",
                 follow_redirects=True)
    assert "Split off. The submission is now on a new patient of its own." in text_of(split)
    with world.app.app_context():
        new = patient_ids_of([world.own["clear"]])[world.own["clear"]]
    assert new not in ids.values()
    assert "Ana Ruiz" in text_of(client.get(f"/staff/patients/{new}"))
    assert audit_actions(world, "linked_patient") == [
        (f"patient {ids[world.own['risks']]}", reference)]
    assert audit_actions(world, "split_patient") == [(f"patient {new}", reference)]
