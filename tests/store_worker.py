"""A separate process that submits drafts, for the multi-process and crash tests.

    python -m tests.store_worker DRAFT_ID... [--hang-on DRAFT_ID]

It finds its database and keys as the app does (DATABASE_URL, IVIG_HOME_INSTANCE_PATH),
prints `submitted DRAFT_ID SUBMISSION_ID` after each commit, and with --hang-on stops
inside that draft's transaction, after its rows are written, printing `written`.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from ivig_home import create_app
from ivig_home.checklist import assess
from ivig_home.db import db
from ivig_home.intake import drafts, submissions
from tests.answers import example
from tests.store_support import PDF


def hang_inside_the_transaction(*args: Any, **kwargs: Any) -> Any:
    """Write the pending rows, say so, and wait there to be killed."""
    db.session.flush()
    print("written", flush=True)
    time.sleep(120)
    raise SystemExit("not killed")


def main(arguments: list[str]) -> None:
    """Submit each draft named on the command line."""
    hang_on = None
    if "--hang-on" in arguments:
        at = arguments.index("--hang-on")
        hang_on = arguments[at + 1]
        del arguments[at:at + 2]
    assessment = assess(example("nothing-to-flag"))
    with create_app().app_context():
        for draft_id in arguments:
            if draft_id == hang_on:
                submissions.audit_entry = hang_inside_the_transaction  # type: ignore[assignment]
            draft = drafts.get_draft(draft_id)
            assert draft is not None
            submission = submissions.submit_draft(draft, assessment, PDF)
            print("submitted", draft_id, submission.id, flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
