"""Reviewing a submission flag by flag, the reviewed PDF, and the audit log of every access."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select

from ivig_home.checklist import assess
from ivig_home.db import db
from ivig_home.models import AuditEntry, FlagReview, IssuedPdf, ReviewedPdf, Submission
from ivig_home.staff import review
from tests.answers import example
from tests.pdf_tools import loose, text_of, ticked
from tests.staff.support import NOTE, RISK_ITEMS, World, post, record_flag, review_everything
from tests.store_support import every_value

NUMBERS = review.flag_numbers(assess(example("clinical-risk-factors")))  # as the page numbers


def _submission(world: World, key: str = "risks") -> dict[str, Any]:
    """Return every column of a stored submission, as plain values."""
    with world.app.app_context():
        row = db.session.get(Submission, world.own[key])
        return {column.key: getattr(row, column.key) for column in Submission.__table__.columns}


def test_the_page_shows_the_flags_first_then_every_answer(
        world: World, as_user: Callable[[str | None], FlaskClient]) -> None:
    page = as_user("nurse@demo.test").get(f"/staff/submissions/{world.own['emergency']}")
    body = page.get_data(as_text=True)
    order = ["Mei Chen", "30 September 1988 (age 38)", "does not decide whether home infusion",
             "Download the summary as issued", "Messages shown to the patient", "Needs attention",
             "!!!</span> Emergency (1)", "1. Do you have trouble breathing right now?",
             "Why flagged", "Rule id", "What was done about item 1?", "!!</span> Urgent (2)",
             "Patient not sure: please clarify", "Finish the review", "All answers",
             "What is the full name of the person having IVIG?"]
    missing = [text for text in order if text not in body]
    assert missing == []
    positions = [body.index(text) for text in order]
    assert positions == sorted(positions)
    assert body.count('type="radio"') == 4 * 5
    for word in ("eligible", "approved", "cleared", "safe for"):
        assert word not in body.lower()


def test_recording_dispositions_moves_the_status_and_keeps_notes_encrypted(
        world: World, as_user: Callable[[str | None], FlaskClient]) -> None:
    client = as_user("nurse@demo.test")
    first = RISK_ITEMS[0]
    before = _submission(world)
    response = record_flag(client, world, first, "contacted_patient", NOTE)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"#item-{NUMBERS[first]}")
    after = _submission(world)
    assert after["status"] == "in_review" and after["status_changed_at"] is not None
    assert {k: v for k, v in after.items() if not k.startswith("status")} == {
        k: v for k, v in before.items() if not k.startswith("status")}
    page = client.get(f"/staff/submissions/{world.own['risks']}").get_data(as_text=True)
    assert "Recorded: Contacted patient</strong>, by Jo Rivera" in page
    assert "Spoke with Mr P." in page and "Saved." in page
    assert f'role="status" data-item-message="item-{NUMBERS[first]}">Item {NUMBERS[first]} saved.' \
        in page
    assert record_flag(client, world, first, "escalated").status_code == 303  # a later one wins
    with world.app.app_context():
        submission = db.session.get(Submission, world.own["risks"])
        latest = review.dispositions(submission)[first]
        assert (latest.disposition, latest.note) == ("escalated", "")
        assert db.session.scalar(select(func.count()).select_from(FlagReview)) == 2
        stored = repr(every_value())
    assert "Spoke with Mr P." not in stored and "creatinine" not in stored


def test_a_disposition_must_be_chosen(world: World,
                                      as_user: Callable[[str | None], FlaskClient]) -> None:
    item = RISK_ITEMS[1]
    response = record_flag(as_user("nurse@demo.test"), world, item, "", "a note without a choice")
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<title>Error: Submission" in body
    assert 'href="#item-2-disposition">Item 2: Choose what was done about this item.' in body
    assert f'href="#{item}' not in body  # no rule id (what was answered) in a link
    assert "a note without a choice" in body  # what was typed is kept
    assert _submission(world)["status"] == "new"


def _save_all(client: FlaskClient, world: World, choices: dict[str, tuple[str, str]],
              pressed: str | None = None) -> Any:
    """Post the page's one form: every item's choice and note, by one of its buttons."""
    data: dict[str, str] = {}
    for item in RISK_ITEMS:
        disposition, note = choices.get(item, ("", ""))
        if disposition:
            data[f"{item}-disposition"] = disposition
        data[f"{item}-note"] = note
    if pressed:
        data["item"] = pressed
    return post(client, f"/staff/submissions/{world.own['risks']}/flags", data)


def _recorded(world: World) -> dict[str, tuple[str, str]]:
    with world.app.app_context():
        submission = db.session.get(Submission, world.own["risks"])
        return {item: (done.disposition, done.note)
                for item, done in review.dispositions(submission).items()}


def test_one_save_records_every_item_chosen_and_only_what_changed(
        world: World, as_user: Callable[[str | None], FlaskClient]) -> None:
    client = as_user("nurse@demo.test")
    page = client.get(f"/staff/submissions/{world.own['risks']}").get_data(as_text=True)
    assert page.count("<form class=\"dispositions\"") == 1 and "Save all items</button>" in page
    # Enter on a choice presses the form's first button: a hidden "Save all items".
    form = page[page.index('<form class="dispositions"'):]
    first = re.search(r"<button[^>]*>[^<]*</button>", form)
    assert first and first.group(0) == (
        '<button type="submit" hidden tabindex="-1">Save all items</button>')
    chosen = {RISK_ITEMS[0]: ("acknowledged", ""), RISK_ITEMS[2]: ("contacted_patient", NOTE),
              RISK_ITEMS[3]: ("not_applicable", "")}
    response = _save_all(client, world, chosen)
    assert response.status_code == 303 and response.headers["Location"].endswith("#review")
    assert _recorded(world) == chosen
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Saved 3 items." in page and page.count("Saved.</span>") == 3
    assert "3 of " + str(len(RISK_ITEMS)) + " flagged items have a record" in page
    assert _submission(world)["status"] == "in_review"
    # Sent again unchanged: nothing new is stored; one changed note is one new record.
    again = _save_all(client, world, chosen)
    assert "Nothing new to save" in client.get(again.headers["Location"]).get_data(as_text=True)
    changed = {**chosen, RISK_ITEMS[0]: ("acknowledged", "Called back.")}
    _save_all(client, world, changed)
    assert _recorded(world) == changed
    with world.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(FlagReview)) == 4


def test_an_items_own_button_also_keeps_the_others_chosen(
        world: World, as_user: Callable[[str | None], FlaskClient]) -> None:
    client = as_user("nurse@demo.test")
    chosen = {RISK_ITEMS[0]: ("escalated", ""), RISK_ITEMS[1]: ("acknowledged", "")}
    response = _save_all(client, world, chosen, pressed=RISK_ITEMS[1])
    assert response.headers["Location"].endswith(f"#item-{NUMBERS[RISK_ITEMS[1]]}")
    assert _recorded(world) == chosen


ITEM_MESSAGE = re.compile(
    r'<h4 class="flag__question" id="item-(\d+)" tabindex="-1">[^<]*</h4>\s*'
    r'<p class="message message--(\w+) flag__message" id="item-\1-message" '
    r'role="(\w+)" data-item-message="item-\1">([^<]+)</p>')


def _item_messages(body: str) -> list[tuple[int, str, str, str]]:
    """Return each item message on the page: the item's number, kind, role and text."""
    return [(int(number), kind, role, text)
            for number, kind, role, text in ITEM_MESSAGE.findall(body)]


def test_an_items_own_button_comes_back_to_it_saying_what_was_saved(
        world: World, as_user: Callable[[str | None], FlaskClient]) -> None:
    client = as_user("nurse@demo.test")
    third, first, fifth = RISK_ITEMS[2], RISK_ITEMS[0], RISK_ITEMS[4]
    page = client.get(f"/staff/submissions/{world.own['risks']}").get_data(as_text=True)
    # Each item's button posts to the item by number; no URL on the page names a rule id.
    assert (f'name="item" value="{third}" formaction="/staff/submissions/{world.own["risks"]}'
            f'/flags#item-3">Save item 3</button>') in page
    urls = re.findall(r'(?:href|action|formaction)="([^"]*)"', page)
    assert not [url for url in urls if any(item in url for item in RISK_ITEMS)]

    def pressed(choices: dict[str, tuple[str, str]]) -> str:
        response = _save_all(client, world, choices, pressed=third)
        assert response.status_code == 303
        assert response.headers["Location"].endswith("#item-3")
        return client.get(response.headers["Location"]).get_data(as_text=True)

    body = pressed({third: ("contacted_patient", "")})
    assert _item_messages(body) == [(3, "success", "status", "Item 3 saved.")]
    assert "Saved 1 item." not in body  # said in the item, not at the top of the page
    body = pressed({third: ("contacted_patient", "")})
    assert _item_messages(body) == [(3, "info", "status", "Nothing new to save: item 3 "
                                     "already has this choice and note.")]
    body = pressed({third: ("contacted_patient", ""), first: ("escalated", ""),
                    fifth: ("acknowledged", "")})
    assert _item_messages(body) == [(3, "success", "status", "Item 3 had nothing new to save. "
                                     "Saved items 1 and 5.")]
    body = pressed({third: ("escalated", ""), first: ("escalated", "Called.")})
    assert _item_messages(body) == [(3, "success", "status", "Saved items 1 and 3.")]
    assert client.get(f"/staff/submissions/{world.own['risks']}").get_data(
        as_text=True).count("flag__message") == 0  # said once, not on every later visit


def test_an_items_own_button_with_an_error_comes_back_to_it_saying_why(
        world: World, as_user: Callable[[str | None], FlaskClient]) -> None:
    client = as_user("nurse@demo.test")
    third, fifth = RISK_ITEMS[2], RISK_ITEMS[4]
    own = _save_all(client, world, {third: ("", "a note without a choice")}, pressed=third)
    body = own.get_data(as_text=True)
    assert own.status_code == 400 and "<title>Error: Submission" in body
    assert _item_messages(body) == [(3, "error", "alert", "Nothing was saved. Choose what was "
                                     "done about this item.")]
    other = _save_all(client, world, {third: ("escalated", ""), fifth: ("", "no choice")},
                      pressed=third)
    assert _item_messages(other.get_data(as_text=True)) == [
        (3, "error", "alert", "Nothing was saved. Item 5 needs a fix first; the list at the "
                              "top of the page links to it.")]
    both = _save_all(client, world, {third: ("", "x"), fifth: ("", "y"),
                                     RISK_ITEMS[0]: ("", "z")}, pressed=third)
    assert _item_messages(both.get_data(as_text=True)) == [
        (3, "error", "alert", "Nothing was saved. Choose what was done about this item. Items "
                              "1 and 5 need a fix too; the list at the top of the page links "
                              "to each.")]
    assert _recorded(world) == {}
    save_all = _save_all(client, world, {fifth: ("", "no choice")})
    assert save_all.status_code == 400 and _item_messages(save_all.get_data(as_text=True)) == []


def test_one_wrong_item_saves_nothing_and_keeps_every_choice(
        world: World, as_user: Callable[[str | None], FlaskClient]) -> None:
    client = as_user("nurse@demo.test")
    chosen = {RISK_ITEMS[0]: ("escalated", "Sent to the neurologist."),
              RISK_ITEMS[2]: ("", "a note without a choice")}
    response = _save_all(client, world, chosen)
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and "<title>Error: Submission" in body
    assert 'href="#item-3-disposition">Item 3: Choose what was done about this item.' \
        in body
    assert "Sent to the neurologist." in body and "a note without a choice" in body
    assert re.search(rf'id="{RISK_ITEMS[0]}-disposition-2" name="{RISK_ITEMS[0]}-disposition" '
                     r'value="escalated" checked', body)
    assert _recorded(world) == {} and _submission(world)["status"] == "new"
    pressed_empty = _save_all(client, world, {}, pressed=RISK_ITEMS[1])
    assert pressed_empty.status_code == 400
    assert "Item 2: Choose what was done about this item." in pressed_empty.get_data(as_text=True)


def test_mark_reviewed_saves_the_choices_on_the_page_first(
        world: World, as_user: Callable[[str | None], FlaskClient]) -> None:
    client = as_user("nurse@demo.test")
    page = client.get(f"/staff/submissions/{world.own['risks']}").get_data(as_text=True)
    assert 'form="review-items" name="finish" value="review">Mark reviewed' in page
    half = {item: ("acknowledged", "") for item in RISK_ITEMS[:2]}
    response = post(client, f"/staff/submissions/{world.own['risks']}/flags",
                    {**{f"{item}-disposition": "acknowledged" for item in half},
                     "finish": "review"})
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and "Not marked reviewed yet" in body
    assert "Saved 2 items." in body  # and the page says what it kept
    assert _recorded(world) == half  # what was chosen is kept, not lost
    everything = {item: ("not_applicable", "") for item in RISK_ITEMS}
    data = {f"{item}-disposition": "not_applicable" for item in RISK_ITEMS}
    filed = post(client, f"/staff/submissions/{world.own['risks']}/flags",
                 {**data, "finish": "review"})
    assert filed.status_code == 303 and filed.headers["Location"].endswith("#review")
    assert _recorded(world) == everything and _submission(world)["status"] == "reviewed"
    with world.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReviewedPdf)) == 1


def test_marking_reviewed_needs_every_flag_first(
        world: World, as_user: Callable[[str | None], FlaskClient]) -> None:
    client = as_user("nurse@demo.test")
    record_flag(client, world, RISK_ITEMS[0], "acknowledged")
    response = post(client, f"/staff/submissions/{world.own['risks']}/review")
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and "Not marked reviewed yet" in body
    assert len(re.findall(r'<li><a href="#item-\d+">Item \d+</a></li>', body)) == (
        len(RISK_ITEMS) - 1)
    assert _submission(world)["status"] == "in_review"
    with world.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReviewedPdf)) == 0


def test_the_reviewed_pdf_adds_the_review_and_the_original_stays_as_it_was(
        world: World, as_user: Callable[[str | None], FlaskClient]) -> None:
    client = as_user("nurse@demo.test")
    base = f"/staff/submissions/{world.own['risks']}"
    original = client.get(f"{base}/summary.pdf")
    assert original.headers["Content-Disposition"].startswith(
        'attachment; filename="ivig-summary-')
    before = _submission(world)
    review_everything(client, world)
    done = post(client, f"{base}/review")
    assert done.status_code == 303
    page = client.get(base).get_data(as_text=True)
    assert "Marked reviewed by Jo Rivera on" in page and "Download the reviewed summary" in page
    assert f'action="{base}/flags' not in page and 'name="item"' not in page  # no more changes

    reviewed = client.get(f"{base}/reviewed.pdf")
    assert reviewed.mimetype == "application/pdf"
    assert reviewed.headers["Cache-Control"] == "no-store"
    assert reviewed.headers["Content-Disposition"].endswith('-reviewed.pdf"')
    text = loose(text_of(reviewed.data))
    digest = hashlib.sha256(original.data).hexdigest()
    assert loose(f"SHA-256 of the original PDF: {digest}") in text
    assert loose("Reviewed copy: reviewed by Jo Rivera on") in text
    assert "Reviewed by Jo Rivera on" in text
    assert loose(NOTE) in text
    done = ticked(reviewed.data)
    assert len(done) == len(RISK_ITEMS)
    assert set(done) == {"Acknowledged", "Contacted patient", "Escalated", "Not applicable"}
    assert "George Papadopoulos" in text and "Needs attention" in text  # the original content

    again = client.get(f"{base}/summary.pdf")
    assert again.data == original.data  # byte for byte
    after = _submission(world)
    assert after["status"] == "reviewed" and after["queue_tier"] == 3  # below those to review
    queue_only = ("status", "queue_tier")
    assert {k: v for k, v in after.items() if not k.startswith(queue_only)} == {
        k: v for k, v in before.items() if not k.startswith(queue_only)}
    with world.app.app_context():
        issued = db.session.get(IssuedPdf, world.own["risks"])
        assert issued.sha256 == digest == after["pdf_sha256"]
        stored = db.session.scalar(select(ReviewedPdf))
        assert stored.sha256 == hashlib.sha256(reviewed.data).hexdigest()


def test_a_review_is_filed_once(world: World,
                                as_user: Callable[[str | None], FlaskClient]) -> None:
    nurse, admin = as_user("nurse@demo.test"), as_user("admin@demo.test")
    review_everything(nurse, world)
    base = f"/staff/submissions/{world.own['risks']}"
    assert post(nurse, f"{base}/review").status_code == 303
    second = post(admin, f"{base}/review", follow_redirects=True)
    assert "This submission was already marked reviewed." in second.get_data(as_text=True)
    late = record_flag(admin, world, RISK_ITEMS[0], "escalated")
    assert late.status_code == 303
    with world.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReviewedPdf)) == 1
        assert db.session.scalar(select(func.count()).select_from(FlagReview)) == len(RISK_ITEMS)


def test_a_submission_with_nothing_flagged_is_reviewed_in_one_step(
        world: World, as_user: Callable[[str | None], FlaskClient]) -> None:
    client = as_user("admin@demo.test")
    base = f"/staff/submissions/{world.own['clear']}"
    assert "No items were flagged." in client.get(base).get_data(as_text=True)
    assert post(client, f"{base}/review").status_code == 303
    text = text_of(client.get(f"{base}/reviewed.pdf").data)
    assert "Reviewed by Ada Okafor on" in text
    assert _submission(world, "clear")["status"] == "reviewed"


def _audit(world: World, key: str) -> list[tuple[str, str]]:
    with world.app.app_context():
        return [(entry.action, entry.actor) for entry in db.session.scalars(
            select(AuditEntry).where(AuditEntry.submission_id == world.own[key])
            .order_by(AuditEntry.id))]


def test_every_view_download_and_review_is_one_audit_entry(
        world: World, as_user: Callable[[str | None], FlaskClient]) -> None:
    client = as_user("nurse@demo.test")
    base = f"/staff/submissions/{world.own['clear']}"
    client.get(base)
    assert _audit(world, "clear") == [("submitted", "patient"),
                                      ("viewed", "nurse@demo.test")]
    client.get(f"{base}/summary.pdf")
    client.get(f"{base}/summary.pdf")
    post(client, f"{base}/review")
    client.get(f"{base}/reviewed.pdf")
    assert _audit(world, "clear") == [
        ("submitted", "patient"), ("viewed", "nurse@demo.test"),
        ("downloaded", "nurse@demo.test"), ("downloaded", "nurse@demo.test"),
        ("reviewed", "nurse@demo.test"), ("downloaded", "nurse@demo.test")]
    assert _audit(world, "risks") == [("submitted", "patient")]  # nothing else was touched
    with world.app.app_context():
        downloads = db.session.scalars(select(AuditEntry.detail).where(
            AuditEntry.submission_id == world.own["clear"], AuditEntry.action == "downloaded")
            .order_by(AuditEntry.id)).all()
        others = db.session.scalars(select(AuditEntry.detail).where(
            AuditEntry.action != "downloaded")).all()
    assert downloads == ["summary", "summary", "reviewed 1"]  # which PDF each one was
    assert set(others) == {None}
    client.get("/staff/")
    with world.app.app_context():
        queue_views = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "viewed_queue")).all()
        assert [(e.actor, e.submission_id, e.agency_id) for e in queue_views] == [
            ("nurse@demo.test", None, world.own["agency"])]


def test_the_audit_log_says_which_pdf_was_downloaded(
        world: World, as_user: Callable[[str | None], FlaskClient]) -> None:
    nurse, admin = as_user("nurse@demo.test"), as_user("admin@demo.test")
    base = f"/staff/submissions/{world.own['clear']}"
    nurse.get(f"{base}/summary.pdf")
    post(nurse, f"{base}/review")
    nurse.get(f"{base}/reviewed.pdf")
    with world.app.app_context():
        reference = db.session.get(Submission, world.own["clear"]).reference
    body = admin.get("/staff/audit", query_string={"reference": reference}).get_data(
        as_text=True)
    whats = re.findall(r'<td data-label="What">([^<]+)</td>', body)
    assert whats[:3] == ["Downloaded a PDF: reviewed summary 1",
                         "Marked reviewed (reviewed PDF issued)",
                         "Downloaded a PDF: the summary as issued"]


def test_a_review_forms_address_opened_with_get_goes_to_the_submission(
        world: World, as_user: Callable[[str | None], FlaskClient]) -> None:
    """A page with errors shows the address its form posted to; opening that address again
    (from the address bar, or the history) comes back to the submission, not a 405."""
    client = as_user("nurse@demo.test")
    own = f"/staff/submissions/{world.own['risks']}"
    wrong = _save_all(client, world, {RISK_ITEMS[2]: ("", "a note without a choice")})
    assert wrong.status_code == 400
    for path in ("/flags", f"/flags/{RISK_ITEMS[0]}", "/review", "/reopen"):
        response = client.get(own + path)
        assert response.status_code == 303, path
        assert response.headers["Location"].endswith(own), path
        page = client.get(own + path, follow_redirects=True)
        assert page.status_code == 200 and "Submission" in page.get_data(as_text=True)
    # The agency's own submissions only; a stranger's sign-in page, nothing recorded.
    other = as_user("nurse@harbour.test")
    assert other.get(own + "/flags").status_code == 404
    assert as_user(None).get(own + "/flags").status_code in (302, 303)
    assert _recorded(world) == {}


def test_refused_requests_leave_no_audit_entry(
        world: World, as_user: Callable[[str | None], FlaskClient]) -> None:
    other = as_user("nurse@harbour.test")
    for path in ("", "/summary.pdf", "/reviewed.pdf"):
        assert other.get(f"/staff/submissions/{world.own['risks']}{path}").status_code == 404
    assert _audit(world, "risks") == [("submitted", "patient")]


def test_the_admin_reads_the_audit_log_by_person_and_by_submission(
        world: World, as_user: Callable[[str | None], FlaskClient]) -> None:
    nurse, admin = as_user("nurse@demo.test"), as_user("admin@demo.test")
    nurse.get(f"/staff/submissions/{world.own['risks']}")
    admin.get(f"/staff/submissions/{world.own['emergency']}")
    as_user("nurse@harbour.test").get(f"/staff/submissions/{world.other['risks']}")
    everything = admin.get("/staff/audit").get_data(as_text=True)
    assert "Opened the submission" in everything and "Signed in" in everything
    assert "harbour.test" not in everything
    by_nurse = admin.get("/staff/audit", query_string={"user": "nurse@demo.test"})
    rows = re.findall(r'<td data-label="Who">([^<]+)</td>', by_nurse.get_data(as_text=True))
    assert set(rows) == {"nurse@demo.test"} and len(rows) == 2  # signed in, opened
    with world.app.app_context():
        reference = db.session.get(Submission, world.own["emergency"]).reference
    by_submission = admin.get("/staff/audit", query_string={"reference": reference.lower()})
    body = by_submission.get_data(as_text=True)
    whats = re.findall(r'<td data-label="What">([^<]+)</td>', body)
    assert whats == ["Opened the submission", "Submitted the checklist"]
    stranger = admin.get("/staff/audit", query_string={"user": "nurse@harbour.test"})
    assert "nurse@harbour.test</td>" not in stranger.get_data(as_text=True)
