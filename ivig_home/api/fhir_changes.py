"""Changed since last time in a FHIR QuestionnaireResponse: one extension of nested ones.

The extension's url is `CHANGES_URL`. A patient's first checklist has one `first` (true);
a later one has `since` (the earlier checklist's reference as an Identifier) and
`sinceDate`, then an `answer` per changed item (`item`, `kind`, `before`, `after`, in the
words the answers list shows) and a `flagNew` or `flagGone` per flag (`item`, `severity`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ivig_home.api.fhir import REFERENCE_SYSTEM

CHANGES_URL = "urn:ivig-home:extension:changed-since-last-time"


def _parts(**values: str) -> list[dict[str, Any]]:
    return [{"url": key, "valueString": value} for key, value in values.items()]


def changes_extension(changes: Mapping[str, Any]) -> dict[str, Any]:
    """Return the extension for a submission's changes (SinceLastTime.to_dict())."""
    since = changes.get("since")
    if since is None:
        return {"url": CHANGES_URL, "extension": [{"url": "first", "valueBoolean": True}]}
    parts: list[dict[str, Any]] = [
        {"url": "since", "valueIdentifier": {"system": REFERENCE_SYSTEM,
                                             "value": since["reference"]}}]
    if since.get("created"):
        parts.append({"url": "sinceDate", "valueDateTime": since["created"]})
    parts += [{"url": "answer", "extension": _parts(item=change["item"], kind=change["kind"],
                                                    before=change["before"],
                                                    after=change["after"])}
              for change in changes["answers"]]
    for name, key in (("flagNew", "flags_new"), ("flagGone", "flags_gone")):
        parts += [{"url": name, "extension": [
            {"url": "item", "valueString": flag["item"]},
            {"url": "severity", "valueCode": flag["severity"]}]} for flag in changes[key]]
    return {"url": CHANGES_URL, "extension": parts}
