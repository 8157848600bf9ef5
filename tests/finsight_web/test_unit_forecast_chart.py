"""Unit tests of the forecast chart's geometry: actuals then the point forecast inside its
interval band, on a scale that spans zero (net cash flow goes negative)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from finsight_web.charts import (
    BOTTOM,
    HEIGHT,
    LEFT,
    RIGHT,
    TOP,
    WIDTH,
    forecast_chart,
    forecast_rows,
)


def actual(month: str, value: str) -> dict[str, str]:
    return {"month": f"{month}-01", "actual": value}


def point(month: str, value: str, lower: str, upper: str) -> dict[str, str]:
    return {"month": f"{month}-01", "point": value, "lower": lower, "upper": upper}


HISTORY = [actual(f"2025-{m:02d}", str(100 * m - 600)) for m in range(1, 13)] + [
    actual("2024-12", "9999"),  # older than the 12 months shown
    actual("2024-11", "9999"),
]
POINTS = [
    point("2026-02", "450", "-150", "1050"),
    point("2026-01", "400", "0", "800"),  # out of order on purpose, and a zero bound
    point("2026-03", "500", "-400", "1400"),
]


def test_rows_keep_the_last_twelve_months_then_the_forecast_in_order() -> None:
    rows = forecast_rows(HISTORY, POINTS)
    assert [r.month for r in rows] == [f"2025-{m:02d}" for m in range(1, 13)] + [
        "2026-01",
        "2026-02",
        "2026-03",
    ]
    assert rows[0].actual == Decimal(-500) and rows[0].point is None
    assert rows[12].actual is None and rows[12].lower == Decimal(0)
    assert rows[12].label == "Jan 2026"


def test_rows_history_length_is_a_parameter() -> None:
    rows = forecast_rows(HISTORY, [], history_months=3)
    assert [r.month for r in rows] == ["2025-10", "2025-11", "2025-12"]


def test_nothing_to_draw() -> None:
    assert forecast_chart([], [], "USD") is None


def test_scale_spans_negative_and_positive_values_with_zero_inside() -> None:
    chart = forecast_chart(HISTORY, POINTS, "USD")
    assert chart is not None
    labels = [t.label for t in chart.ticks]
    assert labels[0].startswith("\u2212") and "$0" in labels  # from below -500 up through zero
    ys = [t.y for t in chart.ticks]
    assert ys == sorted(ys, reverse=True)
    assert ys[0] == pytest.approx(HEIGHT - BOTTOM) and ys[-1] == pytest.approx(TOP)
    assert chart.zero_y == next(t.y for t in chart.ticks if t.label == "$0")
    assert TOP < chart.zero_y < HEIGHT - BOTTOM


def test_every_marker_is_inside_the_plot_and_ordered_left_to_right() -> None:
    chart = forecast_chart(HISTORY, POINTS, "USD")
    assert chart is not None
    markers = chart.actuals + chart.forecasts
    assert len(chart.actuals) == 12 and len(chart.forecasts) == 3
    xs = [m.x for m in markers]
    assert xs == sorted(xs) and len(set(xs)) == len(xs)
    assert xs[0] > LEFT and xs[-1] < WIDTH - RIGHT
    for m in markers:
        assert TOP <= m.y <= HEIGHT - BOTTOM
    # Higher values are drawn higher (smaller y).
    assert chart.actuals[-1].y < chart.actuals[0].y


def test_band_encloses_the_point_forecast_and_starts_at_the_last_actual() -> None:
    chart = forecast_chart(HISTORY, POINTS, "USD")
    assert chart is not None
    corners = [tuple(float(v) for v in pair.split(",")) for pair in chart.band.split()]
    last = (chart.actuals[-1].x, chart.actuals[-1].y)
    # Upper edge forward from the last actual, lower edge back to it: 2 * (1 + 3) corners.
    assert len(corners) == 8
    assert corners[0] == last and corners[-1] == last
    upper, lower = corners[1:4], list(reversed(corners[4:7]))
    for m, (ux, uy), (lx, ly) in zip(chart.forecasts, upper, lower, strict=True):
        assert ux == lx == m.x
        assert uy <= m.y <= ly  # SVG y grows downwards
    # The zero lower bound of January is drawn at zero, not replaced by the point.
    assert lower[0][1] == chart.zero_y


def test_lines_and_the_divider() -> None:
    chart = forecast_chart(HISTORY, POINTS, "USD")
    assert chart is not None
    assert chart.actual_path.startswith("M") and chart.actual_path.count("L") == 11
    assert chart.forecast_path.startswith(f"M{chart.actuals[-1].x},{chart.actuals[-1].y}")
    assert chart.forecast_path.count("L") == 3
    assert chart.divider_x is not None
    assert chart.actuals[-1].x < chart.divider_x < chart.forecasts[0].x
    assert [a.label for a in chart.labels][:2] == ["Jan", "Feb"]


def test_forecast_without_history_has_no_divider_and_no_actual_line() -> None:
    chart = forecast_chart([], POINTS[:1], "EUR")
    assert chart is not None
    assert chart.actual_path == "" and chart.divider_x is None
    assert len(chart.band.split()) == 2  # upper and lower corner of the single month
    assert chart.ticks[-1].label.startswith("€")


def test_history_without_forecast_has_no_band() -> None:
    chart = forecast_chart(HISTORY[:3], [], "USD")
    assert chart is not None
    assert chart.band == "" and chart.forecast_path == "" and chart.divider_x is None


def test_flat_zero_history_still_has_a_scale() -> None:
    chart = forecast_chart([actual("2026-01", "0"), actual("2026-02", "0")], [], "USD")
    assert chart is not None
    assert len(chart.ticks) >= 2
    assert all(TOP <= m.y <= HEIGHT - BOTTOM for m in chart.actuals)
