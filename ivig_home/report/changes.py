"""Changed since last time, as the PDF and the submission page show it (plain data).

The input is `SinceLastTime.context()` (ivig_home.patients.since): the earlier checklist's
reference and time, or none for a first checklist, the answers that changed and the flags
new and gone. Times are written the way the rest of the summary writes them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from ivig_home.checklist import WORDING, Severity

KINDS = {"changed": "Changed", "newly_asked": "Newly asked",
         "no_longer_asked": "No longer asked"}


def _flag(flag: Mapping[str, Any]) -> dict[str, Any]:
    wording = WORDING[Severity(flag["severity"])]
    return {**flag, "severity_label": wording.label, "symbol": wording.symbol}


def changes_context(changes: Mapping[str, Any] | None,
                    when: Callable[[datetime], str]) -> dict[str, Any] | None:
    """Return the Changed since last time block, or None when the submission has no patient."""
    if changes is None:
        return None
    since = changes.get("since")
    moment = since.get("created") if since else None
    answers = [{**change, "kind_label": KINDS[change["kind"]]}
               for change in changes.get("answers", [])]
    new = [_flag(flag) for flag in changes.get("flags_new", [])]
    gone = [_flag(flag) for flag in changes.get("flags_gone", [])]
    return {
        "first": since is None,
        "since": None if since is None else {
            "reference": str(since.get("reference") or ""),
            "display": when(datetime.fromisoformat(moment)) if moment else ""},
        "answers": answers, "flags_new": new, "flags_gone": gone,
        "count": len(answers), "nothing": not (answers or new or gone),
    }
