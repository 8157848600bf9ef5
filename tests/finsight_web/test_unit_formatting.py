"""Unit tests of the dashboard's Jinja2 filters: money, dates, query strings, percentages."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from urllib.parse import parse_qsl

import pytest

from finsight_web.formatting import (
    MINUS,
    day,
    money,
    month_label,
    percent,
    query_string,
    short_money,
)


def test_minus_is_the_unicode_minus_sign() -> None:
    assert MINUS == "\u2212"


# --- money -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        ("1234.5", "USD", "$1,234.50"),
        ("-1234.5", "USD", "\u2212$1,234.50"),
        ("0", "USD", "$0.00"),
        ("1234567.891", "USD", "$1,234,567.89"),
        ("12.30", "EUR", "€12.30"),
        ("-99", "GBP", "\u2212£99.00"),
        ("1000", "CAD", "CA$1,000.00"),
        ("1000", "AUD", "A$1,000.00"),
        ("1234567", "JPY", "¥1,234,567"),
        ("-1500", "JPY", "\u2212¥1,500"),
        ("1234.5", "CHF", "1,234.50 CHF"),
        ("-1234.5", "CHF", "\u22121,234.50 CHF"),
        ("1234.5", None, "1,234.50"),
        ("1234.5", "", "1,234.50"),
    ],
)
def test_money(value: str, currency: str | None, expected: str) -> None:
    assert money(value, currency) == expected


def test_money_defaults_to_usd() -> None:
    assert money("5") == "$5.00"


def test_money_negative_never_uses_a_hyphen() -> None:
    shown = money("-1", "USD")
    assert shown.startswith("\u2212")
    assert "-" not in shown


@pytest.mark.parametrize(
    ("value", "expected"),
    [(Decimal("-42.10"), "\u2212$42.10"), (-42, "\u2212$42.00"), ("-42.1", "\u2212$42.10")],
)
def test_money_accepts_decimal_int_and_string(value: Decimal | int | str, expected: str) -> None:
    assert money(value, "USD") == expected


@pytest.mark.parametrize("value", [None, ""])
def test_money_of_nothing_is_empty(value: str | None) -> None:
    assert money(value, "USD") == ""


@pytest.mark.parametrize("value", ["abc", "12,50", "1.2.3", "$5"])
def test_money_returns_invalid_text_as_is(value: str) -> None:
    assert money(value, "USD") == value


def test_money_returns_nan_text_as_is() -> None:
    assert money("NaN", "USD") == "NaN"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # Decimal arithmetic, not floats: 0.1 + 0.2 is exactly 0.30.
        (Decimal("0.10") + Decimal("0.20"), "$0.30"),
        # float("2.675") is 2.67499999...; as a decimal string it is exactly 2.675.
        ("2.675", "$2.68"),
        ("0.10", "$0.10"),
        ("99999999999999999.99", "$99,999,999,999,999,999.99"),
    ],
)
def test_money_is_exact(value: str | Decimal, expected: str) -> None:
    assert money(value, "USD") == expected


# --- short_money -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        ("0", "USD", "$0"),
        ("250", "USD", "$250"),
        ("1000", "USD", "$1k"),
        ("1200", "USD", "$1.2k"),
        ("35000", "USD", "$35k"),
        ("1500000", "USD", "$1.5M"),
        ("2000000", "EUR", "€2M"),
        ("-1200", "USD", "\u2212$1.2k"),
        ("5000", "CHF", "5k"),
        ("5000", None, "5k"),
    ],
)
def test_short_money(value: str, currency: str | None, expected: str) -> None:
    assert short_money(Decimal(value), currency) == expected


# --- day -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (date(2024, 1, 15), "Jan 15, 2024"),
        (date(2026, 3, 5), "Mar 5, 2026"),
        ("2024-01-15", "Jan 15, 2024"),
        ("2026-12-01", "Dec 1, 2026"),
        (datetime(2024, 1, 15, 14, 3, tzinfo=UTC), "Jan 15, 2024 14:03 UTC"),
        ("2024-01-15T14:03:59+00:00", "Jan 15, 2024 14:03 UTC"),
        ("2024-01-15T14:03:59.123456Z", "Jan 15, 2024 14:03 UTC"),
        ("2024-01-15T09:07:00", "Jan 15, 2024 09:07 UTC"),
    ],
)
def test_day(value: str | date | datetime, expected: str) -> None:
    assert day(value) == expected


def test_day_converts_an_offset_timestamp_to_utc() -> None:
    assert day("2026-03-05T14:03:00+02:00") == "Mar 5, 2026 12:03 UTC"


@pytest.mark.parametrize("value", [None, ""])
def test_day_of_nothing_is_empty(value: str | None) -> None:
    assert day(value) == ""


@pytest.mark.parametrize("value", ["yesterday", "2024-13-01", "2024-02-30", "2024-01-15Tnoon"])
def test_day_returns_invalid_text_unchanged(value: str) -> None:
    assert day(value) == value


# --- month_label -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "expected"),
    [("2026-03", "Mar 2026"), ("2025-12", "Dec 2025"), ("2026-01", "Jan 2026")],
)
def test_month_label(key: str, expected: str) -> None:
    assert month_label(key) == expected


@pytest.mark.parametrize("key", ["2026-13", "March", ""])
def test_month_label_returns_invalid_keys_unchanged(key: str) -> None:
    assert month_label(key) == key


# --- query_string ----------------------------------------------------------------------------


def test_query_string_keeps_values_in_order() -> None:
    assert query_string({"account_id": "a1", "q": "coffee"}) == "account_id=a1&q=coffee"


def test_query_string_drops_empty_none_and_false() -> None:
    params = {"q": "", "tag": None, "pending": False, "sort": "-date"}
    assert query_string(params) == "sort=-date"


def test_query_string_repeats_lists_and_tuples() -> None:
    shown = query_string({"tag": ["trip", "", "work"], "id": ("1", "2")})
    assert parse_qsl(shown) == [("tag", "trip"), ("tag", "work"), ("id", "1"), ("id", "2")]


def test_query_string_changes_override_params() -> None:
    params = {"sort": "-date", "limit": "50", "cursor": "abc"}
    shown = query_string(params, sort="amount", cursor=None, format="csv")
    assert parse_qsl(shown) == [("sort", "amount"), ("limit", "50"), ("format", "csv")]
    assert params == {"sort": "-date", "limit": "50", "cursor": "abc"}  # not modified


def test_query_string_encodes_values() -> None:
    assert query_string({"q": "a&b =c/ü"}) == "q=a%26b+%3Dc%2F%C3%BC"


def test_query_string_of_nothing_is_empty() -> None:
    assert query_string({}) == ""


def test_query_string_keeps_true_and_numbers() -> None:
    assert query_string({"uncategorized": True, "limit": 50}) == "uncategorized=True&limit=50"


def test_query_string_keeps_zero() -> None:
    assert query_string({"amount_min": 0}) == "amount_min=0"


# --- percent ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, ""), (0.0, "0%"), (0.25, "25%"), (1.0, "100%"), (0.123, "12%"), (0.999, "100%")],
)
def test_percent(value: float | None, expected: str) -> None:
    assert percent(value) == expected
