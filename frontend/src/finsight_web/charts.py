"""Chart geometry for server-rendered SVG: the templates draw what these functions compute.

No JavaScript charting library: SVG renders under the strict Content-Security-Policy, prints,
and each chart comes with a data table for screen readers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from finsight_web.formatting import month_label, short_money

# Plot area inside the SVG's viewBox.
WIDTH, HEIGHT = 720, 280
LEFT, RIGHT, TOP, BOTTOM = 64, 12, 16, 40


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class MonthBars:
    label: str
    x_income: float
    x_spending: float
    bar_width: float
    y_income: float
    h_income: float
    y_spending: float
    h_spending: float
    x_label: float
    income: Decimal
    spending: Decimal


@dataclass(frozen=True)
class MonthlyChart:
    width: int
    height: int
    plot_left: int
    plot_right: int
    baseline: float
    ticks: list[Tick]
    months: list[MonthBars]
    currency: str


def nice_step(maximum: Decimal, ticks: int = 4) -> Decimal:
    """A round step (1, 2, 2.5 or 5 times a power of ten) giving about `ticks` gridlines."""
    if maximum <= 0:
        return Decimal(1)
    raw = maximum / ticks
    power = Decimal(10) ** math.floor(math.log10(raw))
    for factor in (1, 2, Decimal("2.5"), 5, 10):
        step = power * Decimal(factor)
        if raw <= step:
            return step
    return power * 10


def month_keys(first: date, last: date) -> list[str]:
    """'YYYY-MM' of every month from first's to last's, both included."""
    keys, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return keys


def monthly_chart(
    totals: list[dict[str, str]], currency: str, months: list[str] | None = None
) -> MonthlyChart:
    """Income and spending per month, side by side. `totals`: the API's summary by month;
    `months`: the months to show, a month without transactions at zero."""
    rows = [t for t in totals if t["currency"] == currency]
    if months is not None:
        found = {t["key"]: t for t in rows}
        zero = {"income": "0", "spending": "0", "currency": currency}
        rows = [found.get(key, {**zero, "key": key, "label": key}) for key in months]
    incomes = [Decimal(t["income"]) for t in rows]
    spendings = [Decimal(t["spending"]) for t in rows]
    top = max([*incomes, *spendings, Decimal(0)])
    step = nice_step(top)
    scale_max = step * max(1, math.ceil(top / step)) if top > 0 else step * 4
    plot_height = HEIGHT - TOP - BOTTOM
    baseline = TOP + plot_height

    def y_of(value: Decimal) -> float:
        return baseline - float(value / scale_max) * plot_height

    ticks, value = [], Decimal(0)
    while value <= scale_max:
        ticks.append(Tick(y=round(y_of(value), 1), label=short_money(value, currency)))
        value += step
    slot = (WIDTH - LEFT - RIGHT) / max(len(rows), 1)
    bar = min(28.0, slot * 0.36)
    bars: list[MonthBars] = []
    for index, (row, income, spending) in enumerate(zip(rows, incomes, spendings, strict=True)):
        center = LEFT + slot * index + slot / 2
        bars.append(
            MonthBars(
                label=month_label(row["key"]),
                x_income=round(center - bar - 1, 1),
                x_spending=round(center + 1, 1),
                bar_width=round(bar, 1),
                y_income=round(y_of(income), 1),
                h_income=round(baseline - y_of(income), 1),
                y_spending=round(y_of(spending), 1),
                h_spending=round(baseline - y_of(spending), 1),
                x_label=round(center, 1),
                income=income,
                spending=spending,
            )
        )
    return MonthlyChart(WIDTH, HEIGHT, LEFT, WIDTH - RIGHT, baseline, ticks, bars, currency)


@dataclass(frozen=True)
class CategoryBar:
    label: str
    key: str
    spending: Decimal
    share: float  # of the total spending, 0..1
    width: float  # bar length in the chart's units (0..100)


def category_bars(
    totals: list[dict[str, str]], currency: str, *, limit: int = 8
) -> list[CategoryBar]:
    """The largest spending categories; the rest summed as "Everything else"."""
    rows = [t for t in totals if t["currency"] == currency and Decimal(t["spending"]) > 0]
    rows.sort(key=lambda t: Decimal(t["spending"]), reverse=True)
    shown = [(t["label"], t["key"], Decimal(t["spending"])) for t in rows[:limit]]
    rest = sum((Decimal(t["spending"]) for t in rows[limit:]), Decimal(0))
    if rest > 0:
        shown.append(("Everything else", "", rest))
    total = sum((amount for _, _, amount in shown), Decimal(0))
    largest = max((amount for _, _, amount in shown), default=Decimal(0))
    return [
        CategoryBar(
            label=label,
            key=key,
            spending=amount,
            share=float(amount / total) if total else 0.0,
            width=round(float(amount / largest) * 100, 1) if largest else 0.0,
        )
        for label, key, amount in shown
    ]


def main_currency(totals: list[dict[str, str]], fallback: str = "USD") -> str:
    """The currency with the most money moved: what the charts show."""
    volume: dict[str, Decimal] = {}
    for t in totals:
        volume[t["currency"]] = (
            volume.get(t["currency"], Decimal(0)) + Decimal(t["income"]) + Decimal(t["spending"])
        )
    return max(volume, key=lambda c: volume[c]) if volume else fallback


# --- forecast: actuals, then the point forecast inside its prediction-interval band ------------


@dataclass(frozen=True)
class ForecastRow:
    """One month of the chart, as its table shows it: an actual, or a forecast with its range."""

    month: str  # 'YYYY-MM'
    label: str
    actual: Decimal | None
    point: Decimal | None
    lower: Decimal | None
    upper: Decimal | None


@dataclass(frozen=True)
class Marker:
    x: float
    y: float
    row: ForecastRow


@dataclass(frozen=True)
class AxisLabel:
    x: float
    label: str


@dataclass(frozen=True)
class ForecastChart:
    width: int
    height: int
    plot_left: int
    plot_right: int
    plot_top: int
    baseline: float
    zero_y: float
    ticks: list[Tick]
    labels: list[AxisLabel]
    actual_path: str  # SVG path data of the actuals' line ('' when there are none)
    forecast_path: str  # the point forecast, from the last actual on
    band: str  # polygon points of the interval: upper edge forward, lower edge back
    divider_x: float | None  # where the forecast starts
    actuals: list[Marker]
    forecasts: list[Marker]
    rows: list[ForecastRow]
    currency: str


def _dec(value: str | Decimal | int | float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def forecast_rows(
    history: list[dict[str, str]], points: list[dict[str, str]], *, history_months: int = 12
) -> list[ForecastRow]:
    """The last `history_months` actuals then the forecast months, in month order."""
    actual = sorted(
        ((str(h["month"])[:7], _dec(h["actual"])) for h in history), key=lambda item: item[0]
    )[-history_months:]
    rows = [ForecastRow(m, month_label(m), value, None, None, None) for m, value in actual]
    for p in sorted(points, key=lambda item: str(item["month"])):
        m = str(p["month"])[:7]
        rows.append(
            ForecastRow(
                m, month_label(m), None, _dec(p["point"]), _dec(p["lower"]), _dec(p["upper"])
            )
        )
    return rows


def _or(value: Decimal | None, fallback: Decimal | None) -> Decimal:
    """A bound, or the point where the API gave no bound (a zero bound is a bound)."""
    if value is not None:
        return value
    return fallback if fallback is not None else Decimal(0)


def _path(points: list[tuple[float, float]]) -> str:
    return " ".join(f"{'M' if i == 0 else 'L'}{x},{y}" for i, (x, y) in enumerate(points))


def forecast_chart(
    history: list[dict[str, str]],
    points: list[dict[str, str]],
    currency: str,
    *,
    history_months: int = 12,
) -> ForecastChart | None:
    """Net cash flow (or spending) per month: a line of actuals, then the point forecast with
    its 80% interval drawn as a band. Values may be negative, so the scale spans zero.
    None when there is nothing to draw."""
    rows = forecast_rows(history, points, history_months=history_months)
    if not rows:
        return None
    values = [Decimal(0)]
    for row in rows:
        values.extend(v for v in (row.actual, row.point, row.lower, row.upper) if v is not None)
    low, high = min(values), max(values)
    step = nice_step(high - low)
    scale_min = step * math.floor(low / step)
    scale_max = step * math.ceil(high / step)
    if scale_max == scale_min:
        scale_max = scale_min + step
    plot_height = HEIGHT - TOP - BOTTOM
    baseline = TOP + plot_height

    def y_of(value: Decimal) -> float:
        return round(
            baseline - float((value - scale_min) / (scale_max - scale_min)) * plot_height, 1
        )

    ticks, value = [], scale_min
    while value <= scale_max:
        ticks.append(Tick(y=y_of(value), label=short_money(value, currency)))
        value += step
    slot = (WIDTH - LEFT - RIGHT) / len(rows)

    def x_of(index: int) -> float:
        return round(LEFT + slot * index + slot / 2, 1)

    actuals = [
        Marker(x_of(i), y_of(row.actual), row)
        for i, row in enumerate(rows)
        if row.actual is not None
    ]
    forecasts = [
        Marker(x_of(i), y_of(row.point), row) for i, row in enumerate(rows) if row.point is not None
    ]
    # The forecast line and band start at the last actual, so the two read as one series.
    start = [(actuals[-1].x, actuals[-1].y)] if actuals and forecasts else []
    upper = start + [(m.x, y_of(_or(m.row.upper, m.row.point))) for m in forecasts]
    lower = start + [(m.x, y_of(_or(m.row.lower, m.row.point))) for m in forecasts]
    band = " ".join(f"{x},{y}" for x, y in [*upper, *reversed(lower)]) if forecasts else ""
    first_forecast = next((i for i, row in enumerate(rows) if row.actual is None), None)
    return ForecastChart(
        width=WIDTH,
        height=HEIGHT,
        plot_left=LEFT,
        plot_right=WIDTH - RIGHT,
        plot_top=TOP,
        baseline=baseline,
        zero_y=y_of(Decimal(0)),
        ticks=ticks,
        labels=[AxisLabel(x_of(i), row.label.split(" ")[0]) for i, row in enumerate(rows)],
        actual_path=_path([(m.x, m.y) for m in actuals]),
        forecast_path=_path(start + [(m.x, m.y) for m in forecasts]),
        band=band,
        divider_x=(round(LEFT + slot * first_forecast, 1) if first_forecast and actuals else None),
        actuals=actuals,
        forecasts=forecasts,
        rows=rows,
        currency=currency,
    )
