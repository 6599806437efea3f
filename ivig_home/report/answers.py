"""All answers as the PDF lists them: a question-and-answer table per section.

A flagged item is already shown in full in its card under Needs attention, so its row names
it by its short label and the card's number instead of repeating the question. Items not
asked (follow-ups an earlier answer made unnecessary) are listed once per section, by label,
with the reason, instead of one row each.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ivig_home.checklist import load


def answer_table(sections: list[dict[str, Any]],
                 numbers: Mapping[str, int]) -> list[dict[str, Any]]:
    """Return each section's rows and its items not asked.

    `sections` is the summary's answer rows (ivig_home.checklist.summary.answer_rows);
    `numbers` maps each flagged item id to its card's number.
    """
    items = load().items
    table = []
    for section in sections:
        rows = []
        not_asked: dict[str, list[str]] = {}
        for row in section["items"]:
            item = items[row["id"]]
            if row["status"] == "not_asked":
                not_asked.setdefault(item.not_asked, []).append(item.label)
                continue
            number = numbers.get(row["id"])
            if number is None:
                rows.append({"question": row["question"], "answer": row["answer"],
                             "status": row["status"], "unsure": row["unsure"], "flag": None,
                             "written_in": row.get("written_in")})
                continue
            # Free text is shown in full in its card: the row points there, not a second copy.
            shown_above = item.multiline
            rows.append({"question": item.label,
                         "answer": "Shown in full above" if shown_above else row["answer"],
                         "status": row["status"], "unsure": row["unsure"], "flag": number,
                         "written_in": None if shown_above else row.get("written_in")})
        table.append({"id": section["id"], "title": section["title"], "rows": rows,
                      "not_asked": [{"reason": reason, "labels": labels}
                                    for reason, labels in not_asked.items()]})
    return table
