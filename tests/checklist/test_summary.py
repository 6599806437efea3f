"""The plain-data summary shared by the check-your-answers page and the PDF."""

from __future__ import annotations

from ivig_home.checklist import assess
from ivig_home.checklist.summary import summary
from tests.answers import example


def test_items_not_asked_say_why_and_none_go_missing() -> None:
    data = summary(assess(example("nothing-to-flag")))
    rows = {row["id"]: row for s in data["sections"] for row in s["items"]}
    assert len(rows) == 58
    assert rows["prior_reactions"]["status"] == "not_asked"
    assert rows["prior_reactions"]["answer"] == (
        "Not asked, because no problems with past infusions were reported.")
    assert rows["medications"]["answer"] == "Not answered"
    assert rows["can_check_breathing_rate"]["answer"] == "Someone at home can"
    assert rows["date_of_birth"]["answer"] == "2 April 1971"
    assert rows["last_infusion_date"]["answer"] == "24 October 2026"


def test_groups_cover_every_severity_in_order_with_readable_answers() -> None:
    data = summary(assess(example("emergency")))
    assert [g["severity"] for g in data["groups"]] == [
        "emergency", "urgent", "discuss", "prepare", "note"]
    urgent = data["groups"][1]["flags"]
    assert urgent[0]["item"] == "swallowing_trouble_now"
    assert urgent[0]["answer"] == "Not sure" and urgent[0]["unsure"] is True
    assert data["groups"][3]["flags"] == []
    assert data["highest_severity"] == "emergency"
