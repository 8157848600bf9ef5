"""The forecasting library on series whose answers are known."""

from __future__ import annotations

import math
import random
from datetime import date

import numpy as np
import pytest

from finsight.analytics.forecasting.backtest import interval
from finsight.analytics.forecasting.forecast import forecast_series
from finsight.analytics.forecasting.methods import seasonal_naive, simple_exponential_smoothing
from finsight.analytics.forecasting.placement import (
    KnownItem,
    KnownStream,
    occurrences,
    place,
    replay,
)
from finsight.analytics.schedules import month_index, month_start

START = date(2023, 1, 1)


def _months(n: int, start: date = START) -> list[date]:
    return [month_start(month_index(start) + k) for k in range(n)]


def test_a_constant_series_forecasts_the_constant_with_a_tight_band() -> None:
    result = forecast_series([250.0] * 24, START)
    assert [p.point for p in result.points] == [250.0, 250.0, 250.0]
    assert all(p.lower == p.upper == 250.0 for p in result.points)
    assert result.method == "ensemble" and [p.step for p in result.points] == [1, 2, 3]


def test_a_seasonal_series_is_beaten_by_nobody_but_seasonal_naive() -> None:
    season = [900, 700, 800, 1000, 1200, 1500, 1800, 1700, 1300, 1000, 900, 2500]
    history = [float(season[m % 12]) for m in range(25)]  # Jan 2023 .. Jan 2025
    result = forecast_series(history, START)
    assert result.method == "seasonal_naive"
    assert result.fallback_mae == 0.0 < result.ensemble_mae
    # February, March, April: the same months a year earlier, exactly, with no spread.
    assert [p.point for p in result.points] == [700.0, 800.0, 1000.0]
    assert all(p.lower == p.point == p.upper for p in result.points)
    assert all(p.recurring == 0.0 for p in result.points)


def test_rent_is_placed_exactly_and_the_rest_comes_from_the_models() -> None:
    rng = random.Random(3)
    months = _months(24)
    rent = [(m.replace(day=1), 1500.0) for m in months]
    groceries = [rng.uniform(380, 420) for _ in months]
    # Spending: rent on the 1st plus groceries; an annual insurance bill every March.
    insurance = [(m.replace(day=14), 600.0) for m in months if m.month == 3]
    history = [
        1500.0 + g + (600.0 if m.month == 3 else 0.0)
        for m, g in zip(months, groceries, strict=True)
    ]
    streams = [
        KnownStream("monthly", tuple(rent), date(2025, 1, 1)),
        KnownStream("annual", tuple(insurance), date(2025, 3, 14)),
    ]
    result = forecast_series(history, START, streams)
    assert result.method == "ensemble"
    jan, feb, mar = result.points
    assert (jan.recurring, feb.recurring, mar.recurring) == (1500.0, 1500.0, 2100.0)
    for point in result.points:
        rest = point.point - point.recurring
        assert 380 <= rest <= 420  # the groceries' level, with rent and insurance taken out
        assert point.lower < point.point < point.upper
    assert mar.point - mar.recurring == pytest.approx(feb.point - feb.recurring, abs=40.0)


def test_a_cancelled_stream_places_nothing_but_leaves_the_history() -> None:
    months = _months(18)
    gym = [(m.replace(day=5), 50.0) for m in months[:12]]  # cancelled six months ago
    history = [100.0 + (50.0 if k < 12 else 0.0) for k in range(18)]
    result = forecast_series(history, START, [KnownStream("monthly", tuple(gym), None)])
    assert [p.recurring for p in result.points] == [0.0, 0.0, 0.0]
    assert [p.point for p in result.points] == [100.0, 100.0, 100.0]


def test_short_histories_say_so_and_never_use_seasonal_naive() -> None:
    eight = forecast_series([100.0, 120.0, 90.0, 110.0, 100.0, 105.0, 95.0, 100.0], START)
    assert eight.method.startswith(("ensemble", "naive"))
    assert "8 months of history: no seasonal naive" in eight.method
    assert all(p.method == eight.method for p in eight.points)
    assert all(80 <= p.point <= 120 and p.lower < p.upper for p in eight.points)

    two = forecast_series([100.0, 140.0], START)
    assert "too short to test" in two.method
    assert all(p.point == 120.0 for p in two.points)
    widths = [p.upper - p.lower for p in two.points]
    assert widths[0] > 0 and widths == sorted(widths)

    one = forecast_series([80.0], START)
    assert one.points[0].point == 80.0 and one.points[0].lower < 80.0 < one.points[0].upper


def test_the_band_widens_with_the_horizon() -> None:
    rng = np.random.default_rng(11)
    walk = 1000 + np.cumsum(rng.normal(0, 60, 25))  # a level that wanders
    result = forecast_series(walk, START)
    widths = [p.upper - p.lower for p in result.points]
    assert widths[0] > 0 and widths[0] <= widths[1] <= widths[2] and widths[0] < widths[2]
    assert all(p.lower <= p.point <= p.upper for p in result.points)


def test_a_gap_month_is_skipped_not_forecast() -> None:
    # Complete months to Jan 2025 while February is under way: forecasts are Mar-May, i.e.
    # steps 2-4 after the history, and monthly rent lands in each of them.
    rent = tuple((m.replace(day=1), 1000.0) for m in _months(25))
    result = forecast_series(
        [1000.0] * 25, START, [KnownStream("monthly", rent, date(2025, 2, 1))], gap=1
    )
    assert [p.recurring for p in result.points] == [1000.0, 1000.0, 1000.0]
    assert [p.point for p in result.points] == [1000.0, 1000.0, 1000.0]


def test_spending_bands_do_not_cross_zero() -> None:
    rng = random.Random(5)
    lumpy = [rng.choice((0.0, 0.0, 400.0)) for _ in range(24)]
    for point in forecast_series(lumpy, START).points:
        assert 0.0 <= point.lower <= point.point <= point.upper


def test_occurrences_follow_each_cadence() -> None:
    until = date(2025, 3, 31)
    assert occurrences(KnownItem("monthly", date(2025, 1, 31), -9.99), until) == [
        date(2025, 1, 31),
        date(2025, 2, 28),
        date(2025, 3, 31),
    ]
    assert len(occurrences(KnownItem("weekly", date(2025, 1, 3), -5.0), until)) == 13
    assert len(occurrences(KnownItem("biweekly", date(2025, 1, 3), 2000.0), until)) == 7
    assert occurrences(KnownItem("semi_monthly", date(2025, 2, 15), 1.0), until) == [
        date(2025, 2, 15),
        date(2025, 2, 28),
        date(2025, 3, 15),
        date(2025, 3, 30),
    ]
    assert occurrences(KnownItem("quarterly", date(2025, 1, 10), 1.0), date(2025, 12, 31)) == [
        date(2025, 1, 10),
        date(2025, 4, 10),
        date(2025, 7, 10),
        date(2025, 10, 10),
    ]
    # Biweekly pay from Jan 3: three paydays in January and in August.
    assert place(
        [KnownItem("biweekly", date(2025, 1, 3), 2000.0)], date(2025, 1, 1), 8
    ).tolist() == [6000.0] + [4000.0] * 6 + [6000.0]


def test_replay_places_as_of_the_origin_and_forgets_an_ended_stream() -> None:
    charges = tuple((date(2024, m, 10), 20.0 + m) for m in range(1, 7))  # Jan-Jun, rising
    stream = KnownStream("monthly", charges, None)
    # As of the end of March: the median of Jan-Mar (22) in April and May.
    assert replay([stream], date(2024, 4, 1), 2).tolist() == [22.0, 22.0]
    # Unknown before its first charge; ended when 1.5 periods passed with no charge.
    assert replay([stream], date(2024, 1, 1), 1).tolist() == [0.0]
    assert replay([stream], date(2024, 9, 1), 1).tolist() == [0.0]


def test_the_models_and_the_band_on_plain_numbers() -> None:
    y = np.array([float(m) for m in range(24)])
    assert seasonal_naive(y, 3).tolist() == [12.0, 13.0, 14.0]
    assert simple_exponential_smoothing(np.full(10, 7.0), 2).tolist() == [7.0, 7.0]
    lower, upper = interval(np.arange(1.0, 101.0), 0.8)
    assert math.isclose(lower, 10.5) and math.isclose(upper, 90.5)
    assert interval(np.array([np.nan, 3.0, 3.0]), 0.8) == (3.0, 3.0)


def test_a_forecaster_that_overshoots_is_not_drawn_on_the_top_edge() -> None:
    """Issue 21, point 20: spending that falls month after month is overshot at every backtest
    origin (the models do not trend); the point moves by that bias and sits inside its band."""
    rng = random.Random(3)
    falling = [3000.0 - 40.0 * m + rng.uniform(-25, 25) for m in range(24)]
    for point in forecast_series(falling, START, months=4).points:
        assert point.lower < point.point < point.upper, point


def test_charges_already_made_in_the_month_under_way_are_in_its_forecast() -> None:
    """Issue 21, point 20: the month under way is forecast whole; its rent, paid on the 1st,
    is known (the detector's next date is already next month's)."""
    year = [date(2024, m, 1) for m in range(1, 13)] + [date(2025, 1, 1)]
    rent = KnownStream("monthly", tuple((d, 1000.0) for d in year), date(2025, 2, 1))
    result = forecast_series([1000.0] * 12, date(2024, 1, 1), [rent], months=4)
    assert [p.recurring for p in result.points] == [1000.0] * 4
