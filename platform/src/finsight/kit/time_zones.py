"""IANA time zones, as organizations and schedules name them."""

from __future__ import annotations

import functools
from datetime import date, datetime
from zoneinfo import ZoneInfo, available_timezones

from finsight.errors import InvalidInput


@functools.cache
def _known() -> frozenset[str]:
    return frozenset(available_timezones())


def parse_time_zone(name: str, *, field: str = "time_zone") -> ZoneInfo:
    """The zone named `name`, or a 422 naming `field` (names are case-sensitive, as in the tz
    database: `America/New_York`)."""
    if name not in _known():
        hint = next((known for known in _known() if known.lower() == name.lower()), None)
        suggestion = f" (did you mean {hint!r}?)" if hint else ""
        raise InvalidInput(
            f"unknown time zone {name!r}{suggestion}: use an IANA name such as "
            "'America/New_York', 'Europe/Berlin' or 'UTC'",
            field=field,
        )
    return ZoneInfo(name)


def today_in(zone: str) -> date:
    """Today's date where the organization is (its `time_zone`), not in UTC."""
    return datetime.now(ZoneInfo(zone)).date()
