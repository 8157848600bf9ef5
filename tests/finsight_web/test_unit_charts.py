"""Unit tests of the SVG chart geometry: round gridline steps, monthly bars, category bars."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from finsight_web.charts import (
    BOTTOM,
    HEIGHT,
    LEFT,
    RIGHT,
    TOP,
    WIDTH,
    category_bars,
    main_currency,
    monthly_chart,
    nice_step,
)

# --- nice_step -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("maximum", "expected"),
    [
        ("4", "1"),
        ("8", "2"),
        ("10", "2.5"),
        ("20", "5"),
        ("40", "10"),
        ("1000", "250"),
        ("1234", "500"),
        ("45000", "20000"),
        ("0.04", "0.01"),
    ],
)
def test_nice_step(maximum: str, expected: str) -> None:
    assert nice_step(Decimal(maximum)) == Decimal(expected)


@pytest.mark.parametrize(
    "maximum", ["0.003", "1", "7", "9.99", "11", "99", "101", "777", "3999", "12345.67", "9e9"]
)
def test_nice_step_is_round_and_covers_the_maximum_in_few_ticks(maximum: str) -> None:
    top = Decimal(maximum)
    step = nice_step(top)
    mantissa = step / Decimal(10) ** math.floor(math.log10(step))
    assert mantissa in {Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5)}
    assert step * 4 >= top  # at most four gridlines above zero reach the maximum
    assert math.ceil(top / step) <= 4


def test_nice_step_other_tick_count() -> None:
    assert nice_step(Decimal(100), ticks=10) == Decimal(10)


@pytest.mark.parametrize("maximum", ["0", "-5", "-0.01"])
def test_nice_step_of_zero_or_negative_is_one(maximum: str) -> None:
    assert nice_step(Decimal(maximum)) == Decimal(1)


# --- monthly_chart ---------------------------------------------------------------------------


def month(key: str, income: str, spending: str, currency: str = "USD") -> dict[str, str]:
    return {"key": key, "currency": currency, "income": income, "spending": spending}


TOTALS = [
    month("2026-01", "3000.00", "2100.50"),
    month("2026-02", "3000.00", "3412.00"),
    month("2026-02", "999999.00", "999999.00", currency="EUR"),
    month("2026-03", "1500.00", "0.00"),
]
PLOT_HEIGHT = HEIGHT - TOP - BOTTOM


def test_monthly_chart_frame() -> None:
    chart = monthly_chart(TOTALS, "USD")
    assert (chart.width, chart.height) == (WIDTH, HEIGHT)
    assert (chart.plot_left, chart.plot_right) == (LEFT, WIDTH - RIGHT)
    assert chart.baseline == HEIGHT - BOTTOM
    assert chart.currency == "USD"


def test_monthly_chart_shows_only_the_chosen_currency() -> None:
    chart = monthly_chart(TOTALS, "USD")
    assert [m.label for m in chart.months] == ["Jan 2026", "Feb 2026", "Mar 2026"]
    assert [m.income for m in chart.months] == [Decimal(3000), Decimal(3000), Decimal(1500)]
    assert chart.months[1].spending == Decimal("3412.00")


def test_monthly_chart_bars_stay_inside_the_plot_area() -> None:
    chart = monthly_chart(TOTALS, "USD")
    for m in chart.months:
        for y, h in ((m.y_income, m.h_income), (m.y_spending, m.h_spending)):
            assert h >= 0
            assert y >= TOP
            assert y + h == pytest.approx(chart.baseline, abs=0.11)
        assert m.x_income >= chart.plot_left
        assert m.x_spending + m.bar_width <= chart.plot_right
        assert m.x_income + m.bar_width <= m.x_spending  # side by side, not overlapping


def test_monthly_chart_heights_are_proportional_to_values() -> None:
    chart = monthly_chart(TOTALS, "USD")
    january, february, march = chart.months
    assert january.h_income == february.h_income
    assert march.h_income == pytest.approx(january.h_income / 2, abs=0.1)
    assert january.h_spending / january.h_income == pytest.approx(2100.50 / 3000, rel=0.01)
    assert march.h_spending == 0
    assert march.y_spending == chart.baseline


def test_monthly_chart_tallest_bar_reaches_at_most_the_top_gridline() -> None:
    chart = monthly_chart(TOTALS, "USD")
    top_gridline = min(t.y for t in chart.ticks)
    tallest = min(min(m.y_income, m.y_spending) for m in chart.months)
    assert tallest >= top_gridline
    assert top_gridline >= TOP


def test_monthly_chart_ticks_ascend_from_zero() -> None:
    chart = monthly_chart(TOTALS, "USD")  # largest value 3412: step 1000, scale 0..4000
    assert [t.label for t in chart.ticks] == ["$0", "$1k", "$2k", "$3k", "$4k"]
    assert chart.ticks[0].y == chart.baseline
    ys = [t.y for t in chart.ticks]
    assert ys == sorted(ys, reverse=True)  # SVG y grows downwards: values ascend upwards
    assert ys[-1] == TOP


def test_monthly_chart_exact_top_value_reaches_the_top_gridline() -> None:
    chart = monthly_chart([month("2026-03", "1000", "250")], "USD")
    assert chart.months[0].y_income == min(t.y for t in chart.ticks) == TOP
    assert chart.months[0].h_income == PLOT_HEIGHT


def test_monthly_chart_all_zero() -> None:
    chart = monthly_chart([month("2026-03", "0", "0")], "USD")
    assert len(chart.ticks) == 5
    assert chart.ticks[0].label == "$0"
    assert chart.months[0].h_income == chart.months[0].h_spending == 0


def test_monthly_chart_without_rows_of_that_currency() -> None:
    chart = monthly_chart(TOTALS, "GBP")
    assert chart.months == []
    assert chart.ticks[0].y == chart.baseline


def test_monthly_chart_many_months_fit() -> None:
    totals = [month(f"{2025 + i // 12}-{i % 12 + 1:02d}", str(100 * i), "50") for i in range(24)]
    chart = monthly_chart(totals, "USD")
    assert len(chart.months) == 24
    assert chart.months[-1].label == "Dec 2026"
    xs = [m.x_label for m in chart.months]
    assert xs == sorted(xs)
    for m in chart.months:
        assert chart.plot_left <= m.x_income
        assert m.x_spending + m.bar_width <= chart.plot_right
        assert m.y_income >= TOP


# --- category_bars ---------------------------------------------------------------------------


def category(key: str, spending: str, currency: str = "USD") -> dict[str, str]:
    return {"key": key, "label": key.title(), "currency": currency, "spending": spending}


def test_category_bars_largest_first_relative_widths() -> None:
    totals = [category("food", "250"), category("rent", "1000"), category("fun", "125.5")]
    bars = category_bars(totals, "USD")
    assert [b.key for b in bars] == ["rent", "food", "fun"]
    assert [b.label for b in bars] == ["Rent", "Food", "Fun"]
    assert [b.width for b in bars] == [100.0, 25.0, 12.6]
    assert bars[0].spending == Decimal(1000)


def test_category_bars_shares_add_up_to_one() -> None:
    totals = [category(f"c{i}", f"{i * 17}.31") for i in range(1, 15)]
    bars = category_bars(totals, "USD", limit=5)
    assert sum(b.share for b in bars) == pytest.approx(1.0)
    assert all(0 < b.share <= 1 for b in bars)


def test_category_bars_limit_sums_the_rest_as_everything_else() -> None:
    totals = [category(name, amount) for name, amount in zip("abcde", "54321", strict=True)]
    bars = category_bars(totals, "USD", limit=2)
    assert [(b.label, b.key, b.spending) for b in bars] == [
        ("A", "a", Decimal(5)),
        ("B", "b", Decimal(4)),
        ("Everything else", "", Decimal(6)),
    ]
    # Widths are relative to the largest bar, which here is the rest (still shown last).
    assert [b.width for b in bars] == [83.3, 66.7, 100.0]


def test_category_bars_no_everything_else_within_the_limit() -> None:
    bars = category_bars([category("a", "1"), category("b", "2")], "USD", limit=2)
    assert "Everything else" not in [b.label for b in bars]


def test_category_bars_drop_zero_spending_and_other_currencies() -> None:
    totals = [
        category("food", "40"),
        category("salary", "0"),
        category("refund", "-12"),
        category("travel", "900", currency="EUR"),
    ]
    bars = category_bars(totals, "USD")
    assert [b.key for b in bars] == ["food"]
    assert bars[0].share == 1.0
    assert bars[0].width == 100.0


def test_category_bars_of_nothing() -> None:
    assert category_bars([], "USD") == []
    assert category_bars([category("a", "0")], "USD") == []


# --- main_currency ---------------------------------------------------------------------------


def test_main_currency_is_the_one_with_most_money_moved() -> None:
    totals = [
        month("2026-01", "100", "50", "USD"),
        month("2026-02", "100", "50", "USD"),
        month("2026-01", "200", "10", "EUR"),
        {"key": "food", "label": "Food", "currency": "GBP", "income": "0", "spending": "250"},
    ]
    assert main_currency(totals) == "USD"  # 300 against EUR 210 and GBP 250


def test_main_currency_fallback_when_nothing() -> None:
    assert main_currency([]) == "USD"
    assert main_currency([], fallback="EUR") == "EUR"
