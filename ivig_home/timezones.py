"""The agency's time zone: times are stored in UTC and shown in the agency's local time.

A zone is an IANA name like 'America/New_York', read with the standard library's zoneinfo
(from the system's zone data). Shown times carry the zone's abbreviation ('EST', 'IST');
a zone without a lettered abbreviation shows its offset instead ('UTC+04:00').
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask import current_app, has_app_context

DEFAULT = "UTC"
MAX_LENGTH = 64


class TimeZoneRefused(ValueError):
    """A time zone name that is not a known IANA zone."""


def check_time_zone(value: str) -> str:
    """Return an IANA zone name, or refuse one the system does not know."""
    name = (value or "").strip()
    if not name:
        raise TimeZoneRefused("Enter the time zone, like 'America/New_York'.")
    if name in _names():
        return name
    # Tell 'america/new_york' from a zone that does not exist at all.
    spelled = {known.lower(): known for known in _names()}.get(name.lower())
    hint = f" Did you mean '{spelled}'?" if spelled else ""
    raise TimeZoneRefused(f"The time zone {name[:MAX_LENGTH]!r} is not a known zone: give an "
                          f"IANA name like 'America/New_York' or 'Asia/Kolkata'.{hint}")


@cache
def _names() -> frozenset[str]:
    names = {name for name in available_timezones() if len(name) <= MAX_LENGTH}
    return frozenset(names | {DEFAULT})


def zone_names() -> list[str]:
    """Return every known zone name, sorted (for a list to pick from)."""
    return sorted(_names())


def configured() -> str:
    """Return the app's TIME_ZONE setting (IVIG_HOME_TIME_ZONE), or UTC outside an app."""
    if has_app_context():
        return str(current_app.config.get("TIME_ZONE") or DEFAULT)
    return DEFAULT


@cache
def zone(name: str | None) -> tzinfo:
    """Return the zone of a name; an unknown or missing name gives UTC."""
    if not name or name == DEFAULT:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def local(moment: datetime, name: str | None) -> datetime:
    """Return a moment in the named zone; a naive moment is taken as UTC."""
    aware = moment if moment.utcoffset() is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(zone(name))


def local_date(moment: datetime, name: str | None) -> date:
    """Return the date a moment falls on in the named zone."""
    return local(moment, name).date()


def today(name: str | None) -> date:
    """Return today's date in the named zone."""
    return datetime.now(zone(name)).date()


def abbreviation(moment: datetime) -> str:
    """Return the zone abbreviation of an aware moment: 'EST', 'IST', 'UTC' or 'UTC+04:00'."""
    name = moment.tzname() or ""
    if name and name[0] not in "+-":
        return name
    return offset_name(moment.utcoffset() or timedelta())


def offset_name(offset: timedelta) -> str:
    """Return an offset as 'UTC+05:30' (or 'UTC' for none)."""
    if not offset:
        return "UTC"
    sign = "-" if offset < timedelta() else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"
