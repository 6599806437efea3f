"""Drafts and submissions made through the store, as the patient form makes them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect, select

from ivig_home.agencies import registry
from ivig_home.checklist import assess
from ivig_home.db import db
from ivig_home.intake import drafts, submissions
from ivig_home.models import Draft, Submission
from tests.answers import example

PDF = b"%PDF-1.7\n% a stand-in for the issued summary\n%%EOF\n"


def filled_draft(name: str = "nothing-to-flag", **changes: Any) -> Draft:
    """Return a draft of the demo agency holding an example's answers (... drops one)."""
    answers = example(name)["answers"] | changes
    answers = {key: value for key, value in answers.items() if value is not ...}
    draft = drafts.start_draft(registry.ensure_demo_agency())
    drafts.save_draft(draft, answers, "confirm")
    return draft


def submitted(name: str = "nothing-to-flag", pdf: bytes | None = PDF) -> Submission:
    """Return the submission of a fresh draft holding an example's answers."""
    draft = filled_draft(name)
    return submissions.submit_draft(draft, assess(example(name)), pdf)


def every_value() -> list[Any]:
    """Return every value stored in every table, as the database hands them back."""
    values: list[Any] = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)):
            values.extend(row)
    return values


def table_names() -> set[str]:
    """Return the tables that exist in the database now."""
    return set(inspect(db.engine).get_table_names())
