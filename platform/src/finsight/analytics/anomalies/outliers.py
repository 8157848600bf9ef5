"""Multivariate outliers: a seeded isolation forest over what a charge looks like against the
tenant's habits. It catches what no single rule does: an amount somewhat high, at a merchant
rarely visited, on a weekday the merchant never sees."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
from sklearn.ensemble import IsolationForest  # type: ignore[import-untyped]

from finsight.analytics.anomalies.model import (
    Anomaly,
    FloatArray,
    History,
    Settings,
    Txn,
    money,
    money_weight,
    short_money,
    squash,
)

FEATURES = (
    "log_amount",
    "log_ratio_to_merchant",
    "z_at_merchant",
    "log_merchant_visits",
    "log_days_since_visit",
    "weekday_rarity",
    "log_ratio_to_tenant",
)
# The forest learns from at most this many recent charges (plus the candidates).
MAX_FIT = 6000


def _features(
    history: History, p: int, settings: Settings, typical_by_day: dict[int, float | None]
) -> tuple[list[float], float]:
    """A charge's features (from what came before it) and its merchant's median.
    `typical_by_day` caches the tenant's median charge per day (charges share days)."""
    t = history.expenses[p]
    amount, day = float(history.amounts[p]), int(history.ordinals[p])
    series = history.merchants[t.merchant]
    window = series.before(day, settings.history_days)
    visits = int(window.stop - window.start)
    if visits >= 3:
        median, spread = history.center(
            series, window, settings.spike_relative_floor, settings.spike_absolute_floor
        )
        ratio, z = math.log(amount / max(median, 0.01)), (amount - median) / spread
        # The window's charges on this charge's weekday (ordinal 1 is a Monday).
        by_weekday = history.index.weekday_counts(series.ordinals)
        weekday = (day + 6) % 7
        same_weekday = int(by_weekday[window.stop, weekday] - by_weekday[window.start, weekday])
        rarity = 1.0 - same_weekday / visits
    else:
        median = history.median(series, window) if visits else amount
        ratio, z, rarity = 0.0, 0.0, 6 / 7
    since = day - int(series.ordinals[window.stop - 1]) if visits else 400
    if day not in typical_by_day:
        tenant = history.tenant.before(day, settings.history_days)
        typical_by_day[day] = (
            history.median(history.tenant, tenant) if tenant.stop > tenant.start else None
        )
    typical = typical_by_day[day]
    if typical is None:
        typical = amount
    return [
        math.log1p(amount),
        ratio,
        float(np.clip(z, -5.0, 15.0)),
        math.log1p(visits),
        math.log1p(min(since, 400)),
        rarity,
        math.log(amount / max(typical, 0.01)),
    ], median


_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _reason(amount: float, median: float, features: dict[str, float], t: Txn) -> str | None:
    """What is odd about the charge, said only where it is true (a charge of the merchant's
    usual amount is never "unlike your other charges"); None when nothing is."""
    head = f"{money(amount, t.currency)} at {t.name}"
    times = "\N{MULTIPLICATION SIGN}"
    visits = math.expm1(features["log_merchant_visits"])
    to_tenant = math.exp(features["log_ratio_to_tenant"])
    if visits >= 3 and amount >= 1.5 * median:
        usual = short_money(median, t.currency)
        return f"{head} is {amount / median:.1f}{times} your usual {usual} there"
    if visits < 0.5 and to_tenant >= 3:
        return f"{head}: a merchant new to you, {to_tenant:.0f}{times} your typical charge"
    since = math.expm1(features["log_days_since_visit"])
    if visits >= 3 and since >= 180 and amount >= 0.67 * median:
        return f"{head}: the first charge there in {since / 30.4:.0f} months"
    if visits >= 8 and features["weekday_rarity"] >= 0.95:
        weekday = _WEEKDAYS[t.date.weekday()]
        return f"{head}: charges there almost never fall on a {weekday}"
    return None


def outliers(history: History, candidates: Iterable[int], settings: Settings) -> list[Anomaly]:
    wanted = sorted(set(candidates))
    if not wanted or len(history.expenses) < 200:
        return []  # a forest of a few charges calls everything odd
    recent = range(max(0, len(history.expenses) - MAX_FIT), len(history.expenses))
    fit_positions = sorted(set(recent) | set(wanted))
    typical_by_day: dict[int, float | None] = {}
    rows: dict[int, tuple[list[float], float]] = {
        p: _features(history, p, settings, typical_by_day) for p in fit_positions
    }
    matrix: FloatArray = np.asarray([rows[p][0] for p in fit_positions], dtype=float)
    forest = IsolationForest(n_estimators=200, max_samples=256, random_state=settings.seed)
    forest.fit(matrix)
    fitted: FloatArray = -forest.score_samples(matrix)
    cut = float(np.quantile(fitted, 1.0 - settings.outlier_share))
    score_of = dict(zip(fit_positions, fitted.tolist(), strict=True))
    found = []
    for p in wanted:
        t = history.expenses[p]
        amount = float(history.amounts[p])
        isolation = score_of[p]
        if isolation < cut or amount < settings.outlier_min_amount:
            continue
        if int(history.ordinals[p]) - history.first_ordinal < settings.first_charge_warmup_days:
            continue
        median = rows[p][1]
        reason = _reason(amount, median, dict(zip(FEATURES, rows[p][0], strict=True)), t)
        if reason is None:
            continue  # odd to the forest, but nothing a person could check is: not shown
        evidence = (isolation - cut) / 0.02 + 0.5 * money_weight(amount - median)
        found.append(
            Anomaly.of_charge(
                "outlier",
                t,
                score=squash(evidence, 4.0) * 0.95,  # never outranks a clear rule finding
                reason=reason,
                details={
                    "isolation": round(isolation, 4),
                    "cut": round(cut, 4),
                    **{k: round(v, 3) for k, v in zip(FEATURES, rows[p][0], strict=True)},
                },
            )
        )
    return found
