"""Times are stored in UTC and shown in the agency's zone, with the zone's abbreviation.

The table covers New York in winter and in summer, a half-hour offset (Kolkata), a zone
without a lettered abbreviation (Dubai) and UTC, as the staff pages and the PDF write them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from ivig_home import timezones
from ivig_home.report.context import _when
from ivig_home.staff import staff_when
from tests.answers import example
from tests.pdf_tools import AGENCY, EMERGENCY_SHOWN, render, text_of

WINTER = datetime(2026, 11, 21, 9, 14, 5, tzinfo=UTC)
SUMMER = datetime(2026, 7, 1, 16, 0, tzinfo=UTC)
LATE = datetime(2026, 11, 21, 2, 30, tzinfo=UTC)  # still the 20th in New York


@pytest.mark.parametrize("moment,zone,staff,pdf", [
    (WINTER, "America/New_York", "21 Nov 2026, 04:14 EST", "21 November 2026 at 04:14 EST"),
    (SUMMER, "America/New_York", "1 Jul 2026, 12:00 EDT", "1 July 2026 at 12:00 EDT"),
    (LATE, "America/New_York", "20 Nov 2026, 21:30 EST", "20 November 2026 at 21:30 EST"),
    (WINTER, "Asia/Kolkata", "21 Nov 2026, 14:44 IST", "21 November 2026 at 14:44 IST"),
    (SUMMER, "Asia/Kolkata", "1 Jul 2026, 21:30 IST", "1 July 2026 at 21:30 IST"),
    (WINTER, "Asia/Dubai", "21 Nov 2026, 13:14 UTC+04:00", "21 November 2026 at 13:14 UTC+04:00"),
    (WINTER, "UTC", "21 Nov 2026, 09:14 UTC", "21 November 2026 at 09:14 UTC"),
    (SUMMER, "Europe/London", "1 Jul 2026, 17:00 BST", "1 July 2026 at 17:00 BST"),
])
def test_a_utc_moment_is_shown_in_the_agencys_zone(moment: datetime, zone: str, staff: str,
                                                   pdf: str) -> None:
    assert staff_when(moment, zone=zone) == staff
    assert _when(moment, zone) == pdf


def test_seconds_naive_moments_and_the_local_date() -> None:
    assert staff_when(WINTER, seconds=True, zone="America/New_York") == "21 Nov 2026, 04:14:05 EST"
    assert staff_when(None, zone="America/New_York") == ""
    naive = WINTER.replace(tzinfo=None)  # a naive moment is UTC, as stored
    assert staff_when(naive, zone="Asia/Kolkata") == "21 Nov 2026, 14:44 IST"
    assert timezones.local_date(LATE, "America/New_York") == date(2026, 11, 20)
    assert timezones.local_date(LATE, "UTC") == date(2026, 11, 21)
    # A stored name the system no longer knows is shown in UTC rather than failing the page.
    assert staff_when(WINTER, zone="Nowhere/Atlantis") == "21 Nov 2026, 09:14 UTC"


@pytest.mark.parametrize("value,expected", [
    ("America/New_York", "America/New_York"), (" Asia/Kolkata ", "Asia/Kolkata"),
    ("UTC", "UTC"),
])
def test_known_zones_are_taken(value: str, expected: str) -> None:
    assert timezones.check_time_zone(value) == expected


@pytest.mark.parametrize("value,message", [
    ("", "Enter the time zone"),
    ("EST5EDT/Nowhere", "is not a known zone"),
    ("Mars/Olympus_Mons", "is not a known zone"),
    ("../../etc/passwd", "is not a known zone"),
    ("america/new_york", "Did you mean 'America/New_York'?"),
])
def test_unknown_zones_are_refused_and_the_message_names_the_field(value: str,
                                                                   message: str) -> None:
    with pytest.raises(timezones.TimeZoneRefused, match="time zone") as refused:
        timezones.check_time_zone(value)
    assert message in str(refused.value)


def test_the_pdf_shows_local_times_with_the_abbreviation() -> None:
    review = {"reviewer": "Sam Lee, RN", "reviewed_at": "2026-11-22T15:30:00+00:00",
              "items": {}}
    agency = AGENCY | {"time_zone": "America/New_York"}
    pdf = render(example("emergency"), agency=agency, messages_shown=EMERGENCY_SHOWN,
                 review=review)
    text = text_of(pdf)
    assert "Completed: 21 November 2026 at 04:14 EST" in text
    assert ("The patient was shown \u201cCall 911 now\u201d on 21 November 2026 "
            "at 04:02 EST.") in text
    assert "Reviewed by Sam Lee, RN on 22 November 2026 at 10:30 EST." in text
    assert "Date: 22 November 2026 at 10:30 EST" in text
    assert "UTC" not in text
    # The same submission gives the same bytes every time.
    again = render(example("emergency"), agency=agency, messages_shown=EMERGENCY_SHOWN,
                   review=review)
    assert again == pdf


def test_the_pdf_in_summer_and_at_a_half_hour_offset() -> None:
    summer = text_of(render(example("nothing-to-flag"), completed_at=SUMMER,
                            agency=AGENCY | {"time_zone": "America/New_York"}), last=1)
    assert "Completed: 1 July 2026 at 12:00 EDT" in summer
    kolkata = text_of(render(example("nothing-to-flag"),
                             agency=AGENCY | {"time_zone": "Asia/Kolkata"}), last=1)
    assert "Completed: 21 November 2026 at 14:44 IST" in kolkata
