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
    FloatArray,
    History,
    IntArray,
    Series,
    Settings,
    money,
    money_weight,
    robust_center,
    short_money,
    squash,
)
from finsight.analytics.schedules import month_index, month_start


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
            Anomaly.of_charge(
                "spike",
                t,
                score=squash(evidence, 2.0),
                reason=reason,
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


def _day_counts(days: IntArray) -> tuple[IntArray, IntArray]:
    """The distinct days in `days` (sorted ordinals) and how many charges each had."""
    unique, counts = np.unique(days, return_counts=True)
    return unique.astype(np.int64), counts.astype(np.int64)


def _busier_day_odds(counts: IntArray, n: int, rate: float) -> float:
    """How much likelier a day with `n` charges at the merchant is than one with `n - 1`, among
    days with at least one (n >= 2): a cafe visited once a day at most makes a day with two
    charges very unlikely, a person who often buys twice a day does not. Smoothed by half a
    day (as the shares below are by half a charge) whose extra charges come at the merchant's
    daily visit `rate`."""
    rate = min(max(rate, 1.0 / 365), 0.5)
    more = np.count_nonzero(counts == n) + 0.5 * (1.0 - rate) * rate ** (n - 1)
    fewer = np.count_nonzero(counts == n - 1) + 0.5 * (1.0 - rate) * rate ** (n - 2)
    return float(more / fewer)


def _amount_share(spent: FloatArray, amount: float) -> float:
    """The chance that a visit costs exactly `amount`. A merchant's prices may be fixed (a
    subscription, a latte always $4.50): then how often it cost exactly this says it. Or they
    vary (a coffee and a pastry): then a price seen once or twice before is luck, and the
    density of nearby amounts (within 50 cents or 5%, per cent) says it better. Which one
    applies is how surprising the exact repeats are under the density (a Poisson tail)."""
    visits = len(spent)
    same = int(np.count_nonzero(np.abs(spent - amount) < 0.005))
    half = max(0.5, 0.05 * amount)
    near = int(np.count_nonzero(np.abs(spent - amount) <= half + 0.005))
    cents = 2.0 * round(half * 100) + 1.0
    density = (near + 0.5) / ((visits + 1.0) * cents)
    exact = (same + 0.5) / (visits + 1.0)
    mean = density * visits
    # P(at least `same` exact repeats if prices were only the density): small means fixed.
    term, below = math.exp(-mean), 0.0
    for k in range(same):
        below += term
        term *= mean / (k + 1)
    # Repeats as rare as 1 in 20 under the density alone start to say "fixed price".
    luck = min(1.0, max(0.0, 1.0 - below) / 0.05)
    return luck * min(density, exact) + (1.0 - luck) * exact


def _return_odds(unique: IntArray, end: int, gap: int, weekday: int, span: int) -> float:
    """The odds that a day `gap` days after a visit to the merchant (the earlier one falling on
    `weekday`) has a visit too, from the visits in the year before `end`: the merchant's own
    rate, and on that weekday (a cafe visited every workday is not visited on Saturdays),
    shrunk toward it by two visits' worth. A rarely visited merchant's few visits are shrunk
    toward visits spread evenly in time (by half a visit)."""
    judged = unique[unique <= end - gap]  # those whose follower is inside the window
    followed = np.isin(judged + gap, unique)
    base = max(len(unique), 1) / span
    overall = (float(np.count_nonzero(followed)) + 0.5 * base) / (len(judged) + 0.5)
    on_day = (judged + 6) % 7 == weekday  # ordinal 1 is a Monday
    rate = min(
        (float(np.count_nonzero(followed[on_day])) + 2.0 * overall)
        / (float(np.count_nonzero(on_day)) + 2.0),
        0.98,  # a visit every day is still not certain
    )
    return rate / (1.0 - rate)


def duplicates(history: History, candidates: Iterable[int], settings: Settings) -> list[Anomaly]:
    """Pairs of charges with the same account, merchant and amount within the window, kept when
    chance explains the later one badly against it being a copy of the earlier. Chance needs
    the day of the later charge to see one visit more than a copy does (a return visit `gap`
    days after a visit, on that weekday, or a busier day than usual at the merchant), that visit
    to cost exactly this amount, and to read exactly this descriptor; the ratio of the two
    explanations is the expected number of such coincidences per copy."""
    wanted = set(candidates)
    groups: dict[tuple[str, str, int], list[int]] = {}
    for p, t in enumerate(history.expenses):
        groups.setdefault((t.account, t.merchant, round(-t.amount * 100)), []).append(p)
    found = []
    for members in groups.values():
        for a, b in itertools.pairwise(members):
            if a not in wanted and b not in wanted:
                continue
            day, later = int(history.ordinals[a]), int(history.ordinals[b])
            gap = later - day
            if gap > settings.duplicate_window_days:
                continue
            first, second = history.expenses[a], history.expenses[b]
            series = history.merchants[first.merchant]
            window = series.before(day, settings.history_days)
            spent = series.amounts[window]
            amount = float(history.amounts[b])
            visits = len(spent)
            # The later day's charges at the merchant, the pair's own included.
            on_day = int(
                np.searchsorted(series.ordinals, later, "right")
                - np.searchsorted(series.ordinals, later, "left")
            )
            unique, counts = _day_counts(series.ordinals[window])
            if on_day >= 2:
                day_odds = _busier_day_odds(counts, on_day, max(visits, 1) / settings.history_days)
            else:
                day_odds = _return_odds(unique, day - 1, gap, (day + 6) % 7, settings.history_days)
            same = int(np.count_nonzero(np.abs(spent - amount) < 0.005))
            amount_share = _amount_share(spent, amount)
            # A resubmitted charge repeats the bank's text (reference codes included); chance
            # repeats it as often as the merchant's charges read that way.
            texts = [history.expenses[q].descriptor for q in series.positions[window]]
            text_share = (sum(text == first.descriptor for text in texts) + 0.5) / (visits + 1)
            if first.descriptor == second.descriptor:
                descriptor_share = text_share / (1.0 - settings.duplicate_text_change)
            else:
                descriptor_share = (1.0 - text_share) / settings.duplicate_text_change
            expected = day_odds * amount_share * descriptor_share
            if expected > settings.duplicate_max_expected:
                continue
            # A double charge costs its whole amount: money counts fully here.
            evidence = math.log(settings.duplicate_score_expected / expected) + money_weight(amount)
            when = "the same day" if gap == 0 else f"{gap} day{'s' if gap > 1 else ''} later"
            reason = (
                f"{money(amount, second.currency)} at {second.name} charged twice, {when} "
                f"(on {first.date.isoformat()} and {second.date.isoformat()})"
            )
            found.append(
                Anomaly.of_charge(
                    "duplicate",
                    second,
                    score=squash(evidence, 1.5),
                    reason=reason,
                    related_ids=(first.id,),
                    details={
                        "gap_days": gap,
                        "expected_coincidences": round(float(expected), 6),
                        "charges_that_day": on_day,
                        "day_odds": round(float(day_odds), 5),
                        "amount_share": round(float(amount_share), 5),
                        "descriptor_share": round(float(descriptor_share), 5),
                        "visits_last_year": visits,
                        "same_amount_last_year": same,
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
            Anomaly.of_charge(
                "large_first_charge",
                t,
                score=squash(evidence, 2.0),
                reason=reason,
                details={"reference": round(reference, 2), "ratio": round(ratio, 2)},
            )
        )
    return found


def _month_start(day: date, back: int = 0) -> date:
    return month_start(month_index(day) - back)


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
