"""Cadences and their calendars: where each occurrence of a recurring stream is due.

A stream is fitted by anchoring a calendar (a weekday for weekly, a day of the month for monthly,
two days for semi-monthly, a month and day for annual) and measuring how far each transaction
lies from its nearest due date (its residual) and which period it fills (its slot). Anchoring on a
calendar, rather than looking at consecutive gaps only, is what tells a biweekly payroll (26 a
year) from a semi-monthly one (24 a year): the wrong calendar drifts by days every month.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from fractions import Fraction
from functools import cache

__all__ = [
    "CADENCES",
    "Anchor",
    "Cadence",
    "CadenceSpec",
    "candidate_anchors",
    "due_date",
    "locate",
    "shift_off_weekend",
]


class Cadence(StrEnum):
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    SEMI_MONTHLY = "semi_monthly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    ANNUAL = "annual"


@dataclass(frozen=True)
class CadenceSpec:
    cadence: Cadence
    period_days: float
    per_month: Fraction  # occurrences per month, to normalise amounts to a month
    median_tolerance: float  # the median |residual| a stream may have, in days
    outlier_tolerance: float  # beyond this |residual| a transaction is not an occurrence
    max_gap: int  # at most this many slots between two occurrences (2 = one skipped period)


CADENCES: tuple[CadenceSpec, ...] = (
    # Card charges drift by a day or two and slide off weekends; bills and pay by up to 3 days.
    CadenceSpec(Cadence.WEEKLY, 7.0, Fraction(52, 12), 1.0, 2.0, 3),
    CadenceSpec(Cadence.BIWEEKLY, 14.0, Fraction(26, 12), 1.5, 3.0, 2),
    CadenceSpec(Cadence.SEMI_MONTHLY, 365.25 / 24, Fraction(2), 2.0, 4.0, 2),
    CadenceSpec(Cadence.MONTHLY, 365.25 / 12, Fraction(1), 3.0, 6.0, 2),
    CadenceSpec(Cadence.QUARTERLY, 365.25 / 4, Fraction(1, 3), 5.0, 10.0, 2),
    CadenceSpec(Cadence.ANNUAL, 365.25, Fraction(1, 12), 7.0, 15.0, 2),
)


@dataclass(frozen=True)
class Anchor:
    """A calendar: `ordinal` for weekly/biweekly; `days` and `phase` for the month-based ones."""

    cadence: Cadence
    ordinal: int = 0
    days: tuple[int, ...] = ()  # day(s) of the month: one, or two for semi-monthly
    phase: int = 0  # month index modulo the step (quarterly, annual)


_MONTH_STEP = {Cadence.MONTHLY: 1, Cadence.QUARTERLY: 3, Cadence.ANNUAL: 12}
_FIXED_DAYS = {Cadence.WEEKLY: 7, Cadence.BIWEEKLY: 14}


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


@cache  # a few thousand distinct arguments; the fitting asks for them millions of times
def _day_in_month(month_index: int, day_of_month: int) -> date:
    year, month = divmod(month_index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day_of_month, last))  # the 31st is the last day in June


def due_date(anchor: Anchor, slot: int) -> date:
    """The nominal due date of a slot (slots count periods, from any fixed origin)."""
    if anchor.cadence in _FIXED_DAYS:
        return date.fromordinal(anchor.ordinal + slot * _FIXED_DAYS[anchor.cadence])
    if anchor.cadence is Cadence.SEMI_MONTHLY:
        month, half = divmod(slot, 2)
        return _day_in_month(month, anchor.days[half])
    step = _MONTH_STEP[anchor.cadence]
    return _day_in_month(slot * step + anchor.phase, anchor.days[0])


def locate(anchor: Anchor, day: date) -> tuple[int, int]:
    """(slot, residual in days) of the due date nearest to `day`."""
    if anchor.cadence in _FIXED_DAYS:
        period = _FIXED_DAYS[anchor.cadence]
        offset = day.toordinal() - anchor.ordinal
        slot = round(offset / period)
        return slot, offset - slot * period
    if anchor.cadence is Cadence.SEMI_MONTHLY:
        base = _month_index(day) * 2
        candidates = range(base - 2, base + 4)
    else:
        step = _MONTH_STEP[anchor.cadence]
        base = (_month_index(day) - anchor.phase) // step
        candidates = range(base - 1, base + 2)
    best = min(candidates, key=lambda s: (abs((day - due_date(anchor, s)).days), s))
    return best, (day - due_date(anchor, best)).days


def candidate_anchors(cadence: Cadence, days: list[date]) -> list[Anchor]:
    """Calendars worth trying for these dates: each one anchored on an observed date."""
    if cadence in _FIXED_DAYS:
        return [Anchor(cadence, ordinal=d.toordinal()) for d in days]
    if cadence is Cadence.SEMI_MONTHLY:
        observed = sorted({d.day for d in days} | {31})  # "the last day" may never be seen
        # Semi-monthly days split the month about in half (1st/15th, 15th/last, 5th/20th).
        pairs = [(a, b) for a in observed for b in observed if 12 <= b - a <= 18]
        return [Anchor(cadence, days=pair) for pair in pairs]
    step = _MONTH_STEP[cadence]
    seen = sorted({(d.day, _month_index(d) % step) for d in days})
    seen += [(31, phase) for phase in sorted({p for _, p in seen})]
    return [Anchor(cadence, days=(dom,), phase=phase) for dom, phase in seen]


def shift_off_weekend(day: date, forward: bool) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1 if forward else -1)
    return day
