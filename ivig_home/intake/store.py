"""The storage API: agencies, drafts, submissions and the audit log.

Every function runs inside an app context, and each write commits its own transaction.
"""

from __future__ import annotations

from flask import current_app
from flask_migrate import upgrade
from sqlalchemy import and_, bindparam, select
from sqlalchemy.exc import IntegrityError

from ivig_home.audit.log import audit
from ivig_home.crypto import ensure_keys
from ivig_home.db import db, protect_sqlite_file, usable_key
from ivig_home.intake.drafts import (
    DraftSubmitted,
    answers_version,
    draft_answers,
    get_draft,
    issue_resume_code,
    mark_message_shown,
    resume_draft,
    save_draft,
    save_draft_unless_changed,
    start_draft,
)
from ivig_home.intake.submissions import (
    get_submission,
    set_submission_pdf,
    submission_answers,
    submission_assessment,
    submission_identity,
    submission_pdf,
    submit_draft,
)
from ivig_home.models import Agency, Draft, Submission

__all__ = [
    "Agency", "Draft", "DraftSubmitted", "Submission", "answers_version", "audit",
    "draft_answers", "ensure_demo_agency", "get_agency", "get_agency_and_draft", "get_draft",
    "get_submission", "init_db", "issue_resume_code", "mark_message_shown", "resume_draft",
    "save_draft", "save_draft_unless_changed", "set_submission_pdf", "start_draft",
    "submission_answers", "submission_assessment", "submission_identity", "submission_pdf",
    "submit_draft",
]

DEMO_AGENCY = {"slug": "demo", "name": "Demo Home Health", "phone": "555-0100",
               "colour": "#1d4f91"}


def init_db(demo: bool = False) -> None:
    """Create or upgrade the schema to the latest migration; add the demo agency if asked."""
    protect_sqlite_file(current_app.config["SQLALCHEMY_DATABASE_URI"])
    upgrade()
    ensure_keys()
    if demo:
        ensure_demo_agency()


def get_agency(slug: str) -> Agency | None:
    """Return the agency with this slug, or None."""
    if not usable_key(slug):
        return None
    found: Agency | None = db.session.scalar(select(Agency).where(Agency.slug == slug))
    return found


def get_agency_and_draft(slug: str, draft_id: str) -> tuple[Agency | None, Draft | None]:
    """Return the agency with this slug and its draft of this id, in one round trip to the
    database: (None, None) without such an agency, (agency, None) without such a draft of
    that agency. Expiry is not checked here (`get_draft` does, and finds the draft loaded
    while the caller holds it)."""
    if not usable_key(slug):
        return None, None
    if not usable_key(draft_id):
        return get_agency(slug), None
    row = db.session.execute(AGENCY_AND_DRAFT, {"slug": slug, "draft_id": draft_id}).first()
    return (None, None) if row is None else (row[0], row[1])


# Built once: every step page runs it, and building the expression cost more than its
# parameters (SQLAlchemy caches the compiled SQL either way).
AGENCY_AND_DRAFT = (
    select(Agency, Draft)
    .outerjoin(Draft, and_(Draft.agency_id == Agency.id, Draft.id == bindparam("draft_id")))
    .where(Agency.slug == bindparam("slug")))


def ensure_demo_agency() -> Agency:
    """Return the demo agency, creating it the first time."""
    agency = get_agency(DEMO_AGENCY["slug"])
    if agency is not None:
        return agency
    try:
        agency = Agency(**DEMO_AGENCY, allowed_origins=[])
        db.session.add(agency)
        db.session.commit()
        return agency
    except IntegrityError:
        db.session.rollback()  # another process made it at the same moment
        return get_agency(DEMO_AGENCY["slug"])  # type: ignore[return-value]
