"""The count of changes stored with each submission, on SQLite and PostgreSQL."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import update

from ivig_home.agencies import registry
from ivig_home.checklist import assess
from ivig_home.db import db
from ivig_home.intake import drafts, submissions
from ivig_home.models import PatientSubmission, Submission
from ivig_home.patients import since
from ivig_home.staff.queue import QueueFilter, queue_page
from tests.agency_support import make_agency
from tests.answers import example


def send(agency_slug: str, **changes: object) -> Submission:
    agency = registry.get_agency(agency_slug)
    assert agency is not None
    document = example("nothing-to-flag")
    document["answers"].update(changes)
    draft = drafts.start_draft(agency)
    drafts.save_draft(draft, document["answers"], "confirm")
    return submissions.submit_draft(draft, assess(document))


def test_the_count_is_stored_at_submit_and_read_by_the_queue(db_app: Flask) -> None:
    make_agency("harbour")
    elsewhere = send("harbour", kidney_problems="yes")
    first = send("demo")
    second = send("demo", kidney_problems="yes", heart_disease="yes")
    third = send("demo", kidney_problems="yes", heart_disease="yes")
    stored = {s.id: db.session.get(PatientSubmission, s.id) for s in (first, second, third,
                                                                      elsewhere)}
    assert [(row.changes_since_id, row.change_count) for row in stored.values()
            if row is not None] == [(None, 0), (first.id, 2), (second.id, 0), (None, 0)]
    demo = registry.get_agency("demo")
    assert demo is not None
    badges = {row.id: row.changes.text for row in queue_page(demo.id, QueueFilter()).rows
              if row.changes}
    assert badges[first.id] == "First checklist"
    assert badges[second.id] == "2 changes" and badges[third.id] == "No changes"
    # Forgotten counts (as before counts were kept) are made again by the command.
    db.session.execute(update(PatientSubmission).values(change_count=None))
    db.session.commit()
    assert since.count_all() == 4 and since.count_all() == 0
    again = db.session.get(PatientSubmission, second.id)
    assert again is not None and again.change_count == 2
