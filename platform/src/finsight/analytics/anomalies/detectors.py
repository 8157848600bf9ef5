"""Rule-shaped detectors over a tenant's own history: spikes, duplicates, large first charges and
category pace. Each looks only at what came before a charge (its day excluded), so a charge is
judged as it would have been the day it arrived, and takes `candidates`: the positions in
`History.expenses` to judge (all of them, or an import's rows)."""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Iterable
from datetime import date

import numpy as np

from finsight.analytics.anomalies import windows
from finsight.analytics.anomalies.model import (
    Anomaly,
    FloatArray,
    History,
    IntArray,
    Series,
    Settings,
    money,
    money_weight,
    short_money,
    squash,
)
from finsight.analytics.anomalies.windows import DayIndex
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
        window = series.before(day, settings.history_days)
        size = int(window.stop - window.start)
        basis, weight = "merchant", 1.0
        if size < settings.spike_min_history:
            if size == 0 or not t.category or t.category not in history.categories:
                continue
            if amount < 2.0 * float(series.amounts[window].max()):
                continue  # the merchant's own few charges already reached about this much
            series = history.categories[t.category]
            window = series.before(day, settings.history_days)
            size = int(window.stop - window.start)
            if size < settings.category_min_history or _one_merchant_dominates(
                history, series, window
            ):
                continue
            # A category mixes merchants and prices: weaker evidence than the merchant's own.
            basis, weight = "category", 0.5
        median, spread = history.center(
            series, window, settings.spike_relative_floor, settings.spike_absolute_floor
        )
        # A median and MAD of a few charges understate the spread: widen it while few.
        spread *= 1.0 + 4.0 / size
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
                    "history": size,
                },
            )
        )
    return found


def _one_merchant_dominates(history: History, series: Series, window: slice) -> bool:
    """Whether most of a category's window is one merchant or two: then "your usual on
    Restaurants" would be the coffee shop's price, not a restaurant's (a $70.96 dinner was "12x
    your usual $6.15" on a category of lattes). A usual needs three merchants, none of them
    half the charges."""
    merchants = Counter(history.expenses[q].merchant for q in series.positions[window])
    total = sum(merchants.values())
    return len(merchants) < 3 or merchants.most_common(1)[0][1] * 2 > total


def _busier_day_odds(days: DayIndex, lo: int, hi: int, n: int, rate: float) -> float:
    """How much likelier a day with `n` charges at the merchant is than one with `n - 1`, among
    days with at least one (n >= 2): a cafe visited once a day at most makes a day with two
    charges very unlikely, a person who often buys twice a day does not. Smoothed by half a
    day (as the shares below are by half a charge) whose extra charges come at the merchant's
    daily visit `rate`."""
    rate = min(max(rate, 1.0 / 365), 0.5)
    more = days.days_with(n, lo, hi) + 0.5 * (1.0 - rate) * rate ** (n - 1)
    fewer = days.days_with(n - 1, lo, hi) + 0.5 * (1.0 - rate) * rate ** (n - 2)
    return float(more / fewer)


def _amount_share(spent: FloatArray, amount: float) -> float:
    """`_share_of_amount` of the amounts `spent` (all of them)."""
    same = int(np.count_nonzero(np.abs(spent - amount) < 0.005))
    half = max(0.5, 0.05 * amount)
    near = int(np.count_nonzero(np.abs(spent - amount) <= half + 0.005))
    return _share_of_amount(len(spent), same, near, amount)


def _share_of_amount(visits: int, same: int, near: int, amount: float) -> float:
    """The chance that a visit costs exactly `amount`, from a window's `visits` charges, `same`
    of which cost exactly that and `near` within 50 cents or 5% of it. A merchant's prices may
    be fixed (a subscription, a latte always $4.50): then how often it cost exactly this says
    it. Or they vary (a coffee and a pastry): then a price seen once or twice before is luck,
    and the density of nearby amounts (within 50 cents or 5%, per cent) says it better. Which one
    applies is how surprising the exact repeats are under the density (a Poisson tail)."""
    half = max(0.5, 0.05 * amount)
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


def _count_near(
    history: History, series: Series, window: slice, amount: float, tolerance: float, strict: bool
) -> int:
    """How many of the window's amounts are within `tolerance` of `amount`."""
    if window.stop - window.start < windows.SMALL:
        distance = np.abs(series.amounts[window] - amount)
        return int(np.count_nonzero(distance < tolerance if strict else distance <= tolerance))
    values = history.index.sorted(series.amounts, window.start, window.stop)
    return windows.count_within(values, amount, tolerance, strict)


def _return_odds(
    days: DayIndex, lo: int, hi: int, end: int, gap: int, weekday: int, span: int
) -> float:
    """The odds that a day `gap` days after a visit to the merchant (the earlier one falling on
    `weekday`) has a visit too, from the visits in the year before `end`: the merchant's own
    rate, and on that weekday (a cafe visited every workday is not visited on Saturdays),
    shrunk toward it by two visits' worth. A rarely visited merchant's few visits are shrunk
    toward visits spread evenly in time (by half a visit)."""
    # The visits whose follower is inside the window (the window's days lo:hi end before
    # `end + 1`, so a follower `gap` days after one of them is in the window when it is a day
    # of the series at all).
    judged = max(lo, min(hi, int(np.searchsorted(days.days, end - gap, side="right"))))
    followed, followed_on = days.followed(gap)
    base = max(hi - lo, 1) / span
    overall = (float(followed[judged] - followed[lo]) + 0.5 * base) / (judged - lo + 0.5)
    on_day = float(days.on_weekday[judged, weekday] - days.on_weekday[lo, weekday])
    rate = min(
        (float(followed_on[judged, weekday] - followed_on[lo, weekday]) + 2.0 * overall)
        / (on_day + 2.0),
        0.98,  # a visit every day is still not certain
    )
    return rate / (1.0 - rate)


def _same_text(history: History, series: Series, window: slice, text: str) -> int:
    """How many of the window's charges read exactly `text`."""
    by_text = history.index.text_positions(
        id(series.positions), lambda: [history.expenses[q].descriptor for q in series.positions]
    )
    where = by_text.get(text)
    if where is None:
        return 0
    return int(np.searchsorted(where, window.stop) - np.searchsorted(where, window.start))


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
            amount = float(history.amounts[b])
            visits = int(window.stop - window.start)
            # The later day's charges at the merchant, the pair's own included.
            on_day = int(
                np.searchsorted(series.ordinals, later, "right")
                - np.searchsorted(series.ordinals, later, "left")
            )
            days = history.index.days(series.ordinals)
            lo, hi = days.span(day - settings.history_days, day)
            if on_day >= 2:
                rate = max(visits, 1) / settings.history_days
                day_odds = _busier_day_odds(days, lo, hi, on_day, rate)
            else:
                weekday = (day + 6) % 7
                day_odds = _return_odds(days, lo, hi, day - 1, gap, weekday, settings.history_days)
            same = _count_near(history, series, window, amount, 0.005, strict=True)
            half = max(0.5, 0.05 * amount)
            near = _count_near(history, series, window, amount, half + 0.005, strict=False)
            amount_share = _share_of_amount(visits, same, near, amount)
            # A resubmitted charge repeats the bank's text (reference codes included); chance
            # repeats it as often as the merchant's charges read that way.
            text_share = (_same_text(history, series, window, first.descriptor) + 0.5) / (
                visits + 1
            )
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
        tenant = history.tenant.before(day, settings.history_days)
        if tenant.stop - tenant.start < 30:
            continue
        reference = history.percentile(history.tenant, tenant, 95)
        if t.category and t.category in history.categories:
            category = history.categories[t.category]
            spent = category.before(day, settings.history_days)
            if spent.stop - spent.start >= 5:
                reference = max(reference, history.percentile(category, spent, 90))
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


def _month_spend(series: Series, start: date) -> tuple[IntArray, FloatArray, list[int]]:
    """A month's charges: day of month, cumulative spend, positions."""
    end = _month_start(start, -1)
    lo = int(np.searchsorted(series.ordinals, start.toordinal(), side="left"))
    hi = int(np.searchsorted(series.ordinals, end.toordinal(), side="left"))
    days = series.ordinals[lo:hi] - start.toordinal() + 1
    return days, np.cumsum(series.amounts[lo:hi]), series.positions[lo:hi]


def _spent_by(days: IntArray, cumulative: FloatArray, by: IntArray) -> FloatArray:
    """What a month had spent by each day of `by` (0 before its first charge)."""
    if not len(days):
        return np.zeros(len(by))
    i = np.searchsorted(days, by, side="right")
    return np.where(i > 0, cumulative[np.maximum(i - 1, 0)], 0.0)


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
        totals = np.asarray([float(c[-1]) if len(c) else 0.0 for _, c, _ in previous])
        usual_month = float(np.median(totals))
        if (
            usual_month < settings.pace_min_usual_month
            or np.count_nonzero(totals) < settings.pace_min_months
        ):
            continue  # not a category the tenant spends on every month
        days, cumulative, positions = _month_spend(series, start)
        if not len(days):
            continue
        # Every charge of the month at once: what each previous month had spent by the day
        # (plus the lookahead) of each charge, one row per charge, and the same tests as one
        # charge at a time (np.median along a row is np.median of that row).
        by_day = np.stack(
            [_spent_by(d, c, days + settings.pace_lookahead_days) for d, c, _ in previous], axis=1
        )
        usuals = np.median(by_day, axis=1)
        mads = np.median(np.abs(by_day - usuals[:, None]), axis=1)
        spreads = np.maximum(np.maximum(1.4826 * mads, 0.15 * usual_month), 25.0)
        excesses = cumulative - np.maximum(usuals, 0.5 * usual_month)
        ratios = cumulative / np.maximum(np.maximum(usuals, 0.1 * usual_month), 1.0)
        zs = excesses / spreads
        crossed = np.flatnonzero(
            (zs >= settings.pace_min_z)
            & (ratios >= settings.pace_min_ratio)
            & (excesses >= settings.pace_min_excess)
        )
        # One per category and month: the first charge that crossed.
        for k in crossed[:1].tolist():
            day, spent, position = int(days[k]), float(cumulative[k]), positions[k]
            usual, ratio, z = float(usuals[k]), float(ratios[k]), float(zs[k])
            excess = float(excesses[k])
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
            month_ids = tuple(history.expenses[q].id for q in positions[:k][-50:])
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
    return found
