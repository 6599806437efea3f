"""Signals intake sends, so it never has to import the parts of the app that listen."""

from __future__ import annotations

import logging

from blinker import Namespace
from flask import current_app

from ivig_home.models import Submission

_signals = Namespace()
# Sent inside the submit transaction, before it commits: what a receiver adds to the
# session (a webhook delivery) is stored with the submission, or not at all.
storing_submission = _signals.signal("storing-submission")
# Sent once per new submission, after its transaction committed; sender is the app.
submission_created = _signals.signal("submission-created")
log = logging.getLogger("ivig_home")


def announce_submission(submission: Submission) -> None:
    """Tell the listeners about a new submission; their failures never reach the caller."""
    try:
        submission_created.send(current_app._get_current_object(), submission=submission)
    except Exception as error:  # the submission is stored: nothing after it may fail the submit
        # Only the kind of error: a message could quote stored values.
        log.error("a listener failed after a submission: %s", type(error).__name__)
