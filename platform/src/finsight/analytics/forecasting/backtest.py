"""Rolling-origin backtests: how a forecaster did on the series' own past, step by step.

At each origin the forecaster sees the history before it and forecasts the months after; the
residuals (actual - forecast) are kept per step ahead. They decide which candidate a series uses
and are the empirical distribution its prediction interval is read from.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from finsight.analytics.forecasting.methods import Array

MAX_ORIGINS = 12  # a year of origins: enough residuals, and recent enough to matter


def origins(length: int, min_train: int, max_origins: int = MAX_ORIGINS) -> range:
    """Origins (the length of the training prefix) with at least one month after them."""
    return range(max(min_train, length - max_origins), length)


def residuals(
    y: Array, forecaster: Callable[[int, int], Array], steps: int, starts: range
) -> Array:
    """(origins x steps) actual minus forecast; NaN where the month lies beyond the history.
    `forecaster(origin, steps)` may only look at months before `origin`."""
    out = np.full((len(starts), steps), np.nan)
    for row, origin in enumerate(starts):
        forecast = forecaster(origin, steps)
        seen = min(steps, len(y) - origin)
        out[row, :seen] = y[origin : origin + seen] - forecast[:seen]
    return out


def mean_absolute(errors: Array) -> float:
    """Mean |residual| over the cells that were observed (inf when none were)."""
    cells = errors[np.isfinite(errors)]
    return float(np.mean(np.abs(cells))) if cells.size else math.inf


def interval(errors: Array, coverage: float) -> tuple[float, float]:
    """The (lower, upper) residual quantiles for a band holding `coverage` of future errors.

    Quantiles at Hazen's plotting positions (the k-th of n residuals stands for (k - 1/2)/n):
    the ordinary empirical quantiles of the dozen residuals a series has are too narrow for the
    next error (about 74% for an 80% band); Hazen's sit between them and the Weibull positions
    (k/(n+1)), which are exact only for exchangeable errors and run wide on these series."""
    cells = errors[np.isfinite(errors)]
    tail = (1.0 - coverage) / 2
    lower, upper = np.quantile(cells, [tail, 1.0 - tail], method="hazen")
    return float(lower), float(upper)
