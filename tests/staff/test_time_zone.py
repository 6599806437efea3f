"""Nurses read times in their agency's zone: the queue, a submission, the audit log, the PDF.

The administrator sets the zone on /staff/agency; an unknown zone is refused next to its field.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient
from sqlalchemy import insert, update

from ivig_home.db import db
from ivig_home.models import Agency, AuditEntry, Submission
from tests.pdf_tools import text_of
from tests.staff.support import World, post

Client = Callable[[str | None], FlaskClient]
RECEIVED = datetime(2026, 11, 21, 9, 14, tzinfo=UTC)
SHOWN = datetime(2026, 11, 21, 9, 2, tzinfo=UTC)
AGENCY_FORM = {"name": "Demo Home Health", "phone": "555-0100", "colour": "#1d4f91",
               "allowed_origins": "", "webhook_url": ""}


def _set_zone(world: World, zone: str) -> None:
    """Give the demo agency a zone and pin its emergency submission to known moments."""
    with world.app.app_context():
        db.session.execute(update(Agency).where(Agency.id == world.own["agency"])
                           .values(time_zone=zone))
        db.session.execute(update(Submission).where(Submission.id == world.own["emergency"])
                           .values(created_at=RECEIVED, emergency_shown_at=SHOWN))
        # The audit log refuses updates (database triggers): add an entry at a known moment.
        db.session.execute(insert(AuditEntry.__table__).values(
            at=RECEIVED, action="viewed", actor="nurse@demo.test",
            submission_id=world.own["emergency"], agency_id=world.own["agency"]))
        db.session.commit()


def _zone_of(world: World) -> str:
    with world.app.app_context():
        return str(db.session.get(Agency, world.own["agency"]).time_zone)


@pytest.mark.parametrize("zone,received,shown", [
    ("America/New_York", "21 Nov 2026, 04:14 EST", "21 Nov 2026, 04:02 EST"),
    ("Asia/Kolkata", "21 Nov 2026, 14:44 IST", "21 Nov 2026, 14:32 IST"),
    ("UTC", "21 Nov 2026, 09:14 UTC", "21 Nov 2026, 09:02 UTC"),
])
def test_the_queue_and_the_submission_page_show_local_time(
        world: World, as_user: Client, zone: str, received: str, shown: str) -> None:
    _set_zone(world, zone)
    client = as_user("nurse@demo.test")
    queue = client.get("/staff/").get_data(as_text=True)
    assert re.search(r'<time datetime="2026-11-21T09:14:00\+00:00">' + re.escape(received)
                     + "</time>", queue)
    page = client.get(f"/staff/submissions/{world.own['emergency']}").get_data(as_text=True)
    assert f"<dt>Received</dt><dd>{received}</dd>" in page
    # Beside the emergency item: the message the patient saw, and when, in the agency's zone.
    assert f"<strong>Shown to the patient on {shown}:</strong> “Call 911 now”" in page


def test_the_audit_log_shows_local_time_with_seconds(world: World, as_user: Client) -> None:
    _set_zone(world, "America/New_York")
    page = as_user("admin@demo.test").get("/staff/audit").get_data(as_text=True)
    assert "21 Nov 2026, 04:14:00 EST</time>" in page


def test_the_reviewed_pdf_and_its_file_name_use_the_agencys_zone(world: World,
                                                                  as_user: Client) -> None:
    _set_zone(world, "Pacific/Kiritimati")  # UTC+14, and no lettered abbreviation
    with world.app.app_context():
        db.session.execute(update(Submission).where(Submission.id == world.own["clear"])
                           .values(created_at=datetime(2026, 11, 21, 11, 0, tzinfo=UTC)))
        db.session.commit()
    client = as_user("admin@demo.test")
    base = f"/staff/submissions/{world.own['clear']}"
    assert post(client, f"{base}/review").status_code == 303
    download = client.get(f"{base}/reviewed.pdf")
    text = text_of(download.data)
    assert "Completed: 22 November 2026 at 01:00 UTC+14:00" in text
    assert re.search(r"Reviewed by Ada Okafor on \d+ \w+ \d{4} at \d\d:\d\d UTC\+14:00\.", text)
    assert "-2026-11-22-reviewed.pdf" in download.headers["Content-Disposition"]
    page = client.get(base).get_data(as_text=True)
    assert re.search(r"Marked reviewed by Ada Okafor on \d+ \w{3} \d{4}, \d\d:\d\d UTC\+14:00\.",
                     page)
    # Re-opened and filed again: the review it replaces is named in the same zone.
    assert post(client, f"{base}/reopen", {"reason": "Filed too early."}).status_code == 303
    assert post(client, f"{base}/review").status_code == 303
    text = text_of(client.get(f"{base}/reviewed.pdf").data)
    assert re.search(r"replaces the review filed on \d+ \w+ \d{4} at \d\d:\d\d UTC\+14:00 by "
                     r"Ada Okafor", " ".join(text.split()))
    assert re.search(r"This review replaces the review filed on \d+ \w+ \d{4} at \d\d:\d\d "
                     r"UTC\+14:00\.", " ".join(text.split()))


def test_the_administrator_sets_the_zone_on_the_agency_page(world: World,
                                                            as_user: Client) -> None:
    client = as_user("admin@demo.test")
    page = client.get("/staff/agency").get_data(as_text=True)
    assert '<label class="field__label" for="time_zone">Time zone</label>' in page
    assert re.search(r'name="time_zone"[^>]* value="America/New_York"', page)  # the demo's
    assert '<option value="America/New_York">' in page
    response = post(client, "/staff/agency", {**AGENCY_FORM, "time_zone": "America/Chicago"})
    assert response.status_code == 303
    assert _zone_of(world) == "America/Chicago"
    assert re.search(r'name="time_zone"[^>]* value="America/Chicago"',
                     client.get("/staff/agency").get_data(as_text=True))
    # A form sent without the field (not this page's own) leaves the zone as it is.
    assert post(client, "/staff/agency", AGENCY_FORM).status_code == 303
    assert _zone_of(world) == "America/Chicago"


@pytest.mark.parametrize("value,message", [
    ("Mars/Olympus_Mons", "The time zone &#39;Mars/Olympus_Mons&#39; is not a known zone"),
    ("", "Enter the time zone"),
    ("america/new_york", "Did you mean &#39;America/New_York&#39;?"),
])
def test_an_unknown_zone_is_refused_next_to_its_field(world: World, as_user: Client,
                                                      value: str, message: str) -> None:
    client = as_user("admin@demo.test")
    response = post(client, "/staff/agency", {**AGENCY_FORM, "time_zone": value,
                                              "name": "Changed Name"})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "There is a problem" in text and 'href="#time_zone"' in text
    assert message in text
    assert 'id="time_zone" name="time_zone"' in text and 'aria-invalid="true"' in text
    assert _zone_of(world) == "America/New_York"
    with world.app.app_context():
        assert db.session.get(Agency, world.own["agency"]).name == "Demo Home Health"


def test_a_nurse_of_another_agency_reads_their_own_zone(world: World, as_user: Client) -> None:
    _set_zone(world, "America/New_York")
    with world.app.app_context():
        db.session.execute(update(Submission).where(Submission.id == world.other["risks"])
                           .values(created_at=RECEIVED))
        db.session.commit()
    queue = as_user("nurse@harbour.test").get("/staff/").get_data(as_text=True)
    assert "21 Nov 2026, 09:14 UTC</time>" in queue
    assert "EST</time>" not in queue
