"""Forecast evaluation: 12 rolling origins per tenant, against seasonal naive and the truth.

For each tenant ledger the series are net cash flow per account and spending per truth category
(spending = money out minus refunds, so an income category is negative). At each origin (the end
of a month) the recurring detector runs on what was known then, its streams are placed in the 3
months ahead and taken out of the history (exactly as the run's step does with stored streams),
and `forecast_series` forecasts 1-3 months. Scores:
- per series, relative MAE = our MAE / seasonal naive's MAE over the same 36 forecasts (the MASE
  with seasonal naive's out-of-sample error as the scale); net cash flow's target is the median
  over all account series < 1, a category's the median over the tenants that have it < 1, and
  at least 60% of the categories must meet theirs;
- the share of outcomes inside the 80% intervals (target 75-85%), per horizon and in all.

The detector and the models see the last HISTORY_MONTHS months before each origin (the models
never see more in the service either); that keeps 480 detector runs inside the time budget.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np

from bench.eval.generator import Ledger, generate_ledger
from bench.eval.metrics import GroupingCounts
from finsight.analytics.forecasting.forecast import HISTORY_MONTHS, forecast_series
from finsight.analytics.forecasting.placement import KnownStream
from finsight.analytics.recurring import RecurringStream, Status, Transaction, detect_recurring
from finsight.analytics.schedules import month_index, month_start

ORIGINS = 12
HORIZON = 3
SEASON = 12
TARGETS = {
    "forecast_net_flow_median_relative_mae_below": 1.0,
    "forecast_categories_share_below_1": 0.60,
    "forecast_coverage_80_min": 0.75,
    "forecast_coverage_80_max": 0.85,
}
MIN_CATEGORY_TENANTS = 5  # categories seen in fewer tenants are reported, not scored


@dataclass
class _Scores:
    # series key -> our and seasonal naive's absolute errors over all origins and steps
    ours: dict[tuple[str, str], list[float]] = field(default_factory=lambda: defaultdict(list))
    naive: dict[tuple[str, str], list[float]] = field(default_factory=lambda: defaultdict(list))
    covered: Counter[int] = field(default_factory=Counter)
    counted: Counter[int] = field(default_factory=Counter)
    covered_by_scope: Counter[str] = field(default_factory=Counter)
    counted_by_scope: Counter[str] = field(default_factory=Counter)
    methods: Counter[str] = field(default_factory=Counter)


def _series(ledger: Ledger) -> tuple[int, dict[tuple[str, str], np.ndarray]]:
    """(first month index, series key -> monthly values): ("account", name) net flow and
    ("category", path) spending."""
    first = month_index(ledger.start)
    months = month_index(ledger.end) - first + 1
    out: dict[tuple[str, str], np.ndarray] = {}
    for txn in ledger.transactions:
        m = month_index(txn.date) - first
        amount = float(txn.amount)
        out.setdefault(("account", txn.account), np.zeros(months))[m] += amount
        out.setdefault(("category", txn.category), np.zeros(months))[m] -= amount
    return first, out


def _known_streams(
    ledger: Ledger, streams: Sequence[RecurringStream]
) -> dict[tuple[str, str], list[KnownStream]]:
    """The detected streams per series key, with their charges in the series' units (a stream
    belongs to the category most of its charges have)."""
    by_id = {t.id: t for t in ledger.transactions}
    out: dict[tuple[str, str], list[KnownStream]] = defaultdict(list)
    for stream in streams:
        rows = sorted((by_id[i] for i in stream.transaction_ids), key=lambda r: r.date)
        category = Counter(r.category for r in rows).most_common(1)[0][0]
        nxt = None if stream.status is Status.CANCELLED else stream.next_date
        cadence = stream.cadence.value
        flow = tuple((r.date, float(r.amount)) for r in rows)
        spend = tuple((r.date, -float(r.amount)) for r in rows if r.category == category)
        out[("account", stream.account)].append(KnownStream(cadence, flow, nxt))
        out[("category", category)].append(KnownStream(cadence, spend, nxt))
    return out


def _tenant(seed: int, index: int, years: int, end: date, scores: _Scores) -> None:
    from bench.eval.runner import label_merchants  # runner imports this module

    ledger = generate_ledger(seed, index, years, end)
    txns: list[Transaction] = label_merchants(ledger, GroupingCounts())
    first, series = _series(ledger)
    months = month_index(ledger.end) - first + 1
    for origin in range(months - HORIZON - ORIGINS + 1, months - HORIZON + 1):
        as_of = month_start(first + origin) - timedelta(days=1)
        start = max(0, origin - HISTORY_MONTHS)
        since = month_start(first + start)
        known = [t for t in txns if since <= t.date <= as_of]
        streams = _known_streams(ledger, detect_recurring(known, as_of))
        for key, values in series.items():
            history = values[start:origin]
            if not np.any(history) and not np.any(values[origin : origin + HORIZON]):
                continue
            result = forecast_series(history, since, streams.get(key, []), months=HORIZON)
            scores.methods[f"{key[0]}:{result.method.split(' ')[0]}"] += 1
            label = (key[0], f"{index}:{key[1]}")
            for k, point in enumerate(result.points):
                actual = values[origin + k]
                scores.ours[label].append(abs(actual - point.point))
                scores.naive[label].append(abs(actual - values[origin - SEASON + k]))
                inside = bool(point.lower - 1e-9 <= actual <= point.upper + 1e-9)
                scores.counted[k + 1] += 1
                scores.covered[k + 1] += inside
                scores.counted_by_scope[key[0]] += 1
                scores.covered_by_scope[key[0]] += inside


def _relative(scores: _Scores, label: tuple[str, str]) -> float | None:
    ours, naive = float(np.mean(scores.ours[label])), float(np.mean(scores.naive[label]))
    if naive == 0:
        return None if ours == 0 else float("inf")
    return ours / naive


def evaluate_forecasts(
    seed: int, tenants: int, years: int, end: date
) -> tuple[list[dict[str, Any]], dict[str, float], dict[str, bool]]:
    """(the suite's lines, its targets, which were met) for the runner's targets line."""
    started = time.perf_counter()
    scores = _Scores()
    for index in range(tenants):
        _tenant(seed, index, years, end, scores)
    run = {"seed": seed, "tenants": tenants, "years": years}
    flows = [r for lab in scores.ours if lab[0] == "account" if (r := _relative(scores, lab))]
    by_category: dict[str, list[float]] = defaultdict(list)
    for label in scores.ours:
        if label[0] == "category" and (r := _relative(scores, label)) is not None:
            by_category[label[1].split(":", 1)[1]].append(r)
    category_medians = {
        name: round(statistics.median(values), 3)
        for name, values in sorted(by_category.items())
        if len(values) >= min(MIN_CATEGORY_TENANTS, tenants)
    }
    below = sum(v < 1.0 for v in category_medians.values())
    share = below / len(category_medians) if category_medians else 0.0
    coverage = sum(scores.covered.values()) / max(1, sum(scores.counted.values()))
    net_flow = float(statistics.median(flows)) if flows else float("inf")
    met = {
        "forecast_net_flow_median_relative_mae_below": net_flow < 1.0,
        "forecast_categories_share_below_1": share >= 0.60,
        "forecast_coverage_80": 0.75 <= coverage <= 0.85,
    }
    line = {
        "suite": "forecast",
        **run,
        "origins": ORIGINS,
        "horizon_months": HORIZON,
        "history_months": HISTORY_MONTHS,
        "net_flow_series": len(flows),
        "net_flow_median_relative_mae": round(net_flow, 3),
        "categories_scored": len(category_medians),
        "categories_below_1": below,
        "categories_share_below_1": round(share, 3),
        "category_median_relative_mae": category_medians,
        "coverage_80": round(coverage, 3),
        "coverage_80_by_horizon": {
            k: round(scores.covered[k] / scores.counted[k], 3) for k in sorted(scores.counted)
        },
        "coverage_80_by_scope": {
            s: round(scores.covered_by_scope[s] / n, 3)
            for s, n in sorted(scores.counted_by_scope.items())
        },
        "methods": dict(sorted(scores.methods.items())),
        "all_met": all(met.values()),
        "seconds": round(time.perf_counter() - started, 1),
    }
    return [line], TARGETS, met
