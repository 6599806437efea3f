"""Searching an agency's QuestionnaireResponses by the date they were received (`authored`).

Unknown parameters are refused rather than ignored: a filter the server skipped would send
more patient data than was asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import request, url_for
from sqlalchemy import func, select

from ivig_home.api.fhir_dates import DateRefused, search_condition, sql_condition
from ivig_home.api.fhir_outcome import FhirError, Issue
from ivig_home.db import db
from ivig_home.models import Agency, Submission

PER_PAGE = 50
MAX_PER_PAGE = 100
MAX_PAGE = 100_000
PARAMETERS = ("authored", "_count", "_page", "_format")


@dataclass(frozen=True)
class Page:
    """One page of a search: its submissions, how many match in all, and its links."""

    submissions: list[Submission]
    total: int
    self_url: str
    next_url: str | None


def _whole_number(name: str, default: int, highest: int, issues: list[Issue]) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9 and 1 <= int(raw) <= highest):
        issues.append(Issue("value", f"'{name}' must be a whole number from 1 to {highest}.",
                            parameter=name))
        return default
    return int(raw)


def search_responses(agency: Agency) -> Page:
    """Return the page of the agency's responses the query asks for; 400 naming each
    parameter that cannot be read."""
    issues = [Issue("not-supported", f"Unknown search parameter '{name[:40]}'; "
                    f"QuestionnaireResponse is searched by {', '.join(PARAMETERS)}.",
                    parameter=name[:40])
              for name in request.args if name not in PARAMETERS]
    where = [Submission.agency_id == agency.id]
    for value in request.args.getlist("authored"):
        try:
            prefix, found = search_condition(value, agency.time_zone)
        except DateRefused as refused:
            issues.append(Issue("value", f"'authored={value[:40]}': {refused}.",
                                parameter="authored"))
            continue
        where.append(sql_condition(prefix, found, Submission.created_at))
    count = _whole_number("_count", PER_PAGE, MAX_PER_PAGE, issues)
    page = _whole_number("_page", 1, MAX_PAGE, issues)
    if issues:
        raise FhirError(400, issues)
    total = db.session.scalar(select(func.count()).select_from(Submission).where(*where)) or 0
    rows = list(db.session.scalars(select(Submission).where(*where)
                                   .order_by(Submission.created_at, Submission.id)
                                   .offset((page - 1) * count).limit(count)))
    kept: dict[str, Any] = {"authored": request.args.getlist("authored"), "_count": count}
    more = page * count < total
    return Page(rows, total,
                url_for("fhir.response_search", _external=True, _page=page, **kept),
                url_for("fhir.response_search", _external=True, _page=page + 1, **kept)
                if more else None)
