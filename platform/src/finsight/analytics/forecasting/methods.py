"""Simple forecasting models on a monthly series (numpy only).

Each model maps a history `y` (oldest first, at least one value) and a number of steps to the
point forecasts for the next `steps` months. None of them trends: personal cash flows have
levels and seasons, and a fitted drift extrapolates one good month into a year of them.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]
Model = Callable[[Array, int], Array]

SEASON = 12
WINDOW = 12  # trailing months the mean and median look at
_ALPHAS = np.linspace(0.05, 0.95, 19)


def naive(y: Array, steps: int) -> Array:
    return np.full(steps, y[-1])


def seasonal_naive(y: Array, steps: int) -> Array:
    """The same month a year earlier (needs 12 months; shorter histories repeat the last)."""
    if len(y) < SEASON:
        return naive(y, steps)
    return np.array([y[len(y) - SEASON + k % SEASON] for k in range(steps)])


def trailing_mean(y: Array, steps: int) -> Array:
    return np.full(steps, float(np.mean(y[-WINDOW:])))


def trailing_median(y: Array, steps: int) -> Array:
    return np.full(steps, float(np.median(y[-WINDOW:])))


def simple_exponential_smoothing(y: Array, steps: int) -> Array:
    """ETS(A,N,N): a level that moves by alpha of each surprise; alpha by one-step error."""
    if len(y) < 3:
        return naive(y, steps)
    levels = np.full(len(_ALPHAS), float(np.mean(y[: min(len(y), 3)])))
    errors = np.zeros(len(_ALPHAS))
    for value in y:
        surprise = value - levels
        errors += surprise * surprise
        levels = levels + _ALPHAS * surprise
    return np.full(steps, float(levels[int(np.argmin(errors))]))


SEASONAL_MIN = SEASON + 1  # months before seasonal naive joins: a year and a month to test it


def ensemble(y: Array, steps: int) -> Array:
    """The median of the members' forecasts, so one member's bad month does not carry it:
    trailing mean and median, ETS(A,N,N), and seasonal naive once the history has a year
    and a month (the members a history has are decided by its own length, at every origin)."""
    chosen: list[Model] = [trailing_mean, trailing_median, simple_exponential_smoothing]
    if len(y) >= SEASONAL_MIN:
        chosen.append(seasonal_naive)
    forecasts = np.vstack([model(y, steps) for model in chosen])
    return np.asarray(np.median(forecasts, axis=0), dtype=np.float64)
