"""Recurring charges and income on one tenant's transactions.

For each (account, merchant, direction) the detector tries every cadence's calendar (see
`schedules`) and keeps a stream when the transactions sit close to the due dates (median
|residual| within the cadence's tolerance), fill the periods (one skipped period in a row at
most, few overall) and cost about the same each time (a ±15% bill or one price change pass).
Habits fail one of those: daily coffee has many charges per period, weekly groceries land 4-10
days apart and cost 40 one week and 150 the next.

When the whole merchant does not fit, the same test runs on each band of similar amounts, then
on one exact price (Apple: a 2.99 iCloud plan among app purchases). A band stream that is no
more than half of its merchant's charges must keep one price (to the cent, bar a price change
or a stray purchase): otherwise some band of the groceries looks monthly by chance. Streams of
one account that continue each other (a descriptor or price change) are stitched together.

Status, as of a date: early (fewer than 3 occurrences), mature, missed (the expected date passed
by more than the cadence's tolerance; the next date moves to the next due date), cancelled
(missed by more than 1.5 periods; no next date).
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Protocol

from finsight.analytics.descriptors import first_words_agree
from finsight.analytics.schedules import (
    CADENCES,
    Anchor,
    Cadence,
    CadenceSpec,
    candidate_anchors,
    capped_distances,
    due_date,
    locate,
    shift_off_weekend,
)

__all__ = [
    "Cadence",
    "RecurringStream",
    "Status",
    "Transaction",
    "detect_recurring",
    "monthly_subscription_total",
]

CENT = Decimal("0.01")
MIN_OCCURRENCES = 3  # below this a consistent stream is "early"
CANCEL_AFTER_PERIODS = 1.5
_MAX_ANCHORS = 12  # anchors tried per cadence: enough to find the calendar, bounded work
_AMOUNT_BAND = 1.3  # amounts within 30% of a band's smallest belong to the band
_AMOUNT_MEDIAN_SPREAD = 0.10  # median deviation from the local median amount
_AMOUNT_OUTLIER = 0.35  # deviation beyond which an amount counts as irregular
_AMOUNT_OUTLIER_SHARE = 0.2
_MISSING_SHARE = 0.2  # skipped periods over the stream's life
# A plan found by its exact price among other purchases at a busy merchant (coffee most days,
# which repeats any price by chance now and then) needs more occurrences.
_BUSY_MERCHANT = 24
_EXACT_PRICE_MIN_BUSY = 6
# Two annual charges may differ by a renewal's price change (premiums, memberships).
_EARLY_ANNUAL_PRICE_CHANGE = Decimal("0.15")


class Status(StrEnum):
    EARLY = "early"
    MATURE = "mature"
    MISSED = "missed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Transaction:
    id: str
    date: date
    amount: Decimal  # signed: negative is money out
    merchant: str  # merchant key
    account: str


@dataclass(frozen=True)
class RecurringStream:
    merchant: str
    account: str
    direction: str  # "expense" or "income"
    cadence: Cadence
    average_amount: Decimal  # positive
    last_amount: Decimal  # positive
    first_date: date
    last_date: date
    next_date: date | None  # None once cancelled
    status: Status
    occurrences: int
    transaction_ids: tuple[str, ...]


@dataclass(frozen=True)
class _Fit:
    spec: CadenceSpec
    anchor: Anchor
    kept: tuple[Transaction, ...]
    slots: tuple[int, ...]
    residuals: tuple[int, ...]
    score: float


def _best_anchor(spec: CadenceSpec, txns: Sequence[Transaction]) -> Anchor | None:
    days = [t.date for t in txns]
    # Weekly calendars are anchored on a sample of dates (bounded work); month-based ones take
    # every observed day of the month, which is at most 31 candidates anyway.
    fixed = spec.cadence in (Cadence.WEEKLY, Cadence.BIWEEKLY)
    step = max(1, len(days) // _MAX_ANCHORS) if fixed else 1
    anchors = candidate_anchors(spec.cadence, days[::step])
    if not anchors:
        return None
    cap = spec.outlier_tolerance * 2  # an outlier should not drag the calendar to itself

    costs = capped_distances(anchors, days, cap)
    # The calendar of least total distance; ties to the lower ordinal and days, then the first.
    best = min(range(len(anchors)), key=lambda i: (costs[i], anchors[i].ordinal, anchors[i].days))
    return anchors[best]


def _amounts_stable(amounts: Sequence[float]) -> bool:
    """Stable around a local median, so one price change or a ±15% bill still passes."""
    deviations = []
    for i, amount in enumerate(amounts):
        window = amounts[max(0, i - 2) : i + 3]
        local = statistics.median(window)
        deviations.append(abs(amount - local) / local if local else 1.0)
    irregular = sum(d > _AMOUNT_OUTLIER for d in deviations)
    typical_ok = statistics.median(deviations) <= _AMOUNT_MEDIAN_SPREAD
    return typical_ok and irregular <= _AMOUNT_OUTLIER_SHARE * len(amounts)


def _fit(spec: CadenceSpec, txns: Sequence[Transaction], allow_early: bool) -> _Fit | None:
    span = (txns[-1].date - txns[0].date).days
    expected = span / spec.period_days + 1
    if len(txns) < 2 or len(txns) > 2 * expected + 2 or len(txns) < 0.5 * expected:
        return None
    anchor = _best_anchor(spec, txns)
    if anchor is None:
        return None
    by_slot: dict[int, tuple[int, Transaction]] = {}
    for txn in txns:
        slot, residual = locate(anchor, txn.date)
        if abs(residual) > spec.outlier_tolerance:
            continue
        held = by_slot.get(slot)
        if held is None or abs(residual) < abs(held[0]):
            by_slot[slot] = (residual, txn)
    slots = sorted(by_slot)
    if len(slots) < 2:
        return None
    extras = len(txns) - len(slots)
    missing = slots[-1] - slots[0] + 1 - len(slots)
    gaps = [b - a for a, b in itertools.pairwise(slots)]
    residuals = [by_slot[s][0] for s in slots]
    kept = tuple(by_slot[s][1] for s in slots)
    median_residual = statistics.median(abs(r) for r in residuals)
    if (
        max(gaps) > spec.max_gap
        # One skipped period is always allowed, more only in a long stream.
        or missing > max(1.0, _MISSING_SHARE * (len(slots) + missing))
        or extras > 0.25 * len(slots)
        or median_residual > spec.median_tolerance
        or not _amounts_stable([float(abs(t.amount)) for t in kept])
    ):
        return None
    if len(slots) < MIN_OCCURRENCES and not (
        allow_early and _early_ok(spec, kept, residuals, extras)
    ):
        return None
    score = median_residual / spec.period_days
    return _Fit(spec, anchor, kept, tuple(slots), tuple(residuals), score)


def _early_ok(
    spec: CadenceSpec, kept: Sequence[Transaction], residuals: Sequence[int], extras: int
) -> bool:
    # Two charges are a stream only when nothing else blurs them: same price (within 2%; a year
    # apart, within a plausible price rise: an insurance premium 6% dearer on renewal),
    # nothing else at the merchant, and the gap right for the cadence.
    first, last = abs(kept[0].amount), abs(kept[-1].amount)
    rise = _EARLY_ANNUAL_PRICE_CHANGE if spec.cadence is Cadence.ANNUAL else Decimal("0.02")
    same_price = abs(first - last) <= rise * max(first, last)
    return extras == 0 and same_price and max(abs(r) for r in residuals) <= spec.median_tolerance


def _predict(fit: _Fit, slot: int) -> date:
    """A slot's date: the calendar's date, moved by the stream's usual offset, off weekends."""
    nominal = due_date(fit.anchor, slot)
    weekday_residuals = [
        r
        for s, r in zip(fit.slots, fit.residuals, strict=True)
        if due_date(fit.anchor, s).weekday() < 5
    ]
    offset = round(statistics.median(weekday_residuals)) if weekday_residuals else 0
    predicted = date.fromordinal(nominal.toordinal() + offset)
    # A stream never seen on a weekend (bills, payroll) will not be charged on one either;
    # it moves the way it moved before (payroll early, bills late).
    if len(fit.kept) >= MIN_OCCURRENCES and all(t.date.weekday() < 5 for t in fit.kept):
        weekend = [
            r
            for s, r in zip(fit.slots, fit.residuals, strict=True)
            if due_date(fit.anchor, s).weekday() >= 5
        ]
        forward = not weekend or statistics.median(weekend) >= 0
        predicted = shift_off_weekend(predicted, forward)
    return predicted


def _stream(fit: _Fit, as_of: date) -> RecurringStream:
    kept = fit.kept
    first, last = kept[0], kept[-1]
    amounts = [abs(t.amount) for t in kept]
    slot = fit.slots[-1] + 1
    expected = _predict(fit, slot)
    overdue = (as_of - expected).days
    next_date: date | None = expected
    status = Status.MATURE if len(kept) >= MIN_OCCURRENCES else Status.EARLY
    if overdue > CANCEL_AFTER_PERIODS * fit.spec.period_days:
        status, next_date = Status.CANCELLED, None
    elif overdue > fit.spec.outlier_tolerance:
        # Missed (or skipped): the next date is the first due date still ahead.
        status = Status.MISSED
        while (as_of - _predict(fit, slot)).days > fit.spec.outlier_tolerance:
            slot += 1
        next_date = _predict(fit, slot)
    return RecurringStream(
        merchant=last.merchant,  # a stitched stream goes by its current name
        account=first.account,
        direction="income" if first.amount > 0 else "expense",
        cadence=fit.spec.cadence,
        average_amount=(sum(amounts, Decimal(0)) / len(amounts)).quantize(CENT),
        last_amount=amounts[-1].quantize(CENT),
        first_date=first.date,
        last_date=last.date,
        next_date=next_date,
        status=status,
        occurrences=len(kept),
        transaction_ids=tuple(t.id for t in kept),
    )


def _best_fit(txns: Sequence[Transaction], allow_early: bool) -> _Fit | None:
    fits = [f for spec in CADENCES if (f := _fit(spec, txns, allow_early)) is not None]
    # The calendar that explains the most transactions wins; then the tightest.
    return min(fits, key=lambda f: (-len(f.kept), f.score), default=None)


def _amount_bands(txns: Sequence[Transaction]) -> list[list[Transaction]]:
    ordered = sorted(txns, key=lambda t: (abs(t.amount), t.date, t.id))
    bands: list[list[Transaction]] = []
    for txn in ordered:
        if bands and abs(txn.amount) <= abs(bands[-1][0].amount) * Decimal(str(_AMOUNT_BAND)):
            bands[-1].append(txn)
        else:
            bands.append([txn])
    return [sorted(band, key=lambda t: (t.date, t.id)) for band in bands]


def _holds_a_price(fit: _Fit, txns: Sequence[Transaction]) -> bool:
    """Whether a stream carved out of a merchant by an amount band is a plan, not chance.

    When the stream would be no more than half of its merchant's charges (groceries every 4-10
    days for 40-160, a restaurant now and then), some band of similar amounts falls on a weekly
    or monthly calendar by chance, for a while. A plan there has a price: most charges repeat
    the one before to the cent (a price change or a stray purchase in a slot still passes).
    When the stream is most of the merchant (a bill and a one-off fee) the usual test will do.
    """
    kept = fit.kept
    if len(txns) - len(kept) < len(kept):
        return True
    amounts = [abs(t.amount) for t in kept]
    repeats = sum(abs(a - b) <= CENT for a, b in itertools.pairwise(amounts))
    return 2 * repeats >= len(amounts) - 1


def _detect_group(txns: list[Transaction]) -> list[_Fit]:
    # Two charges make an "early" stream only when they are all the merchant has: among other
    # purchases (a restaurant visited now and then), two equal bills a month apart are chance.
    whole = _best_fit(txns, allow_early=True)
    if whole is not None:
        return [whole]
    fits = []
    for band in _amount_bands(txns):
        if len(band) < MIN_OCCURRENCES:
            continue
        fit = _best_fit(band, allow_early=False) if len(band) < len(txns) else None
        if fit is not None and _holds_a_price(fit, txns):
            fits.append(fit)
            continue
        # Last, one exact price: a 2.99 plan among purchases of 0.99-9.99 at the same store.
        # A price rise splits it in two; `_stitch` joins the halves.
        by_price: dict[Decimal, list[Transaction]] = {}
        for txn in band:
            by_price.setdefault(txn.amount, []).append(txn)
        for same in by_price.values():
            needed = _EXACT_PRICE_MIN_BUSY if len(txns) > _BUSY_MERCHANT else MIN_OCCURRENCES
            if needed <= len(same) < len(band):
                fit = _best_fit(same, allow_early=False)
                if fit is not None:
                    fits.append(fit)
    return fits


def _continues(a: _Fit, b: _Fit) -> bool:
    """Whether `b` could be `a` under a new descriptor ("ADOBE" -> "ADOBE *CREATIVE CLOUD") or
    a new price: same cadence, related names, `b` starts within two periods after `a` ends,
    the price within 30%."""
    old, new = a.kept[-1], b.kept[0]
    gap = (new.date - old.date).days
    ratio = abs(new.amount) / abs(old.amount)
    return (
        a.spec.cadence is b.spec.cadence
        and first_words_agree(old.merchant.split()[0], new.merchant.split()[0])
        and 0 < gap <= 2.5 * a.spec.period_days
        and Decimal("0.77") <= ratio <= Decimal("1.3")
    )


def _stitch(fits: list[_Fit]) -> list[_Fit]:
    """Join streams of one account that continue each other under a changed descriptor.

    Text alone must not merge "adobe" with "adobe creative" (see `merchants`), but a schedule
    that stops under one name and carries on under the other is evidence enough.
    """
    merged = True
    while merged:
        merged = False
        for a, b in itertools.permutations(fits, 2):
            if not _continues(a, b):
                continue
            combined = sorted(a.kept + b.kept, key=lambda t: (t.date, t.id))
            fit = _best_fit(combined, allow_early=False)
            if fit is not None and len(fit.kept) == len(combined):
                fits = [f for f in fits if f is not a and f is not b] + [fit]
                merged = True
                break
    return fits


def detect_recurring(
    transactions: Iterable[Transaction], as_of: date | None = None
) -> list[RecurringStream]:
    """Recurring streams, as of `as_of` (default: the latest transaction's date).

    Transactions after `as_of` are ignored: the answer is what was known on that day.
    """
    groups: dict[tuple[str, str, bool], list[Transaction]] = {}
    latest: date | None = None
    for txn in transactions:
        if txn.amount == 0 or (as_of is not None and txn.date > as_of):
            continue
        groups.setdefault((txn.account, txn.merchant, txn.amount > 0), []).append(txn)
        latest = txn.date if latest is None else max(latest, txn.date)
    if latest is None:
        return []
    when = as_of or latest
    fits: dict[tuple[str, bool], list[_Fit]] = {}
    for key in sorted(groups):
        txns = sorted(groups[key], key=lambda t: (t.date, t.id))
        if len(txns) >= 2:
            fits.setdefault((key[0], key[2]), []).extend(_detect_group(txns))
    streams = [_stream(fit, when) for part in fits.values() for fit in _stitch(part)]
    return sorted(streams, key=lambda s: (s.account, s.merchant, s.first_date))


class PricedStream(Protocol):
    """What the monthly total needs of a stream: a detected one, or one stored by a run."""

    @property
    def direction(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def cadence(self) -> str: ...
    @property
    def last_amount(self) -> Decimal: ...


def monthly_subscription_total(streams: Iterable[PricedStream]) -> Decimal:
    """What active recurring expenses cost per month (weekly x 52/12, annual / 12, ...)."""
    per_month: dict[str, Fraction] = {spec.cadence: spec.per_month for spec in CADENCES}
    total = Decimal(0)
    for stream in streams:
        if stream.direction == "expense" and stream.status != Status.CANCELLED:
            factor = per_month[stream.cadence]
            total += stream.last_amount * factor.numerator / factor.denominator
    return total.quantize(CENT)
