"""Reviewing a submission flag by flag, the reviewed PDF, and the audit log of every access."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from ivig_home.agencies import registry
from ivig_home.checklist import assess
from ivig_home.db import db
from ivig_home.models import AuditEntry, FlagReview, IssuedPdf, ReviewedPdf, Submission
from ivig_home.staff import review
from tests.answers import example
from tests.pdf_tools import loose, text_of, ticked
from tests.staff.support import (
    NOTE,
    RISK_ITEMS,
    World,
    csrf_token,
    post,
    record_flag,
    review_everything,
    submit_for,
)
from tests.store_support import every_value

QUESTIONS = {flag.item.id: flag.item.question
             for flag in assess(example("clinical-risk-factors")).flags}


def _submission(world: World, key: str = "risks") -> dict[str, Any]:
    """Return every column of a stored submission, as plain values."""
    with world.app.app_context():
        row = db.session.get(Submission, world.own[key])
        return {column.key: getattr(row, column.key) for column in Submission.__table__.columns}


def test_the_page_shows_whom_to_call_then_the_flags_then_every_answer_folded(
        world: World, as_user: Callable[[str | None], FlaskClient]) -> None:
    page = as_user("nurse@demo.test").get(f"/staff/submissions/{world.own['emergency']}")
    body = page.get_data(as_text=True)
    order = ["Mei Chen", "Patient&#39;s phone", 'href="tel:5550100">555-0100</a>',
             "<dt>Filled in by</dt><dd>The patient</dd>",
             "<dt>Planned infusion</dt><dd>1 December 2026</dd>",
             "30 September 1988 (age 38)",
             "IVIG home-infusion readiness checklist, version 1.1.0",
             "does not decide whether home infusion", "Needs attention",
             "Acknowledge all remaining discuss, prepare and note items",
             "!!!</span> Emergency (1)", "1. Do you have trouble breathing right now?",
             "Shown to the patient on", "\u201cCall 911 now\u201d", "Why flagged", "Rule id",
             "What was done about item 1? Tick all that apply.", "!!</span> Urgent (2)",
             "Patient not sure: please clarify", '<button type="submit" class="button">Save',
             "Finish the review", "Download the summary as issued", "All answers",
             "What is the full name of the person having IVIG?"]
    missing = [text for text in order if text not in body]
    assert missing == []
    positions = [body.index(text) for text in order]
    assert positions == sorted(positions)
    assert body.count('type="checkbox"') == 4 * 5 and 'type="radio"' not in body
    assert "Save item" not in body and body.count('class="button">Save</button>') == 1
    # Every answer is there, folded away by section (opened for print: test_review_browser).
    folds = re.findall(r'<details class="fold"[^>]*>', body)
    assert len(folds) >= 5 and not [fold for fold in folds if " open" in fold]
    assert "ivig_home" not in body  # the checklist is named by its title, never its id
    for word in ("eligible", "approved", "cleared", "safe for"):
        assert word not in body.lower()


def _save_all(client: FlaskClient, world: World,
              choices: dict[str, tuple[str | list[str], str]], key: str = "risks",
              **buttons: str) -> Any:
    """Post the page's one form as a browser does: every item's ticked boxes and note."""
    data: list[tuple[str, str]] = []
    for item in RISK_ITEMS if key == "risks" else choices:
        ticked, note = choices.get(item, ([], ""))
        data += [(f"{item}-disposition", value)
                 for value in ([ticked] if isinstance(ticked, str) else ticked) if value]
        data += [(f"{item}-note", note), (f"{item}-listed", "1")]
    data += list(buttons.items())
    return client.post(f"/staff/submissions/{world.own[key]}/flags",
                       data=MultiDict([("csrf_token", csrf_token(client)), *data]))


def _recorded(world: World, key: str = "risks") -> dict[str, tuple[tuple[str, ...], str]]:
    with world.app.app_context():
        submission = db.session.get(Submission, world.own[key])
        return {item: (done.dispositions, done.note)
                for item, done in review.dispositions(submission).items()}


def test_several_dispositions_are_rows_of_one_save_and_notes_stay_encrypted(
        world: World, as_user: Callable[[str | None], FlaskClient]) -> None:
    client = as_user("nurse@demo.test")
    first = RISK_ITEMS[0]
    before = _submission(world)
    response = record_flag(client, world, first, ["contacted_patient", "escalated"], NOTE)
    assert response.status_code == 303 and response.headers["Location"].endswith("#review")
    after = _submission(world)
    assert after["status"] == "in_review" and after["status_changed_at"] is not None
    assert {k: v for k, v in after.items() if not k.startswith("status")} == {
        k: v for k, v in before.items() if not k.startswith("status")}
    with world.app.app_context():
        rows = db.session.execute(select(FlagReview.item_id, FlagReview.disposition,
                                         FlagReview.created_at)).all()
    assert sorted(row[1] for row in rows) == ["contacted_patient", "escalated"]
    assert {row[0] for row in rows} == {first} and len({row[2] for row in rows}) == 1
    page = client.get(f"/staff/submissions/{world.own['risks']}").get_data(as_text=True)
    assert "Recorded: Contacted patient and Escalated</strong>, by Jo Rivera" in page
    assert "Spoke with Mr P." in page and "Saved.</span>" in page
    for value in ("contacted_patient", "escalated"):
        assert re.search(rf'name="{first}-disposition" value="{value}" checked>', page)
    assert not re.search(rf'name="{first}-disposition" value="acknowledged" checked>', page)
    # A later save replaces the earlier one as a whole: one box now, the note cleared.
    assert record_flag(client, world, first, "escalated").status_code == 303
    assert _recorded(world)[first] == (("escalated",), "")
    with world.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(FlagReview)) == 3
        stored = repr(every_value())
    assert "Spoke with Mr P." not in stored and "creatinine" not in stored


def test_a_note_without_a_box_ticked_names_the_item(
        world: World, as_user: Callable[[str | None], FlaskClient]) -> None:
    item = RISK_ITEMS[1]
    response = record_flag(as_user("nurse@demo.test"), world, item, [], "a note without a choice")
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<title>Error: Submission" in body and "Nothing was saved." in body
    question = re.escape(str(escape(QUESTIONS[item])))
    assert re.search(rf'href="#item-2-disposition">Item 2 \({question}\): Tick what was done '
                     r"about this item, or clear its note.</a>", body)
    assert f'href="#{item}' not in body  # no rule id (what was answered) in a link
    assert "a note without a choice" in body  # what was typed is kept
    assert _submission(world)["status"] == "new"


def test_one_save_records_every_item_ticked_and_only_what_changed(
        world: World, as_user: Callable[[str | None], FlaskClient]) -> None:
    client = as_user("nurse@demo.test")
    page = client.get(f"/staff/submissions/{world.own['risks']}").get_data(as_text=True)
    assert page.count('<form class="dispositions"') == 1
    # Enter in the form presses the form's first button: a hidden Save.
    form = page[page.index('<form class="dispositions"'):]
    first = re.search(r"<button[^>]*>[^<]*</button>", form)
    assert first and first.group(0) == '<button type="submit" hidden tabindex="-1">Save</button>'
    chosen = {RISK_ITEMS[0]: (["acknowledged"], ""),
              RISK_ITEMS[2]: (["contacted_patient", "escalated"], NOTE),
              RISK_ITEMS[3]: (["not_applicable"], "")}
    response = _save_all(client, world, chosen)
    assert response.status_code == 303 and response.headers["Location"].endswith("#review")
    expected = {item: (tuple(ticked), note) for item, (ticked, note) in chosen.items()}
    assert _recorded(world) == expected
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Saved 3 items." in page and page.count("Saved.</span>") == 3
    assert "3 of " + str(len(RISK_ITEMS)) + " flagged items have a record" in page
    assert _submission(world)["status"] == "in_review"
    # Sent again unchanged: nothing new is stored; one changed note is one new save.
    again = _save_all(client, world, chosen)
    assert "Nothing new to save" in client.get(again.headers["Location"]).get_data(as_text=True)
    changed = {**chosen, RISK_ITEMS[0]: (["acknowledged"], "Called back.")}
    _save_all(client, world, changed)
    assert _recorded(world)[RISK_ITEMS[0]] == (("acknowledged",), "Called back.")
    with world.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(FlagReview)) == 5
        flag_audits = db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "flag_reviewed"))
    assert flag_audits == 4  # one entry per item saved, each time it is saved


def test_unticking_every_box_of_a_recorded_item_is_refused_by_name(
        world: World, as_user: Callable[[str | None], FlaskClient]) -> None:
    client = as_user("nurse@demo.test")
    _save_all(client, world, {RISK_ITEMS[0]: (["escalated"], "")})
    response = _save_all(client, world, {RISK_ITEMS[0]: ([], "")})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Item 1 (" in body and "what was recorded can be changed, not removed." in body
    assert _recorded(world) == {RISK_ITEMS[0]: (("escalated",), "")}
    # An item left out of the post altogether is left as it is.
    assert record_flag(client, world, RISK_ITEMS[1], "acknowledged").status_code == 303
    assert set(_recorded(world)) == {RISK_ITEMS[0], RISK_ITEMS[1]}


def test_acknowledge_all_ticks_only_the_remaining_discuss_prepare_and_note_items(
        world: World, as_user: Callable[[str | None], FlaskClient]) -> None:
    client = as_user("nurse@demo.test")
    flags = assess(example("emergency")).flags
    by_severity = {flag.item.id: flag.severity.value for flag in flags}
    calm = [item for item, severity in by_severity.items()
            if severity in ("discuss", "prepare", "note")]
    pressing = [item for item in by_severity if item not in calm]
    assert calm and pressing
    already = calm[0]
    _save_all(client, world, {already: (["escalated"], "Sent on.")}, key="emergency")
    # One press: a calm item with a note typed keeps it; nothing else ticked anywhere.
    typed = calm[-1] if len(calm) > 1 else already
    sent = {item: ([], "") for item in by_severity}
    sent[already] = (["escalated"], "Sent on.")
    sent[typed] = (sent[typed][0], "Spoke about it." if typed != already else "Sent on.")
    response = _save_all(client, world, sent, key="emergency", acknowledge="remaining")
    assert response.status_code == 303
    recorded = _recorded(world, "emergency")
    assert recorded[already] == (("escalated",), "Sent on.")  # never overwritten
    for item in calm:
        if item != already:
            assert recorded[item][0] == ("acknowledged",)
    if typed != already:
        assert recorded[typed] == (("acknowledged",), "Spoke about it.")
    assert not set(pressing) & set(recorded)  # emergency and urgent items left alone
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Acknowledged item" in page


def test_one_wrong_item_saves_nothing_and_keeps_every_box_and_note(
        world: World, as_user: Callable[[str | None], FlaskClient]) -> None:
    client = as_user("nurse@demo.test")
    chosen = {RISK_ITEMS[0]: (["escalated", "contacted_patient"], "Sent to the neurologist."),
              RISK_ITEMS[2]: ([], "a note without a choice"),
              RISK_ITEMS[4]: ([], "another note without a choice")}
    response = _save_all(client, world, chosen)
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and "<title>Error: Submission" in body
    named = re.findall(r'href="#item-(\d+)-disposition">Item (\d+) \(', body)
    assert named == [("3", "3"), ("5", "5")]  # each item to fix, by number and question
    assert "Sent to the neurologist." in body and "a note without a choice" in body
    for value in ("escalated", "contacted_patient"):
        assert re.search(rf'name="{RISK_ITEMS[0]}-disposition" value="{value}" checked', body)
    assert _recorded(world) == {} and _submission(world)["status"] == "new"


def test_mark_reviewed_saves_the_choices_on_the_page_first(
        world: World, as_user: Callable[[str | None], FlaskClient]) -> None:
    client = as_user("nurse@demo.test")
    page = client.get(f"/staff/submissions/{world.own['risks']}").get_data(as_text=True)
    assert 'form="review-items" name="finish" value="review">Mark reviewed' in page
    half = {item: (("acknowledged",), "") for item in RISK_ITEMS[:2]}
    response = post(client, f"/staff/submissions/{world.own['risks']}/flags",
                    {**{f"{item}-disposition": "acknowledged" for item in half},
                     "finish": "review"})
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and "Not marked reviewed yet" in body
    assert "Saved 2 items." in body  # and the page says what it kept
    assert _recorded(world) == half  # what was chosen is kept, not lost
    everything = {item: (("not_applicable",), "") for item in RISK_ITEMS}
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
    assert len(re.findall(r'<li><a href="#item-\d+">Item \d+ \([^<]+\): nothing is recorded '
                          r"yet</a></li>", body)) == len(RISK_ITEMS) - 1
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
    wrong = _save_all(client, world, {RISK_ITEMS[2]: ([], "a note without a choice")})
    assert wrong.status_code == 400
    for path in ("/flags", "/review", "/reopen"):
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


def test_a_message_shown_for_an_answer_changed_later_is_said_at_the_top(
        world: World, as_user: Callable[[str | None], FlaskClient]) -> None:
    with world.app.app_context():
        calm = submit_for(registry.ensure_demo_agency(), "nothing-to-flag",
                          shown=("emergency",)).id
    body = as_user("nurse@demo.test").get(f"/staff/submissions/{calm}").get_data(as_text=True)
    said = re.search(r'<p class="shown shown--emergency">The patient was shown \u201cCall 911 '
                     r'now\u201d on \d+ \w+ \d{4}, \d\d:\d\d EST; the answer was changed after, '
                     r"and no item is flagged emergency now.</p>", body)
    assert said and body.index(said.group(0)) < body.index("Needs attention")
