"""One series' forecast: known recurring items placed, the rest from the chosen model.

`forecast_series` takes whole months only. `gap` is the number of months between the last
complete month and the first month forecast (1 while the current month is under way: it is
neither history nor forecast), so step k of the answer is the backtest's step `gap + k`.

The candidates, compared on the series' own rolling-origin backtest over the forecast steps:
- "ensemble": the streams' past charges are taken out of the history, the ensemble forecasts
  what is left, and the streams are placed back in the months they fall in;
- the fallback: seasonal naive on the whole series - the rule a peer product uses, kept
  wherever the ensemble loses to it. It needs 18 months (a year before each of 6 backtest
  origins); a shorter history falls back to naive. Seasonal naive joins the ensemble itself
  from 13 months on.
The winner's backtest residuals (placement errors included) give the 80% band at each step.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from finsight.analytics.forecasting import backtest
from finsight.analytics.forecasting.methods import (
    SEASON,
    SEASONAL_MIN,
    Array,
    Model,
    ensemble,
    naive,
    seasonal_naive,
    trailing_mean,
)
from finsight.analytics.forecasting.placement import KnownStream, future, moved, replay
from finsight.analytics.schedules import month_index, month_start

COVERAGE = 0.8
# The models see at most this many complete months: two years of seasons and backtest origins
# (older months describe a life that has usually changed).
HISTORY_MONTHS = 25
SHORT_MIN_TRAIN = 3  # backtest origins start once three months precede them
# Seasonal naive is the fallback once it can be backtested at 6 origins (a year before each);
# before that the fallback is naive: two or three origins are no evidence to fall back on.
MIN_RESIDUALS = 6  # fewer at a step: pool the shorter steps' residuals with it
SEASONAL_FALLBACK_MIN = SEASON + MIN_RESIDUALS
_Z80 = 1.2816  # the normal's 90th percentile: an 80% two-sided band


@dataclass(frozen=True)
class Point:
    step: int  # 1 = the first whole month forecast
    point: float
    lower: float
    upper: float
    recurring: float  # the part placed from known recurring items
    method: str


@dataclass(frozen=True)
class SeriesForecast:
    points: tuple[Point, ...]
    method: str
    # Backtest mean |error| of the ensemble and of the fallback (inf: not testable).
    ensemble_mae: float
    fallback_mae: float


def _fallback(length: int) -> tuple[str, Model]:
    if length >= SEASONAL_FALLBACK_MIN:
        return "seasonal_naive", seasonal_naive
    return "naive", naive


def _choose(
    total: Array, rest: Array, streams: Sequence[KnownStream], first: int, steps: int, gap: int
) -> tuple[str, Array, float, float]:
    """The winning candidate's name, its backtest residuals, and both backtest MAEs (over the
    origins both could be tested at)."""
    name, fallback = _fallback(len(total))

    def ours(origin: int, n: int) -> Array:
        return ensemble(rest[:origin], n) + replay(streams, month_start(first + origin), n)

    def theirs(origin: int, n: int) -> Array:
        return fallback(total[:origin], n)

    starts = backtest.origins(len(total), SHORT_MIN_TRAIN)
    our_errors = backtest.residuals(total, ours, steps, starts)
    # Seasonal naive is tested only where a year precedes the origin.
    tested = [row for row, o in enumerate(starts) if name == "naive" or o >= SEASON]
    their_errors = backtest.residuals(total, theirs, steps, starts)[tested]
    our_mae = backtest.mean_absolute(our_errors[tested, gap:])
    their_mae = backtest.mean_absolute(their_errors[:, gap:])
    if our_mae <= their_mae:
        return "ensemble", our_errors, our_mae, their_mae
    return name, their_errors, our_mae, their_mae


def _offsets(errors: Array, gap: int, months: int) -> list[tuple[float, float, float]]:
    """Residual (lower quantile, median, upper quantile) per forecast step, the band never
    narrower than the step before. The median is the forecaster's bias on this series: the
    point moves by it, so it sits inside its band rather than on an edge (a forecaster that
    overshot at nine origins in ten had its point on the band's top edge every month)."""
    out: list[tuple[float, float, float]] = []
    for k in range(months):
        step = gap + k
        pooled = errors[:, step]
        while np.isfinite(pooled).sum() < MIN_RESIDUALS and step > 0:
            step -= 1
            pooled = np.concatenate([pooled, errors[:, step]])
        lower, upper = backtest.interval(pooled, COVERAGE)
        cells = pooled[np.isfinite(pooled)]
        center = float(np.median(cells)) if cells.size else 0.0
        if out:
            lower, upper = min(lower, out[-1][0]), max(upper, out[-1][2])
        center = min(max(center, lower), upper)
        out.append((lower, center, upper))
    return out


def forecast_series(
    history: Sequence[float] | Array,
    first_month: date,
    streams: Sequence[KnownStream] = (),
    *,
    months: int = 3,
    gap: int = 0,
) -> SeriesForecast:
    """Forecast `months` whole months, the first `gap + 1` months after the history's last.

    history: the series' complete months from `first_month`, oldest first (at least one).
    streams: the known recurring streams in this series (their charges in its units).
    """
    total = np.asarray(history, dtype=np.float64)
    first = month_index(first_month)
    rest = total - moved(streams, first_month, len(total))
    start = month_start(first + len(total) + gap)
    # Charges already made in a forecast month (the current month's rent, paid on the 1st) are
    # known: the detector's next date lies after them, so `future` alone would leave them out.
    placed = future(streams, start, months) + moved(streams, start, months)
    steps = gap + months
    ensemble_mae = fallback_mae = math.inf
    if len(total) <= SHORT_MIN_TRAIN:
        # Too short to test anything: the mean, in a band from the history's own spread.
        stat = trailing_mean(rest, months) + placed
        spread = float(np.std(rest, ddof=1)) if len(rest) > 1 else abs(float(total[0])) / 2
        widths = [_Z80 * spread * math.sqrt(k + 1) for k in range(months)]
        offsets = [(-w, 0.0, w) for w in widths]
        method = f"ensemble (mean: {len(total)} months of history, too short to test)"
    else:
        method, errors, ensemble_mae, fallback_mae = _choose(
            total, rest, streams, first, steps, gap
        )
        if method == "ensemble":
            stat = ensemble(rest, steps)[gap:] + placed
        else:
            stat, placed = _fallback(len(total))[1](total, steps)[gap:], np.zeros(months)
        offsets = _offsets(errors, gap, months)
        if len(total) < SEASONAL_MIN:
            method += f" ({len(total)} months of history: no seasonal naive)"
        elif len(total) < SEASONAL_FALLBACK_MIN:
            method += f" ({len(total)} months of history: seasonal naive not testable yet)"
    points = []
    for k in range(months):
        low, center, high = offsets[k]
        base = float(stat[k])
        point, lower, upper = base + center, base + low, base + high
        # A series that never changed sign (spending) does not get a band across zero.
        if (total >= 0).all():
            point, lower = max(point, 0.0), max(lower, 0.0)
        elif (total <= 0).all():
            point, upper = min(point, 0.0), min(upper, 0.0)
        points.append(Point(k + 1, point, lower, upper, float(placed[k]), method))
    return SeriesForecast(tuple(points), method, ensemble_mae, fallback_mae)
