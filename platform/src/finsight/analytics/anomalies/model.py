"""What the anomaly detectors read (`Txn`), what they find (`Anomaly`), their settings, and the
per-merchant and per-category history they all share (`History`)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from finsight.analytics.anomalies import windows

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Txn:
    id: str
    date: date
    amount: float  # signed: expenses are negative
    account: str
    merchant: str  # the merchant's identity (an id or a cleaned descriptor key)
    merchant_name: str = ""  # for people; the identity when empty
    category: str | None = None  # an id; None when uncategorized
    category_name: str | None = None
    currency: str = "USD"
    descriptor: str = ""  # the bank's text: a processor's resubmitted charge repeats it exactly

    @property
    def name(self) -> str:
        return self.merchant_name or self.merchant


@dataclass(frozen=True)
class Anomaly:
    kind: str
    score: float  # 0-1; comparable across kinds (see engine.ALERT_THRESHOLD)
    transaction_id: str  # the charge to look at (category_pace: the one that crossed the pace)
    related_ids: tuple[str, ...]  # duplicate: the earlier charge; category_pace: the month's
    occurred_on: date
    amount: float | None  # positive: what was spent
    account: str | None
    merchant: str | None  # display name
    category: str | None
    currency: str
    reason: str  # a sentence for people
    dedupe_key: str  # one anomaly per kind and subject, whatever run finds it
    details: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of_charge(
        cls,
        kind: str,
        t: Txn,
        *,
        score: float,
        reason: str,
        details: dict[str, Any],
        related_ids: tuple[str, ...] = (),
    ) -> Anomaly:
        """An anomaly about one charge (every kind but category_pace), keyed by it."""
        return cls(
            kind=kind,
            score=score,
            transaction_id=t.id,
            related_ids=related_ids,
            occurred_on=t.date,
            amount=-t.amount,
            account=t.account,
            merchant=t.name,
            category=t.category,
            currency=t.currency,
            reason=reason,
            dedupe_key=f"{kind}:{t.id}",
            details=details,
        )


@dataclass(frozen=True)
class Settings:
    """Thresholds. Defaults are what the evaluation (bench/eval/anomalies.py) was tuned with."""

    history_days: int = 365
    # Spikes: a merchant needs this many earlier charges to have a "usual".
    spike_min_history: int = 6
    spike_min_z: float = 4.0
    spike_min_ratio: float = 1.6
    # A fixed price has no spread: the spread is at least this share of the median (and $1).
    spike_relative_floor: float = 0.10
    spike_absolute_floor: float = 1.0
    spike_min_excess: float = 15.0
    category_min_history: int = 8
    # Duplicates: at most this many coincidences expected (per copy) for the pair to be
    # reported; the score counts evidence from `duplicate_score_expected` down, so a pair at
    # the threshold still scores above 0.5.
    duplicate_window_days: int = 2
    duplicate_max_expected: float = 0.0015
    duplicate_score_expected: float = 0.005
    # The share of resubmitted charges whose bank text differs from the first's.
    duplicate_text_change: float = 0.1
    # New merchants: the tenant needs this much history before anything is "new".
    first_charge_warmup_days: int = 120
    first_charge_min_amount: float = 100.0
    first_charge_min_ratio: float = 2.5
    # Category pace.
    pace_months: int = 6
    pace_min_months: int = 4
    pace_min_ratio: float = 1.8
    pace_min_z: float = 4.0
    pace_min_excess: float = 150.0
    pace_min_usual_month: float = 100.0
    # Spending a few days early (rent on the 1st instead of the 3rd) is not being ahead.
    pace_lookahead_days: int = 5
    # Isolation forest: the share of charges it may call outliers, and its seed.
    outlier_share: float = 0.004
    outlier_min_amount: float = 25.0
    seed: int = 20240601
    # Merchants whose anomalies a person dismissed: scores there are multiplied by this, once
    # per dismissal (so a merchant the person keeps dismissing stops alerting).
    dismissed: dict[str, int] = field(default_factory=dict)
    dismissed_factor: float = 0.85


_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "CA$", "AUD": "A$"}


def money(value: float, currency: str = "USD") -> str:
    symbol = _SYMBOLS.get(currency)
    text = f"{abs(value):,.2f}"
    return f"{symbol}{text}" if symbol else f"{text} {currency}"


def short_money(value: float, currency: str = "USD") -> str:
    """$78 rather than $78.40 for a typical amount, but cents where they matter ($4.50)."""
    if abs(value) >= 20:
        symbol = _SYMBOLS.get(currency)
        text = f"{round(abs(value)):,d}"
        return f"{symbol}{text}" if symbol else f"{text} {currency}"
    return money(value, currency)


def squash(evidence: float, scale: float) -> float:
    """Evidence beyond a detector's threshold (0 at the threshold) as a score in [0.5, 1)."""
    return 0.5 + 0.5 * (1.0 - math.exp(-max(evidence, 0.0) / scale))


def money_weight(excess: float) -> float:
    """Evidence for how much money is at stake: 0 at $15 more than usual, ~1.8 at $1,000."""
    return math.log10(max(excess, 15.0) / 15.0)


@dataclass
class Series:
    """One group's charges (a merchant's, a category's, the tenant's), oldest first."""

    ordinals: IntArray
    amounts: FloatArray  # positive spend
    positions: list[int]  # indexes into History.expenses

    def before(self, ordinal: int, days: int) -> slice:
        """The charges in the `days` before `ordinal` (that day itself excluded)."""
        lo = int(np.searchsorted(self.ordinals, ordinal - days, side="left"))
        hi = int(np.searchsorted(self.ordinals, ordinal, side="left"))
        return slice(lo, hi)


def _series(positions: list[int], ordinals: IntArray, amounts: FloatArray) -> Series:
    index = np.asarray(positions, dtype=np.int64)
    return Series(ordinals[index], amounts[index], positions)


class History:
    """Expenses (negative amounts) grouped by merchant, category and tenant, oldest first."""

    def __init__(self, transactions: list[Txn]) -> None:
        self.expenses = sorted(
            (t for t in transactions if t.amount < 0), key=lambda t: (t.date, t.id)
        )
        self.position = {t.id: i for i, t in enumerate(self.expenses)}
        self.ordinals = np.fromiter(
            (t.date.toordinal() for t in self.expenses), np.int64, len(self.expenses)
        )
        self.amounts = np.fromiter((-t.amount for t in self.expenses), float, len(self.expenses))
        by_merchant: dict[str, list[int]] = {}
        by_category: dict[str, list[int]] = {}
        for i, t in enumerate(self.expenses):
            by_merchant.setdefault(t.merchant, []).append(i)
            if t.category:
                by_category.setdefault(t.category, []).append(i)
        self.merchants = {
            k: _series(v, self.ordinals, self.amounts) for k, v in by_merchant.items()
        }
        self.categories = {
            k: _series(v, self.ordinals, self.amounts) for k, v in by_category.items()
        }
        self.tenant = _series(list(range(len(self.expenses))), self.ordinals, self.amounts)
        self.first_ordinal = int(self.ordinals[0]) if len(self.expenses) else 0
        # Where each charge sits in its merchant's series.
        self.merchant_index: dict[int, int] = {}
        for series in self.merchants.values():
            for j, p in enumerate(series.positions):
                self.merchant_index[p] = j
        self.index = windows.SeriesIndex()

    def center(
        self, series: Series, window: slice, relative_floor: float, absolute_floor: float
    ) -> tuple[float, float]:
        """`robust_center` of the series' amounts in `window` (windows move forward in time:
        a large one is kept sorted rather than sorted again)."""
        if window.stop - window.start < windows.SMALL:
            return robust_center(series.amounts[window], relative_floor, absolute_floor)
        values = self.index.sorted(series.amounts, window.start, window.stop)
        median = windows.median(values)
        mad = windows.mad(values, median)
        return median, max(1.4826 * mad, relative_floor * median, absolute_floor)

    def median(self, series: Series, window: slice) -> float:
        """np.median of the series' amounts in `window` (not empty)."""
        if window.stop - window.start < windows.SMALL:
            return float(np.median(series.amounts[window]))
        return windows.median(self.index.sorted(series.amounts, window.start, window.stop))

    def percentile(self, series: Series, window: slice, q: float) -> float:
        """np.percentile of the series' amounts in `window` (not empty)."""
        if window.stop - window.start < windows.SMALL:
            return float(np.percentile(series.amounts[window], q))
        values = self.index.sorted(series.amounts, window.start, window.stop)
        return windows.percentile(values, q)


def robust_center(
    values: FloatArray, relative_floor: float, absolute_floor: float
) -> tuple[float, float]:
    """Median and spread (1.4826 MAD, floored: a fixed price has none)."""
    median = float(np.median(values))
    mad = float(np.median(np.abs(values - median)))
    return median, max(1.4826 * mad, relative_floor * median, absolute_floor)
