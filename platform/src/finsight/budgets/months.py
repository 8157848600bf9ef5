"""Calendar months as their first day."""

from __future__ import annotations

import calendar
from datetime import date


def first_of(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def previous_month(month: date) -> date:
    return date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


def days_in(month: date) -> int:
    return calendar.monthrange(month.year, month.month)[1]


def months_between(first: date, last: date) -> int:
    """Whole months from `first` to `last` (both first days); negative if `last` is earlier."""
    return (last.year - first.year) * 12 + last.month - first.month


def parse_month(text: str) -> date:
    """`YYYY-MM` (or an ISO date, taken as its month)."""
    value = text.strip()
    if len(value) == 7:
        value += "-01"
    return first_of(date.fromisoformat(value))
