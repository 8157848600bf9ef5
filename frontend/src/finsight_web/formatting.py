"""View helpers: money, dates and query strings as the pages show them (Jinja2 filters)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "CA$", "AUD": "A$", "JPY": "¥"}
MINUS = "\u2212"  # a real minus sign: reads better and screen readers say "minus"


def money(value: str | Decimal | int | None, currency: str | None = "USD") -> str:
    """'-1234.5' in USD -> '\u2212$1,234.50' (a minus sign). Amounts are decimal strings from
    the API, never floats."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if not amount.is_finite():
        return str(value)
    places = 0 if currency == "JPY" else 2
    text = f"{abs(amount):,.{places}f}"
    symbol = SYMBOLS.get(currency or "", "")
    shown = f"{symbol}{text}" if symbol else f"{text} {currency or ''}".strip()
    return f"{MINUS}{shown}" if amount < 0 else shown


def short_money(value: Decimal, currency: str | None = "USD") -> str:
    """For chart axes: '$1.2k', '$35k', '$1.5M'."""
    symbol = SYMBOLS.get(currency or "", "")
    magnitude = abs(value)
    number, suffix = f"{magnitude:.0f}", ""
    for limit, unit in ((Decimal(1_000_000), "M"), (Decimal(1_000), "k")):
        if magnitude >= limit:
            number, suffix = f"{magnitude / limit:.1f}".rstrip("0").rstrip("."), unit
            break
    sign = MINUS if value < 0 else ""
    return f"{sign}{symbol}{number}{suffix}"


def day(value: str | date | datetime | None) -> str:
    """ISO date or timestamp -> 'Jan 15, 2024' (timestamps: '... 14:03 UTC')."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        except ValueError:
            return str(value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.strftime("%b %-d, %Y %H:%M UTC")
    return value.strftime("%b %-d, %Y")


def month_label(key: str) -> str:
    """'2026-03' -> 'Mar 2026'."""
    try:
        return date.fromisoformat(f"{key}-01").strftime("%b %Y")
    except ValueError:
        return key


def query_string(params: Mapping[str, Any], **changes: Any) -> str:
    """The page's query with some parameters changed; empty values dropped, lists repeated."""
    merged = {**params, **changes}
    pairs: list[tuple[str, str]] = []
    for key, value in merged.items():
        values: Iterable[Any] = value if isinstance(value, list | tuple) else [value]
        # `is False`, not `== False`: a 0 amount is a value to keep.
        pairs.extend((key, str(v)) for v in values if v is not None and v is not False and v != "")
    return urlencode(pairs)


def percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.0f}%"
