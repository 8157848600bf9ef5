"""Named date ranges for the overview's period picker."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

PERIODS = {
    "this-month": "This month",
    "last-month": "Last month",
    "last-3-months": "Last 3 months",
    "year-to-date": "Year to date",
    "last-12-months": "Last 12 months",
    "all": "All time",
}
DEFAULT_PERIOD = "last-3-months"


@dataclass(frozen=True)
class Period:
    key: str
    label: str
    start: date | None
    end: date | None


def months_back(today: date, months: int) -> date:
    """The first day of the month `months` before today's month."""
    index = today.year * 12 + today.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def period(key: str | None, today: date) -> Period:
    key = key if key in PERIODS else DEFAULT_PERIOD
    first_of_month = today.replace(day=1)
    ranges: dict[str, tuple[date | None, date | None]] = {
        "this-month": (first_of_month, today),
        "last-month": (months_back(today, 1), first_of_month - timedelta(days=1)),
        "last-3-months": (months_back(today, 2), today),
        "year-to-date": (date(today.year, 1, 1), today),
        "last-12-months": (months_back(today, 11), today),
        "all": (None, None),
    }
    start, end = ranges[key]
    return Period(key, PERIODS[key], start, end)
