"""Cadences and their calendars: where each occurrence of a recurring stream is due.

A stream is fitted by anchoring a calendar (a weekday for weekly, a day of the month for monthly,
two days for semi-monthly, a month and day for annual) and measuring how far each transaction
lies from its nearest due date (its residual) and which period it fills (its slot). Anchoring on a
calendar, rather than looking at consecutive gaps only, is what tells a biweekly payroll (26 a
year) from a semi-monthly one (24 a year): the wrong calendar drifts by days every month.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from fractions import Fraction
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "CADENCES",
    "Anchor",
    "Cadence",
    "CadenceSpec",
    "candidate_anchors",
    "due_date",
    "locate",
    "month_index",
    "month_start",
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


def month_index(day: date) -> int:
    """Months since year 0: consecutive months are consecutive integers."""
    return day.year * 12 + day.month - 1


def month_start(index: int) -> date:
    """The first day of a month index."""
    return date(index // 12, index % 12 + 1, 1)


@cache  # a few thousand distinct arguments; the fitting asks for them millions of times
def _day_in_month(index: int, day_of_month: int) -> date:
    year, month = divmod(index, 12)
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


def anchored_at(cadence: Cadence, day: date) -> tuple[Anchor, int]:
    """A calendar with a due date on `day`, and that date's slot. Semi-monthly: the month's two
    days 15 apart, `day` one of them."""
    if cadence in _FIXED_DAYS:
        return Anchor(cadence, ordinal=day.toordinal()), 0
    if cadence is Cadence.SEMI_MONTHLY:
        late = day.day > 15
        days = (day.day - 15, day.day) if late else (day.day, day.day + 15)
        return Anchor(cadence, days=days), month_index(day) * 2 + late
    step = _MONTH_STEP[cadence]
    slot, phase = divmod(month_index(day), step)
    return Anchor(cadence, days=(day.day,), phase=phase), slot


@cache
def _due_ordinal(index: int, day_of_month: int) -> int:
    return _day_in_month(index, day_of_month).toordinal()


def locate(anchor: Anchor, day: date) -> tuple[int, int]:
    """(slot, residual in days) of the due date nearest to `day` (the earlier slot on a tie).

    Called millions of times while fitting calendars, hence ordinals instead of dates."""
    ordinal = day.toordinal()
    if anchor.cadence in _FIXED_DAYS:
        period = _FIXED_DAYS[anchor.cadence]
        offset = ordinal - anchor.ordinal
        slot = round(offset / period)
        return slot, offset - slot * period
    if anchor.cadence is Cadence.SEMI_MONTHLY:
        first = month_index(day) * 2 - 2
        candidates = range(first, first + 6)
        days = anchor.days
        step, phase = 1, 0
    else:
        step, phase = _MONTH_STEP[anchor.cadence], anchor.phase
        first = (month_index(day) - phase) // step - 1
        candidates = range(first, first + 3)
    best_slot, best_residual = first, None
    for slot in candidates:
        if anchor.cadence is Cadence.SEMI_MONTHLY:
            month, half = divmod(slot, 2)
            residual = ordinal - _due_ordinal(month, days[half])
        else:
            residual = ordinal - _due_ordinal(slot * step + phase, anchor.days[0])
        if best_residual is None or abs(residual) < abs(best_residual):
            best_slot, best_residual = slot, residual
    assert best_residual is not None
    return best_slot, best_residual


def capped_distances(anchors: Sequence[Anchor], days: Sequence[date], cap: float) -> list[float]:
    """Per calendar, the sum over `days` of min(|residual|, cap), the residuals being exactly
    those of locate(); all days of a calendar at once (fitting tries dozens of calendars on
    hundreds of dates, which one locate() call at a time made the slowest part of a run)."""
    ordinals = np.array([d.toordinal() for d in days], dtype=np.int64)
    months = np.array([month_index(d) for d in days], dtype=np.int64)
    # Every month a candidate slot may fall in (an annual calendar looks up to 2 years away).
    low = int(months.min()) - 26
    firsts = np.array(
        [_due_ordinal(m, 1) for m in range(low, int(months.max()) + 27)], dtype=np.int64
    )
    lengths = np.array(
        [_day_in_month(m, 31).day for m in range(low, int(months.max()) + 27)], dtype=np.int64
    )

    def residual(month: npt.NDArray[np.int64], day_of_month: int | npt.NDArray[np.int64]) -> Any:
        index = month - low
        return ordinals - (firsts[index] + np.minimum(day_of_month, lengths[index]) - 1)

    totals = []
    for anchor in anchors:
        if anchor.cadence in _FIXED_DAYS:
            period = _FIXED_DAYS[anchor.cadence]
            offsets = ordinals - anchor.ordinal
            best = offsets - np.round(offsets / period).astype(np.int64) * period
        else:
            if anchor.cadence is Cadence.SEMI_MONTHLY:
                first = months * 2 - 2
                day_of = np.array(anchor.days, dtype=np.int64)
                candidates = [residual((first + k) // 2, day_of[(first + k) % 2]) for k in range(6)]
            else:
                step, phase = _MONTH_STEP[anchor.cadence], anchor.phase
                first = (months - phase) // step - 1
                candidates = [
                    residual((first + k) * step + phase, anchor.days[0]) for k in range(3)
                ]
            # The nearest due date; on a tie the earlier slot, as in locate().
            best = candidates[0]
            for other in candidates[1:]:
                best = np.where(np.abs(other) < np.abs(best), other, best)
        totals.append(float(np.minimum(np.abs(best), cap).sum()))
    return totals


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
    seen = sorted({(d.day, month_index(d) % step) for d in days})
    seen += [(31, phase) for phase in sorted({p for _, p in seen})]
    return [Anchor(cadence, days=(dom,), phase=phase) for dom, phase in seen]


def shift_off_weekend(day: date, forward: bool) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1 if forward else -1)
    return day
