"""When a schedule sends: its cadence as a cron expression, read in the organization's time zone.

"Monthly on the 1st at 08:00" in America/New_York is 13:00 UTC in winter and 12:00 UTC in
summer. croniter walks local wall-clock time (naive datetimes), and each local time found is
placed in the zone here: a time skipped by a spring-forward change moves to the first instant
after the gap; a time that happens twice in the fall-back hour is sent at its first occurrence.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from croniter import croniter

from finsight.errors import InvalidInput

CADENCES = ("weekly", "monthly", "quarterly", "yearly", "cron")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _time(cadence: dict[str, Any]) -> tuple[int, int]:
    raw = str(cadence.get("time", "08:00"))
    try:
        hour, minute = (int(part) for part in raw.split(":"))
    except ValueError as exc:
        raise InvalidInput("cadence.time must be HH:MM", field="cadence.time") from exc
    if not (0 <= hour < 24 and 0 <= minute < 60):
        raise InvalidInput("cadence.time must be HH:MM", field="cadence.time")
    return hour, minute


def _number(cadence: dict[str, Any], key: str, low: int, high: int, default: int) -> int:
    value = cadence.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(f"cadence.{key} must be {low} to {high}", field=f"cadence.{key}")
    return value


def _day(cadence: dict[str, Any]) -> str:
    """A day of the month, 1 to 28 or -1 for its last day (29-31 exist in few months)."""
    value = cadence.get("day", 1)
    if value == -1:
        return "L"
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 28:
        raise InvalidInput(
            "cadence.day must be 1 to 28, or -1 for the month's last day", field="cadence.day"
        )
    return str(value)


def expression(cadence: dict[str, Any]) -> str:
    """The cadence as a five-field cron expression in local time; InvalidInput names the field."""
    if not isinstance(cadence, dict):
        raise InvalidInput("cadence must be an object with a type", field="cadence")
    kind = cadence.get("type")
    if kind == "cron":
        text = str(cadence.get("expression", "")).strip()
        if len(text.split()) != 5 or not croniter.is_valid(text):
            raise InvalidInput(
                "cadence.expression must be a five-field cron expression",
                field="cadence.expression",
            )
        return text
    hour, minute = _time(cadence)
    if kind == "weekly":
        weekday = cadence.get("weekday", "monday")
        if weekday not in WEEKDAYS:
            raise InvalidInput(
                f"cadence.weekday must be one of: {', '.join(WEEKDAYS)}", field="cadence.weekday"
            )
        cron_day = (WEEKDAYS.index(str(weekday)) + 1) % 7  # cron: 0 = Sunday
        return f"{minute} {hour} * * {cron_day}"
    if kind == "monthly":
        return f"{minute} {hour} {_day(cadence)} * *"
    if kind == "quarterly":
        return f"{minute} {hour} {_day(cadence)} 1,4,7,10 *"
    if kind == "yearly":
        month = _number(cadence, "month", 1, 12, 1)
        return f"{minute} {hour} {_day(cadence)} {month} *"
    raise InvalidInput(f"cadence.type must be one of: {', '.join(CADENCES)}", field="cadence.type")


def _placed(local: datetime, zone: ZoneInfo) -> datetime:
    """A naive local time in `zone` as a UTC instant. fold=0 reads a repeated (fall-back) time
    as its first occurrence, and a skipped (spring-forward) time with the offset before the
    change: 02:30 on the day clocks jump from 02:00 to 03:00 is sent at 03:30."""
    return local.replace(tzinfo=zone, fold=0).astimezone(UTC)


def next_after(cadence: dict[str, Any], zone: ZoneInfo, after: datetime) -> datetime:
    """The first send instant (UTC) strictly after `after`."""
    spec = expression(cadence)
    local = after.astimezone(zone).replace(tzinfo=None) - timedelta(hours=3)
    walker = croniter(spec, local)
    for _ in range(2000):
        candidate = _placed(walker.get_next(datetime), zone)
        if candidate > after:
            return candidate
    raise InvalidInput("the cadence never comes round", field="cadence")
