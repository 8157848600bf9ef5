"""Rule-shaped detectors over a tenant's own history: spikes, duplicates, large first charges and
category pace. Each looks only at what came before a charge (its day excluded), so a charge is
judged as it would have been the day it arrived, and takes `candidates`: the positions in
`History.expenses` to judge (all of them, or an import's rows)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable
from datetime import date

import numpy as np

from finsight.analytics.anomalies.model import (
    Anomaly,
    History,
    Series,
    Settings,
    money,
    money_weight,
    robust_center,
    short_money,
    squash,
)


def _times(ratio: float) -> str:
    sign = "\N{MULTIPLICATION SIGN}"
    return f"{ratio:.1f}{sign}" if ratio < 10 else f"{ratio:.0f}{sign}"


def spikes(history: History, candidates: Iterable[int], settings: Settings) -> list[Anomaly]:
    """An amount far above the merchant's usual one (its category's when the merchant has had
    fewer than `spike_min_history` charges, but at least one: first charges are
    `large_first_charge`'s)."""
    found = []
    for p in candidates:
        t = history.expenses[p]
        amount, day = float(history.amounts[p]), int(history.ordinals[p])
        series = history.merchants[t.merchant]
        window = series.amounts[series.before(day, settings.history_days)]
        basis, weight = "merchant", 1.0
        if len(window) < settings.spike_min_history:
            if len(window) == 0 or not t.category or t.category not in history.categories:
                continue
            if amount < 2.0 * float(window.max()):
                continue  # the merchant's own few charges already reached about this much
            category = history.categories[t.category]
            window = category.amounts[category.before(day, settings.history_days)]
            if len(window) < settings.category_min_history:
                continue
            # A category mixes merchants and prices: weaker evidence than the merchant's own.
            basis, weight = "category", 0.5
        median, spread = robust_center(
            window, settings.spike_relative_floor, settings.spike_absolute_floor
        )
        # A median and MAD of a few charges understate the spread: widen it while few.
        spread *= 1.0 + 4.0 / len(window)
        excess = amount - median
        ratio = amount / median if median > 0 else math.inf
        z = excess / spread
        if (
            z < settings.spike_min_z
            or ratio < settings.spike_min_ratio
            or excess < settings.spike_min_excess
        ):
            continue
        ratio = min(ratio, 1000.0)
        evidence = weight * (
            math.log2(ratio / settings.spike_min_ratio)
            + 0.05 * min(z - settings.spike_min_z, 40.0)
            + 0.5 * money_weight(excess)
        )
        where = "there" if basis == "merchant" else f"on {t.category_name or 'this category'}"
        reason = (
            f"{money(amount, t.currency)} at {t.name} is {_times(ratio)} your usual "
            f"{short_money(median, t.currency)} {where}"
        )
        found.append(
            Anomaly(
                kind="spike",
                score=squash(evidence, 2.0),
                transaction_id=t.id,
                related_ids=(),
                occurred_on=t.date,
                amount=amount,
                account=t.account,
                merchant=t.name,
                category=t.category,
                currency=t.currency,
                reason=reason,
                dedupe_key=f"spike:{t.id}",
                details={
                    "basis": basis,
                    "usual": round(median, 2),
                    "ratio": round(ratio, 2),
                    "z": round(min(z, 1000.0), 2),
                    "history": len(window),
                },
            )
        )
    return found


def duplicates(history: History, candidates: Iterable[int], settings: Settings) -> list[Anomaly]:
    """Pairs of charges with the same account, merchant and amount within the window, kept when
    chance explains them badly: the expected number of such coincidences is the merchant's
    visits per day (over the year before) times the days between the two, times the share of
    those visits that cost exactly this amount (smoothed)."""
    wanted = set(candidates)
    groups: dict[tuple[str, str, int], list[int]] = {}
    for p, t in enumerate(history.expenses):
        groups.setdefault((t.account, t.merchant, round(-t.amount * 100)), []).append(p)
    found = []
    for members in groups.values():
        for a, b in itertools.pairwise(members):
            if a not in wanted and b not in wanted:
                continue
            gap = int(history.ordinals[b] - history.ordinals[a])
            if gap > settings.duplicate_window_days:
                continue
            first, second = history.expenses[a], history.expenses[b]
            series = history.merchants[first.merchant]
            window = series.before(int(history.ordinals[a]), settings.history_days)
            spent, days = series.amounts[window], series.ordinals[window]
            amount = float(history.amounts[b])
            visits = len(spent)
            # How often a visit is followed by another exactly `gap` days later (0: the same
            # day), how often a visit costs this amount, how often it reads this descriptor.
            later = days + gap
            pairs = int(
                np.sum(np.searchsorted(days, later, "right") - np.searchsorted(days, later, "left"))
            ) - (visits if gap == 0 else 0)
            same = int(np.count_nonzero(np.abs(spent - amount) < 0.005))
            texts = [history.expenses[q].descriptor for q in series.positions[window]]
            same_text = sum(text == first.descriptor for text in texts)
            descriptor_share = (
                (same_text + 0.5) / (visits + 1) if first.descriptor == second.descriptor else 1.0
            )
            # Few visits say little about repeats: shrink toward visits spread evenly in time.
            rate = max(visits, 1) / settings.history_days
            repeat_rate = (pairs + rate) / (visits + 1.0)
            expected = repeat_rate * (same + 0.5) / (visits + 1) * descriptor_share
            if expected > settings.duplicate_max_expected:
                continue
            # A double charge costs its whole amount: money counts fully here.
            evidence = math.log(settings.duplicate_max_expected / expected) + money_weight(amount)
            when = "the same day" if gap == 0 else f"{gap} day{'s' if gap > 1 else ''} later"
            reason = (
                f"{money(amount, second.currency)} at {second.name} charged twice, {when} "
                f"(on {first.date.isoformat()} and {second.date.isoformat()})"
            )
            found.append(
                Anomaly(
                    kind="duplicate",
                    score=squash(evidence, 1.5),
                    transaction_id=second.id,
                    related_ids=(first.id,),
                    occurred_on=second.date,
                    amount=amount,
                    account=second.account,
                    merchant=second.name,
                    category=second.category,
                    currency=second.currency,
                    reason=reason,
                    dedupe_key=f"duplicate:{second.id}",
                    details={
                        "gap_days": gap,
                        "expected_coincidences": round(expected, 5),
                        "visits_last_year": visits,
                        "same_amount_last_year": same,
                        "gap_repeats_last_year": pairs,
                    },
                )
            )
    return found


def large_first_charges(
    history: History, candidates: Iterable[int], settings: Settings
) -> list[Anomaly]:
    """The first charge at a merchant, large against the tenant's typical large purchase (its
    95th percentile over the year) and the category's (90th): a $600 airline ticket is no
    surprise to someone who travels."""
    found = []
    for p in candidates:
        if history.merchant_index[p] != 0:
            continue
        t = history.expenses[p]
        amount, day = float(history.amounts[p]), int(history.ordinals[p])
        if day - history.first_ordinal < settings.first_charge_warmup_days:
            continue  # too little history for anything to be "new"
        if amount < settings.first_charge_min_amount:
            continue
        tenant = history.tenant.amounts[history.tenant.before(day, settings.history_days)]
        if len(tenant) < 30:
            continue
        reference = float(np.percentile(tenant, 95))
        if t.category and t.category in history.categories:
            category = history.categories[t.category]
            spent = category.amounts[category.before(day, settings.history_days)]
            if len(spent) >= 5:
                reference = max(reference, float(np.percentile(spent, 90)))
        ratio = amount / max(reference, 1.0)
        if ratio < settings.first_charge_min_ratio:
            continue
        evidence = math.log2(ratio / settings.first_charge_min_ratio) + 0.5 * money_weight(
            amount - reference
        )
        reason = (
            f"First charge at {t.name}: {money(amount, t.currency)}, {_times(ratio)} your "
            f"typical large purchase ({short_money(reference, t.currency)})"
        )
        found.append(
            Anomaly(
                kind="large_first_charge",
                score=squash(evidence, 2.0),
                transaction_id=t.id,
                related_ids=(),
                occurred_on=t.date,
                amount=amount,
                account=t.account,
                merchant=t.name,
                category=t.category,
                currency=t.currency,
                reason=reason,
                dedupe_key=f"large_first_charge:{t.id}",
                details={"reference": round(reference, 2), "ratio": round(ratio, 2)},
            )
        )
    return found


def _month_start(day: date, back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def _month_spend(series: Series, start: date) -> tuple[list[int], list[float], list[int]]:
    """A month's charges: day of month, cumulative spend, positions."""
    end = _month_start(start, -1)
    lo = int(np.searchsorted(series.ordinals, start.toordinal(), side="left"))
    hi = int(np.searchsorted(series.ordinals, end.toordinal(), side="left"))
    days = [int(o) - start.toordinal() + 1 for o in series.ordinals[lo:hi]]
    cumulative = np.cumsum(series.amounts[lo:hi]).tolist()
    return days, cumulative, series.positions[lo:hi]


def _spent_by(days: list[int], cumulative: list[float], day: int) -> float:
    i = int(np.searchsorted(np.asarray(days), day, side="right"))
    return cumulative[i - 1] if i else 0.0


def category_pace(history: History, candidates: Iterable[int], settings: Settings) -> list[Anomaly]:
    """Per category and month touched by a candidate: the first charge after which the month's
    spending is far ahead of the usual spending by that day of the month (the median over the
    previous months, zeros included, with a spread floored at 15% of a usual whole month)."""
    months: set[tuple[str, date]] = set()
    for p in candidates:
        t = history.expenses[p]
        if t.category:
            months.add((t.category, _month_start(t.date)))
    found = []
    for category, start in sorted(months):
        if start.toordinal() - history.first_ordinal < 28 * settings.pace_min_months:
            continue
        series = history.categories[category]
        previous = [
            _month_spend(series, _month_start(start, back))
            for back in range(1, settings.pace_months + 1)
            if _month_start(start, back).toordinal() >= history.first_ordinal - 3
        ]
        if len(previous) < settings.pace_min_months:
            continue
        totals = np.asarray([c[-1] if c else 0.0 for _, c, _ in previous])
        usual_month = float(np.median(totals))
        if (
            usual_month < settings.pace_min_usual_month
            or np.count_nonzero(totals) < settings.pace_min_months
        ):
            continue  # not a category the tenant spends on every month
        days, cumulative, positions = _month_spend(series, start)
        for day, spent, position in zip(days, cumulative, positions, strict=True):
            ahead = day + settings.pace_lookahead_days
            by_day = np.asarray([_spent_by(d, c, ahead) for d, c, _ in previous])
            usual = float(np.median(by_day))
            mad = float(np.median(np.abs(by_day - usual)))
            spread = max(1.4826 * mad, 0.15 * usual_month, 25.0)
            excess = spent - max(usual, 0.5 * usual_month)
            ratio = spent / max(usual, 0.1 * usual_month, 1.0)
            z = excess / spread
            if (
                z < settings.pace_min_z
                or ratio < settings.pace_min_ratio
                or excess < settings.pace_min_excess
            ):
                continue
            t = history.expenses[position]
            evidence = (
                math.log2(min(ratio, 1000.0) / settings.pace_min_ratio)
                + 0.05 * min(z - settings.pace_min_z, 40.0)
                + 0.5 * money_weight(excess)
            )
            name = t.category_name or "this category"
            reason = (
                f"{name}: {money(spent, t.currency)} spent by day {day} of the month, "
                f"{_times(ratio)} your usual {short_money(usual, t.currency)} by then "
                f"({short_money(usual_month, t.currency)} in a usual whole month)"
            )
            month_ids = tuple(
                history.expenses[q].id for q in positions[: positions.index(position)][-50:]
            )
            found.append(
                Anomaly(
                    kind="category_pace",
                    score=squash(evidence, 2.0),
                    transaction_id=t.id,
                    related_ids=month_ids,
                    occurred_on=t.date,
                    amount=spent,
                    account=None,
                    merchant=None,
                    category=category,
                    currency=t.currency,
                    reason=reason,
                    dedupe_key=f"category_pace:{category}:{start.isoformat()[:7]}",
                    details={
                        "month": start.isoformat()[:7],
                        "day": day,
                        "spent": round(spent, 2),
                        "usual_by_day": round(usual, 2),
                        "usual_month": round(usual_month, 2),
                        "ratio": round(min(ratio, 1000.0), 2),
                    },
                )
            )
            break  # one per category and month: the first charge that crossed
    return found
