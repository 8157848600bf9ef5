"""Charts as inline SVG for the PDF and the HTML preview: vector in print, no JavaScript, the
dashboard's colours (income green, spending red, accent blue)."""

from __future__ import annotations

import math
from html import escape

from finsight.reports.model import Chart

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 70, 12, 14, 58
COLOURS = ("#1f7a4d", "#c2412d", "#1f5fbf", "#8a5a00", "#55606e")
SERIES_COLOURS = {
    "Income": "#1f7a4d",
    "Spending": "#c2412d",
    "Debts": "#c2412d",
    "Assets": "#1f7a4d",
    "Net worth": "#1f5fbf",
}


def _step(span: float, ticks: int = 4) -> float:
    if span <= 0:
        return 1.0
    raw = span / ticks
    power = 10.0 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * power:
            return float(factor * power)
    return 10.0 * power


def _short(value: float) -> str:
    magnitude = abs(value)
    if magnitude >= 1_000_000:
        return f"{value / 1_000_000:.1f}M"
    if magnitude >= 10_000:
        return f"{value / 1000:.0f}k"
    if magnitude >= 1000:
        return f"{value / 1000:.1f}k"
    return f"{value:.0f}"


def render(chart: Chart) -> str:
    values = [float(v) for s in chart.series for v in s.values] or [0.0]
    high, low = max(max(values), 0.0), min(min(values), 0.0)
    step = _step(high - low)
    top = math.ceil(high / step) * step if high > 0 else 0.0
    bottom = math.floor(low / step) * step if low < 0 else 0.0
    if top == bottom:
        top = bottom + step
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def y(value: float) -> float:
        return TOP + (top - value) / (top - bottom) * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-label="{escape(chart.title)}" class="chart">'
    ]
    tick = bottom
    while tick <= top + step / 2:
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
            f'stroke="#d5dbe3" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" font-size="11" text-anchor="end" '
            f'fill="#55606e">{_short(tick)}</text>'
        )
        tick += step
    count = max(len(chart.labels), 1)
    slot = plot_w / count
    series_count = max(len(chart.series), 1)
    for index, label in enumerate(chart.labels):
        x = LEFT + slot * index + slot / 2
        text = escape(label if len(label) <= 18 else label[:17] + "…")
        base = HEIGHT - BOTTOM + 14
        parts.append(
            f'<text x="{x:.1f}" y="{base}" font-size="10" fill="#55606e" '
            f'text-anchor="end" transform="rotate(-30 {x:.1f} {base})">{text}</text>'
        )
    for number, series in enumerate(chart.series):
        colour = SERIES_COLOURS.get(series.name, COLOURS[number % len(COLOURS)])
        if chart.kind == "line":
            points = " ".join(
                f"{LEFT + slot * i + slot / 2:.1f},{y(float(v)):.1f}"
                for i, v in enumerate(series.values)
            )
            parts.append(
                f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
            continue
        width = slot * 0.8 / series_count
        for i, value in enumerate(series.values):
            x = LEFT + slot * i + slot * 0.1 + width * number
            y0, y1 = y(0.0), y(float(value))
            parts.append(
                f'<rect x="{x:.1f}" y="{min(y0, y1):.1f}" width="{width:.1f}" '
                f'height="{abs(y1 - y0):.1f}" fill="{colour}"/>'
            )
    legend_x = LEFT
    for number, series in enumerate(chart.series):
        colour = SERIES_COLOURS.get(series.name, COLOURS[number % len(COLOURS)])
        parts.append(
            f'<rect x="{legend_x}" y="{HEIGHT - 14}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{legend_x + 14}" y="{HEIGHT - 5}" font-size="11" fill="#1b2430">'
            f"{escape(series.name)}</text>"
        )
        legend_x += 24 + 7 * len(series.name)
    parts.append("</svg>")
    return "".join(parts)
