"""The queue page: the agency's submissions, most pressing first."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_login import login_required

from ivig_home.audit.log import audit
from ivig_home.checklist import WORDING, Severity
from ivig_home.staff import bp, client_address, current_staff
from ivig_home.staff.queue import NOTHING_FLAGGED, STATUS_LABELS, QueueFilter, queue_page

SEVERITY_CHOICES = [(s.value, f"{WORDING[s].symbol} {WORDING[s].label}") for s in Severity]
SEVERITY_CHOICES.append((NOTHING_FLAGGED, "Nothing flagged"))


@bp.get("/")
@login_required
def queue() -> str:
    """Show one page of the queue, with its filters and the count of new submissions."""
    user = current_staff()
    filters = QueueFilter.from_args(request.args)
    page = queue_page(user.agency_id, filters)
    # The page shows names and dates of birth, so looking at it is an access like any other.
    audit("viewed_queue", actor=user.email, address=client_address(), agency_id=user.agency_id)
    return render_template("staff/queue.html", page=page, filters=filters,
                           statuses=list(STATUS_LABELS.items()), severities=SEVERITY_CHOICES,
                           page_url=lambda number: _page_url(filters, number))


def _page_url(filters: QueueFilter, number: int) -> str:
    """Return the queue URL for another page with the same filters."""
    arguments = {"status": filters.status, "severity": filters.severity,
                 "reference": filters.typed_reference or None, "page": number}
    return url_for("staff.queue", **{k: v for k, v in arguments.items() if v})
