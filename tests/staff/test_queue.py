"""The queue: emergencies, then urgent, then the rest newest first; filters, search, pages."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import event, select, update

from ivig_home.agencies import registry
from ivig_home.audit.log import audit
from ivig_home.crypto import seal, sealed_context
from ivig_home.db import db
from ivig_home.intake.pdf import assessment_of
from ivig_home.models import StaffUser, Submission
from ivig_home.staff import queue as queue_module
from ivig_home.staff import review
from ivig_home.staff.queue import PAGE_SIZE, QueueFilter, normal_reference, queue_page
from tests.staff.support import World, agency, post, submit_for

# One answer changed from the clean example raises one flag of each severity.
RAISES = {
    "emergency": {"breathing_trouble_now": "yes"},
    "urgent": {"weakness_worse_now": "yes"},
    "discuss": {"kidney_problems": "yes"},
    "prepare": {"can_check_blood_pressure": "no"},
    "note": {"medications": "pyridostigmine"},
    "none": {},
}


def _submit(kind: str, minutes_ago: int, name: str) -> Submission:
    return submit_for(registry.ensure_demo_agency(), "nothing-to-flag", minutes_ago=minutes_ago,
                      patient_name=name, **RAISES[kind])


def test_emergencies_then_urgent_then_the_rest_newest_first(db_app: Flask) -> None:
    arrivals = [  # (kind, minutes ago): the rest mixes severities and is ordered by time only
        ("note", 1), ("none", 2), ("discuss", 3), ("urgent", 4), ("prepare", 5),
        ("emergency", 6), ("note", 7), ("urgent", 8), ("emergency", 9), ("discuss", 10),
    ]
    for kind, minutes in arrivals:
        _submit(kind, minutes, f"{kind} {minutes}")
    page = queue_page(registry.ensure_demo_agency().id, QueueFilter())
    assert [row.patient_name for row in page.rows] == [
        "emergency 6", "emergency 9", "urgent 4", "urgent 8",
        "note 1", "none 2", "discuss 3", "prepare 5", "note 7", "discuss 10"]
    assert page.new_count == page.total == 10
    assert [row.highest for row in page.rows[:4]] == ["emergency"] * 2 + ["urgent"] * 2


def _file_review(submission: Submission) -> None:
    """File a real review of the submission: every flag acknowledged, then marked reviewed."""
    nurse = db.session.scalar(select(StaffUser).where(StaffUser.email == "q-nurse@demo.test"))
    if nurse is None:
        nurse = StaffUser(agency_id=registry.ensure_demo_agency().id, email="q-nurse@demo.test",
                          password_hash="not used", role="nurse", name="Jo Rivera")
        db.session.add(nurse)
        db.session.commit()
    assessment = assessment_of(submission)
    for flag in assessment.flags:
        review.record_disposition(submission, assessment, flag.item.id, "acknowledged", "",
                                  nurse, None)
    review.mark_reviewed(submission, assessment, nurse, None)


def test_a_filed_review_goes_below_everything_still_to_review_until_reopened(
        db_app: Flask) -> None:
    emergency = _submit("emergency", 30, "emergency, filed")
    _submit("urgent", 20, "urgent, new")
    _submit("discuss", 10, "discuss, new")
    _submit("none", 40, "nothing, filed")
    _file_review(emergency)
    _file_review(db.session.scalar(select(Submission).where(Submission.severity_rank == 5)))
    agency_id = registry.ensure_demo_agency().id
    names = [row.patient_name for row in queue_page(agency_id, QueueFilter()).rows]
    assert names == ["urgent, new", "discuss, new", "emergency, filed", "nothing, filed"]
    # Filters still find a filed review under its severity and its status.
    assert [row.patient_name for row in queue_page(
        agency_id, QueueFilter(severity="emergency")).rows] == ["emergency, filed"]
    assert [row.patient_name for row in queue_page(
        agency_id, QueueFilter(severity="none")).rows] == ["nothing, filed"]
    assert [row.patient_name for row in queue_page(
        agency_id, QueueFilter(status="reviewed")).rows] == ["emergency, filed", "nothing, filed"]
    nurse = db.session.scalar(select(StaffUser).where(StaffUser.email == "q-nurse@demo.test"))
    review.reopen_review(emergency, "Wrong box ticked.", nurse, None)
    names = [row.patient_name for row in queue_page(agency_id, QueueFilter()).rows]
    assert names == ["emergency, filed", "urgent, new", "discuss, new", "nothing, filed"]


@pytest.mark.parametrize("severity,expected", [
    ("emergency", ["emergency 3"]), ("urgent", ["urgent 2"]), ("discuss", ["discuss 1"]),
    ("note", ["note 5"]), ("none", ["none 4"]), ("prepare", []),
])
def test_the_most_pressing_item_filter(db_app: Flask, severity: str,
                                       expected: list[str]) -> None:
    for kind, minutes in (("discuss", 1), ("urgent", 2), ("emergency", 3), ("none", 4),
                          ("note", 5)):
        _submit(kind, minutes, f"{kind} {minutes}")
    page = queue_page(registry.ensure_demo_agency().id, QueueFilter(severity=severity))
    assert [row.patient_name for row in page.rows] == expected


@pytest.mark.parametrize("status", ["new", "in_review", "reviewed"])
def test_the_status_filter_and_the_count_of_new_ones(db_app: Flask, status: str) -> None:
    made = [_submit("discuss", minutes, f"patient {minutes}") for minutes in range(1, 7)]
    for submission, new_status in zip(made, ["new", "new", "new", "in_review", "reviewed",
                                             "reviewed"], strict=True):
        db.session.execute(update(Submission).where(Submission.id == submission.id)
                           .values(status=new_status))
    db.session.commit()
    page = queue_page(registry.ensure_demo_agency().id, QueueFilter(status=status))
    assert {row.status for row in page.rows} == {status}
    assert page.total == {"new": 3, "in_review": 1, "reviewed": 2}[status]
    assert page.new_count == 3


def test_pages_hold_every_submission_once_in_order(db_app: Flask) -> None:
    demo = registry.ensure_demo_agency()
    for minutes in range(PAGE_SIZE * 2 + 3):
        _submit("urgent" if minutes % 5 == 0 else "note", minutes + 1, f"p{minutes}")
    seen: list[str] = []
    for number in (1, 2, 3):
        page = queue_page(demo.id, QueueFilter(page=number))
        assert page.pages == 3 and page.page == number
        seen += [row.reference for row in page.rows]
    assert len(seen) == len(set(seen)) == PAGE_SIZE * 2 + 3
    beyond = queue_page(demo.id, QueueFilter(page=99))
    assert beyond.page == 3 and len(beyond.rows) == 3


def test_only_one_page_of_names_is_decrypted(db_app: Flask,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    for minutes in range(PAGE_SIZE + 10):
        _submit("none", minutes + 1, f"p{minutes}")
    opened: list[str] = []
    real = queue_module.submission_identity

    def counting(submission: Submission) -> dict[str, Any]:
        opened.append(submission.id)
        return real(submission)

    monkeypatch.setattr(queue_module, "submission_identity", counting)
    page = queue_page(registry.ensure_demo_agency().id, QueueFilter())
    assert len(opened) == len(page.rows) == PAGE_SIZE


def test_another_agencys_submissions_never_show(db_app: Flask) -> None:
    mine = _submit("emergency", 1, "Mine")
    elsewhere = agency("elsewhere", "Elsewhere Care")
    theirs = submit_for(elsewhere, "emergency", patient_name="Theirs")
    page = queue_page(registry.ensure_demo_agency().id, QueueFilter())
    assert [row.reference for row in page.rows] == [mine.reference]
    searched = queue_page(registry.ensure_demo_agency().id, QueueFilter(reference=theirs.reference))
    assert searched.rows == [] and searched.total == 0


@pytest.mark.parametrize("typed,expected", [
    ("HKT-4829", "HKT-4829"), ("hkt4829", "HKT-4829"), (" hkt 4829 ", "HKT-4829"),
    ("HKT–4829", "HKT-4829"), ("HKT-482", None), ("4829", None), ("", None),
    ("HKT-4829-1", None), ("Ana Ruiz", None),
])
def test_a_typed_reference_is_read_as_a_nurse_would_mean_it(typed: str,
                                                            expected: str | None) -> None:
    assert normal_reference(typed) == expected


@given(st.text(max_size=30))
def test_reading_a_reference_never_fails(typed: str) -> None:
    found = normal_reference(typed)
    assert found is None or re.fullmatch(r"[A-Z]{3}-[0-9]{4}", found)


@pytest.mark.parametrize("args,expected", [
    ({}, QueueFilter()),
    ({"status": "reviewed", "severity": "urgent", "page": "3"},
     QueueFilter(status="reviewed", severity="urgent", page=3)),
    ({"status": "gone", "severity": "critical", "page": "-1"}, QueueFilter()),
    ({"page": "99999999999"}, QueueFilter()),
    ({"reference": "abc1234"}, QueueFilter(reference="ABC-1234", typed_reference="abc1234")),
])
def test_query_arguments_become_a_filter(args: dict[str, str], expected: QueueFilter) -> None:
    assert QueueFilter.from_args(args) == expected


def test_the_queue_page_shows_rows_counts_and_search(
        world: World, as_user: Callable[[str | None], FlaskClient]) -> None:
    client = as_user("nurse@demo.test")
    page = client.get("/staff/").get_data(as_text=True)
    assert ("3 new</strong> submissions have no action recorded yet. Each new one says whether "
            "anyone has opened it." in page)
    assert page.count("Not opened yet") == 3
    # The emergency first; then the rest by time: nothing flagged (10 min ago) before discuss (20).
    assert page.index("Mei Chen") < page.index("Ana Ruiz") < page.index("George Papadopoulos")
    assert "Born 30 September 1988" in page
    assert "1 emergency" in page and "2 urgent" in page and "Nothing flagged" in page
    assert "Sam Lee" not in page and "Harbour" not in page
    with world.app.app_context():
        reference = db.session.get(Submission, world.own["clear"]).reference
    found = client.get("/staff/", query_string={"reference": reference.lower()})
    body = found.get_data(as_text=True)
    assert "Showing 1 to 1 of 1 matching" in body and "Ana Ruiz" in body
    assert "Mei Chen" not in body
    unreadable = client.get("/staff/", query_string={"reference": "Ana"}).get_data(as_text=True)
    assert "References look like ABC-1234" in unreadable and "Ana Ruiz" not in unreadable
    none = client.get("/staff/", query_string={"status": "reviewed"}).get_data(as_text=True)
    assert "No submissions match these filters." in none


def test_page_links_keep_the_filters(world: World, as_user: Callable[[str | None], FlaskClient],
                                     ) -> None:
    with world.app.app_context():
        demo = registry.ensure_demo_agency()
        for minutes in range(PAGE_SIZE + 1):
            submit_for(demo, "nothing-to-flag", minutes_ago=100 + minutes)
    page = as_user("nurse@demo.test").get("/staff/", query_string={"severity": "none"})
    body = page.get_data(as_text=True)
    assert "Page 1 of 2" in body
    assert 'href="/staff/?severity=none&amp;page=2"' in body


NEW_THREE = ("3 new submissions have no action recorded yet. "
             "Each new one says whether anyone has opened it.")


def _opened_line(body: str) -> str:
    found = re.search(r'<p class="new-count">(.*?)</p>', body, re.S)
    assert found, "no count of new submissions on the page"
    return re.sub(r"<[^>]+>", "", found.group(1))


def _status_cell(body: str, name: str) -> list[str]:
    row = body[body.index(name):]
    found = re.search(r'<td class="queue__status"[^>]*>(.*?)</td>', row, re.S)
    assert found
    return re.sub(r"<[^>]+>", " ", found.group(1)).split()


def test_opening_a_submission_shows_in_the_queue(
        world: World, as_user: Callable[[str | None], FlaskClient]) -> None:
    client = as_user("nurse@demo.test")
    before = client.get("/staff/").get_data(as_text=True)
    assert _status_cell(before, "Ana Ruiz") == ["New", "Not", "opened", "yet"]
    assert client.get(f"/staff/submissions/{world.own['clear']}").status_code == 200
    after = client.get("/staff/").get_data(as_text=True)
    # Opened but nothing recorded: still new, and nowhere said to be unopened.
    assert _status_cell(after, "Ana Ruiz") == ["New", "Opened"]
    assert _opened_line(after) == NEW_THREE
    assert after.count("Not opened yet") == 2
    assert "not been opened for review" not in after
    # Another nurse sees the same: anyone's opening counts.
    other = as_user("second@demo.test").get("/staff/").get_data(as_text=True)
    assert _status_cell(other, "Ana Ruiz") == ["New", "Opened"]
    # Another agency opening its own submissions, or looking at the queue, opens nothing here.
    as_user("nurse@harbour.test").get(f"/staff/submissions/{world.other['risks']}")
    assert client.get("/staff/").get_data(as_text=True).count("Not opened yet") == 2
    for key in ("emergency", "risks"):
        client.get(f"/staff/submissions/{world.own[key]}")
    every = client.get("/staff/").get_data(as_text=True)
    assert _opened_line(every) == NEW_THREE
    assert "Not opened yet" not in every


def test_one_new_submission_is_described_truthfully(
        world: World, as_user: Callable[[str | None], FlaskClient]) -> None:
    client = as_user("nurse@demo.test")
    with world.app.app_context():
        db.session.execute(update(Submission).where(Submission.id.in_(
            [world.own["emergency"], world.own["risks"]])).values(status="reviewed"))
        db.session.commit()
    body = client.get("/staff/").get_data(as_text=True)
    assert _opened_line(body) == ("1 new submission has no action recorded yet. "
                                  "Each new one says whether anyone has opened it.")
    assert _status_cell(body, "Ana Ruiz") == ["New", "Not", "opened", "yet"]
    assert _status_cell(body, "Mei Chen") == ["Reviewed"]
    client.get(f"/staff/submissions/{world.own['clear']}")
    body = client.get("/staff/").get_data(as_text=True)
    assert _status_cell(body, "Ana Ruiz") == ["New", "Opened"]
    assert "Not opened yet" not in body and "not been opened" not in body


def test_a_recorded_action_moves_it_out_of_new(
        world: World, as_user: Callable[[str | None], FlaskClient]) -> None:
    client = as_user("nurse@demo.test")
    url = f"/staff/submissions/{world.own['risks']}"
    page = client.get(url).get_data(as_text=True)
    item = re.search(r'<input type="checkbox" id="[^"]+" name="([^"]+)-disposition"', page)
    assert item, "no disposition form on the submission page"
    recorded = post(client, f"{url}/flags",
                    {f"{item.group(1)}-disposition": "acknowledged"})
    assert recorded.status_code == 303, recorded.get_data(as_text=True)
    body = client.get("/staff/").get_data(as_text=True)
    assert _opened_line(body).startswith("2 new submissions have no action recorded yet.")
    assert body.count("Not opened yet") == 2
    assert _status_cell(body, "George Papadopoulos") == ["In", "review"]


def test_the_page_reads_its_rows_in_one_query_whatever_their_number(db_app: Flask) -> None:
    demo = registry.ensure_demo_agency()
    made = [_submit("note", minutes + 1, f"p{minutes}") for minutes in range(PAGE_SIZE + 5)]
    opened = {made[0].id, made[3].id}
    for submission in made:
        if submission.id in opened:
            audit("viewed", submission=submission, actor="nurse@demo.test")
        audit("downloaded", submission=submission, actor="nurse@demo.test")
    agency_id = demo.id
    statements: list[str] = []

    def seen(*args: Any) -> None:
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        page = queue_page(agency_id, QueueFilter())
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert {row.id for row in page.rows if row.opened} == opened
    assert page.new_count == PAGE_SIZE + 5
    # The total, the page's rows with whether each was opened, and the count of new ones.
    assert len(statements) == 3, statements


def test_a_row_says_whom_to_call_and_when_the_infusion_is(
        world: World, as_user: Callable[[str | None], FlaskClient]) -> None:
    with world.app.app_context():
        submit_for(registry.ensure_demo_agency(), "nothing-to-flag", patient_name="Rosa Delgado",
                   completed_by="caregiver", contact_phone="+1 (555) 010-0123 x 9",
                   planned_infusion_date="2027-01-12")
    body = as_user("nurse@demo.test").get("/staff/").get_data(as_text=True)
    row = next(row for row in re.findall(r"<tr class=\"queue__row.*?</tr>", body, re.S)
               if "Rosa Delgado" in row)
    assert ('<a class="queue__call" href="tel:+15550100123;ext=9">+1 (555) 010-0123 x 9</a>'
            '<span class="queue__who">Filled in by a caregiver</span>') in row
    assert '<td class="queue__infusion" data-label="Planned infusion">12 January 2027</td>' in row


def test_a_row_stored_before_the_identity_held_the_phone_reads_it_from_the_answers(
        db_app: Flask) -> None:
    submission = submit_for(registry.ensure_demo_agency(), "nothing-to-flag",
                            patient_name="Old Row", contact_phone="555-0142")
    older = {"patient_name": "Old Row", "date_of_birth": "1971-04-02"}
    db.session.execute(update(Submission).where(Submission.id == submission.id).values(
        identity_enc=seal(older, sealed_context("submissions", "identity_enc", submission.id))))
    db.session.commit()
    db.session.remove()
    row = queue_page(registry.ensure_demo_agency().id, QueueFilter()).rows[0]
    assert (row.patient_name, row.contact.phone, row.contact.tel) == (
        "Old Row", "555-0142", "tel:5550142")
    assert row.contact.filled_in_by == "Filled in by the patient"
