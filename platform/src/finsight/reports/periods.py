"""Report periods: what a person asks for ("March 2026", "the tax year from April 2025",
"last month") turned into dates and the monthly buckets a report is laid out in.

A period is a list of buckets, each a run of days with a label. Calendar months start on the
1st; payday months and tax years start on a chosen day (a day past the month's end is its last
day: payday 31 in February starts on the 28th or 29th). Every period knows the one before it of
the same shape, for "change against the previous period".
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from finsight.errors import InvalidInput

MAX_BUCKETS = 60  # five years of months: enough for any report, small enough to lay out
RELATIVE = (
    "last_month",
    "month_to_date",
    "last_quarter",
    "quarter_to_date",
    "last_year",
    "year_to_date",
    "last_12_months",
    "last_7_days",
)
TYPES = ("months", "quarter", "year", "range", "payday", "tax_year", "relative")


@dataclass(frozen=True)
class Bucket:
    start: date
    end: date  # inclusive
    label: str


@dataclass(frozen=True)
class Period:
    label: str
    buckets: tuple[Bucket, ...]
    previous_buckets: tuple[Bucket, ...]
    spec: dict[str, Any]

    @property
    def start(self) -> date:
        return self.buckets[0].start

    @property
    def end(self) -> date:
        return self.buckets[-1].end

    @property
    def previous_start(self) -> date:
        return self.previous_buckets[0].start

    @property
    def previous_end(self) -> date:
        return self.previous_buckets[-1].end

    @property
    def months(self) -> int:
        return len(self.buckets)


def _month_index(year: int, month: int) -> int:
    return year * 12 + month - 1


def _from_index(index: int) -> tuple[int, int]:
    return index // 12, index % 12 + 1


def _day_in(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _month_label(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def month_buckets(first: int, count: int, day: int) -> tuple[Bucket, ...]:
    """`count` months from month index `first`, each starting on `day`."""
    buckets = []
    for index in range(first, first + count):
        year, month = _from_index(index)
        next_year, next_month = _from_index(index + 1)
        start = _day_in(year, month, day)
        end = _day_in(next_year, next_month, day) - timedelta(days=1)
        buckets.append(Bucket(start, end, _month_label(year, month)))
    return tuple(buckets)


def _clipped_months(start: date, end: date) -> tuple[Bucket, ...]:
    """Calendar months covering start..end, the first and last cut to the range."""
    buckets = []
    index = _month_index(start.year, start.month)
    while True:
        (bucket,) = month_buckets(index, 1, 1)
        if bucket.start > end:
            break
        buckets.append(Bucket(max(bucket.start, start), min(bucket.end, end), bucket.label))
        index += 1
    return tuple(buckets)


def _parse_month(value: Any, field: str) -> int:
    try:
        year, month = (int(part) for part in str(value).split("-"))
        date(year, month, 1)
    except (ValueError, TypeError) as exc:
        raise InvalidInput(f"{field} must be a month as YYYY-MM", field=field) from exc
    return _month_index(year, month)


def _parse_date(value: Any, field: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise InvalidInput(f"{field} must be a date as YYYY-MM-DD", field=field) from exc


def _int(spec: dict[str, Any], key: str, low: int, high: int, default: int | None = None) -> int:
    value = spec.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(
            f"{key} must be a whole number from {low} to {high}", field=f"period.{key}"
        )
    return value


def _checked(count: int) -> int:
    if count < 1:
        raise InvalidInput("the period ends before it starts", field="period.to")
    if count > MAX_BUCKETS:
        raise InvalidInput(f"a report covers at most {MAX_BUCKETS} months", field="period")
    return count


def _quarter_first(day: date) -> int:
    return _month_index(day.year, (day.month - 1) // 3 * 3 + 1)


def resolve_relative(name: str, today: date) -> dict[str, Any]:
    """A period relative to `today` (the send date, in the organization's time zone) as an
    absolute spec: "last_month" on 2026-04-01 is March 2026."""
    this_month = _month_index(today.year, today.month)
    if name == "last_month":
        month = _month_label(*_from_index(this_month - 1))
        return {"type": "months", "from": month, "to": month}
    if name == "month_to_date":
        return {"type": "range", "from": today.replace(day=1).isoformat(), "to": today.isoformat()}
    if name == "last_quarter":
        first = _quarter_first(today) - 3
        return {
            "type": "months",
            "from": _month_label(*_from_index(first)),
            "to": _month_label(*_from_index(first + 2)),
        }
    if name == "quarter_to_date":
        start = date(*_from_index(_quarter_first(today)), 1)
        return {"type": "range", "from": start.isoformat(), "to": today.isoformat()}
    if name == "last_year":
        return {"type": "year", "year": today.year - 1}
    if name == "year_to_date":
        return {"type": "range", "from": f"{today.year:04d}-01-01", "to": today.isoformat()}
    if name == "last_12_months":
        return {
            "type": "months",
            "from": _month_label(*_from_index(this_month - 12)),
            "to": _month_label(*_from_index(this_month - 1)),
        }
    if name == "last_7_days":
        return {
            "type": "range",
            "from": (today - timedelta(days=7)).isoformat(),
            "to": (today - timedelta(days=1)).isoformat(),
        }
    raise InvalidInput(f"period.name must be one of: {', '.join(RELATIVE)}", field="period.name")


def resolve(spec: dict[str, Any], today: date) -> Period:
    """A period spec (see README, "Report periods") -> its buckets and the previous period's.

    Raises InvalidInput naming the field for anything malformed."""
    if not isinstance(spec, dict):
        raise InvalidInput("period must be an object with a type", field="period")
    kind = spec.get("type")
    if kind == "relative":
        absolute = resolve_relative(str(spec.get("name")), today)
        period = resolve(absolute, today)
        return Period(period.label, period.buckets, period.previous_buckets, spec)
    if kind in ("months", "payday"):
        first = _parse_month(spec.get("from"), "period.from")
        last = _parse_month(spec.get("to", spec.get("from")), "period.to")
        count = _checked(last - first + 1)
        day = _int(spec, "day", 1, 31) if kind == "payday" else 1
        buckets = month_buckets(first, count, day)
        previous = month_buckets(first - count, count, day)
        label = buckets[0].label if count == 1 else f"{buckets[0].label} to {buckets[-1].label}"
        if kind == "payday":
            label = f"{buckets[0].start.isoformat()} to {buckets[-1].end.isoformat()}"
        return Period(label, buckets, previous, spec)
    if kind == "quarter":
        year = _int(spec, "year", 1900, 2999)
        quarter = _int(spec, "quarter", 1, 4)
        first = _month_index(year, quarter * 3 - 2)
        return Period(
            f"{year} Q{quarter}", month_buckets(first, 3, 1), month_buckets(first - 3, 3, 1), spec
        )
    if kind == "year":
        year = _int(spec, "year", 1900, 2999)
        first = _month_index(year, 1)
        return Period(
            str(year), month_buckets(first, 12, 1), month_buckets(first - 12, 12, 1), spec
        )
    if kind == "tax_year":
        year = _int(spec, "year", 1900, 2999)
        start_month = _int(spec, "start_month", 1, 12, 1)
        start_day = _int(spec, "start_day", 1, 31, 1)
        first = _month_index(year, start_month)
        buckets = month_buckets(first, 12, start_day)
        label = f"Tax year {buckets[0].start.isoformat()} to {buckets[-1].end.isoformat()}"
        return Period(label, buckets, month_buckets(first - 12, 12, start_day), spec)
    if kind == "range":
        start = _parse_date(spec.get("from"), "period.from")
        end = _parse_date(spec.get("to"), "period.to")
        if end < start:
            raise InvalidInput("period.to is before period.from", field="period.to")
        buckets = _clipped_months(start, end)
        _checked(len(buckets))
        length = (end - start).days + 1
        previous = _clipped_months(start - timedelta(days=length), start - timedelta(days=1))
        return Period(f"{start.isoformat()} to {end.isoformat()}", buckets, previous, spec)
    raise InvalidInput(f"period.type must be one of: {', '.join(TYPES)}", field="period.type")
