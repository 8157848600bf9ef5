"""Known recurring items: where they fall, what they move, and what they moved.

A stream's future occurrences are placed on its calendar from the detector's next date, each at
the median of its last three amounts. The same placement, replayed as of each past month-end
from what the stream had charged by then, tells the backtest how wrong placement itself is
(a bill's ±15%, a skipped period, a charge that slid into the next month, a new stream nobody
knew of yet): those errors belong in the interval as much as the models' own.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import numpy as np

from finsight.analytics.forecasting.methods import Array
from finsight.analytics.recurring import CANCEL_AFTER_PERIODS
from finsight.analytics.schedules import (
    CADENCES,
    Cadence,
    anchored_at,
    due_date,
    month_index,
    month_start,
)

# The detector's periods: a stream that long times CANCEL_AFTER_PERIODS without a charge ended.
PERIOD_DAYS = {spec.cadence.value: spec.period_days for spec in CADENCES}


@dataclass(frozen=True)
class KnownItem:
    """A recurring item from one due date on: its cadence and what each occurrence moves."""

    cadence: str  # weekly, biweekly, semi_monthly, monthly, quarterly, annual
    next_date: date
    amount: float  # signed in the series' units, per occurrence


@dataclass(frozen=True)
class KnownStream:
    """A detected stream as one series sees it."""

    cadence: str
    charges: tuple[tuple[date, float], ...]  # its past occurrences, oldest first, series units
    next_date: date | None  # the detector's next date; None once cancelled


def occurrences(item: KnownItem, until: date) -> list[date]:
    """The item's due dates from its next date up to `until`. Weekend shifts are not modelled:
    a month's total moves only when a shifted date crosses the month's end, and the backtest
    sees how often that happens."""
    first = item.next_date
    anchor, slot = anchored_at(Cadence(item.cadence), first)
    found: list[date] = []
    while (day := due_date(anchor, slot)) <= until:
        found.append(day)
        slot += 1
    return found


def place(items: Iterable[KnownItem], first_month: date, months: int) -> Array:
    """What the items move in each of `months` whole months from `first_month` (occurrences
    before it are ignored)."""
    start = month_index(first_month)
    until = month_start(start + months) - timedelta(days=1)
    placed = np.zeros(months)
    for item in items:
        for day in occurrences(item, until):
            offset = month_index(day) - start
            if offset >= 0:
                placed[offset] += item.amount
    return placed


def placement_amount(amounts: Sequence[Decimal | float]) -> float:
    """What a stream's next occurrence will move: the median of its last three, so a price
    change counts from its second charge and one odd bill does not set the level."""
    return float(statistics.median(float(a) for a in amounts[-3:]))


def future(streams: Iterable[KnownStream], first_month: date, months: int) -> Array:
    """The streams placed in the forecast months, from the detector's next dates."""
    items = [
        KnownItem(s.cadence, s.next_date, placement_amount([a for _, a in s.charges]))
        for s in streams
        if s.next_date is not None and s.charges
    ]
    return place(items, first_month, months)


def moved(streams: Iterable[KnownStream], first_month: date, months: int) -> Array:
    """What the streams moved in each of `months` past months from `first_month`."""
    start = month_index(first_month)
    out = np.zeros(months)
    for stream in streams:
        for day, amount in stream.charges:
            offset = month_index(day) - start
            if 0 <= offset < months:
                out[offset] += amount
    return out


def replay(streams: Iterable[KnownStream], origin_month: date, months: int) -> Array:
    """Placement as it would have been made at the end of the month before `origin_month`:
    from each stream's charges until then, continuing its calendar from its last charge."""
    as_of = origin_month - timedelta(days=1)
    items = []
    for stream in streams:
        before = [(d, a) for d, a in stream.charges if d <= as_of]
        if not before:
            continue  # not known yet
        last = before[-1][0]
        if (as_of - last).days > CANCEL_AFTER_PERIODS * PERIOD_DAYS[stream.cadence]:
            continue  # it would have been called cancelled
        items.append(KnownItem(stream.cadence, last, placement_amount([a for _, a in before])))
    return place(items, origin_month, months)  # `last` itself lies before: not counted
