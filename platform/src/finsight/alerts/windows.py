"""Business hours and quiet hours, in the organization's time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

WINDOWS = ("always", "business_hours", "outside_business_hours", "outside_quiet_hours")


@dataclass(frozen=True)
class Hours:
    business_days: tuple[int, ...]  # ISO weekdays, Monday 1
    business_start: time
    business_end: time
    quiet_start: time | None
    quiet_end: time | None


def _within(moment: time, start: time, end: time) -> bool:
    """start <= moment < end, across midnight when end is earlier than start."""
    if start <= end:
        return start <= moment < end
    return moment >= start or moment < end


def in_business_hours(hours: Hours, now: datetime, zone: ZoneInfo) -> bool:
    local = now.astimezone(zone)
    return local.isoweekday() in hours.business_days and _within(
        local.time(), hours.business_start, hours.business_end
    )


def in_quiet_hours(hours: Hours, now: datetime, zone: ZoneInfo) -> bool:
    if hours.quiet_start is None or hours.quiet_end is None:
        return False
    return _within(now.astimezone(zone).time(), hours.quiet_start, hours.quiet_end)


def window_open(window: str, hours: Hours, now: datetime, zone: ZoneInfo) -> bool:
    if window == "business_hours":
        return in_business_hours(hours, now, zone)
    if window == "outside_business_hours":
        return not in_business_hours(hours, now, zone)
    if window == "outside_quiet_hours":
        return not in_quiet_hours(hours, now, zone)
    return True
