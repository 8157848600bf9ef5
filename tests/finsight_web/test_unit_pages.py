"""Unit tests of the pages' pure helpers: column mapping form, periods, filters, file preview."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from finsight_web.pages.imports import PREVIEW_BYTES, file_head
from finsight_web.pages.mapping import (
    COLUMN_FIELDS,
    DEFAULTS,
    dialect_fields,
    guess_date_format,
    mapping_from_form,
    mapping_values,
    with_dialect,
)
from finsight_web.pages.periods import DEFAULT_PERIOD, PERIODS, months_back, period
from finsight_web.pages.transactions import filters_of, parse_tags

# --- mapping_values --------------------------------------------------------------------------


def test_mapping_values_defaults() -> None:
    values = mapping_values({})
    assert values == {**DEFAULTS, **dict.fromkeys(COLUMN_FIELDS, "")}
    assert values["amount_mode"] == "single"
    # Not chosen yet: the editor shows what it guessed from the file.
    assert values["date_format"] == values["delimiter"] == values["decimal_separator"] == ""
    assert values["skip_rows"] == "0"


def test_guessed_dialect_and_date_format_fill_only_what_was_not_chosen() -> None:
    guessed = {"delimiter": ";", "quotechar": '"', "decimal_separator": ","}
    values = with_dialect(mapping_values({}), guessed)
    assert (values["delimiter"], values["decimal_separator"]) == (";", ",")
    chosen = with_dialect(mapping_values({"delimiter": "\t"}), guessed)
    assert chosen["delimiter"] == "\t"  # a tab survives: separators are not stripped
    sample = [["01.11.2026", "REWE", "-10,99"], ["28.11.2026", "Gehalt", "2.500,00"]]
    assert guess_date_format(values, sample)["date_format"] == "%d.%m.%Y"
    us = [["11/28/2026", "COFFEE", "-4.50"]]
    assert guess_date_format(values, us)["date_format"] == "%m/%d/%Y"
    kept = guess_date_format({**values, "date_format": "%Y-%m-%d"}, sample)
    assert kept["date_format"] == "%Y-%m-%d"
    assert dialect_fields(values) == {**guessed, "skip_rows": "0"}


def test_mapping_values_takes_known_fields_stripped_and_ignores_others() -> None:
    values = mapping_values(
        {"name": "  My bank ", "date_column": " Date", "skip_rows": 2, "csrf_token": "x"}
    )
    assert values["name"] == "My bank"
    assert values["date_column"] == "Date"
    assert values["skip_rows"] == "2"
    assert "csrf_token" not in values


# --- mapping_from_form -----------------------------------------------------------------------


def form(**fields: Any) -> dict[str, str]:
    base = {"name": "Bank", "date_column": "Date", "description_column": "Memo"}
    return mapping_values({**base, **fields})


def test_nothing_chosen_yet() -> None:
    assert mapping_from_form(mapping_values({})) == (None, None)
    assert mapping_from_form(mapping_values({"name": "Bank", "amount_column": "Amt"})) == (
        None,
        None,
    )


def test_single_amount_column() -> None:
    mapping, message = mapping_from_form(form(amount_column="Amount"))
    assert message is None
    assert mapping == {
        "name": "Bank",
        "date_column": "Date",
        "date_format": "%m/%d/%Y",
        "description_column": "Memo",
        "sign_convention": "negative_is_outflow",
        "decimal_separator": ".",
        "delimiter": ",",
        "quotechar": '"',
        "skip_rows": 0,
        "amount_column": "Amount",
    }


def test_debit_credit_pair() -> None:
    mapping, message = mapping_from_form(
        form(amount_mode="split", amount_column="ignored", debit_column="Out", credit_column="In")
    )
    assert message is None
    assert mapping is not None
    assert (mapping["debit_column"], mapping["credit_column"]) == ("Out", "In")
    assert "amount_column" not in mapping


def test_optional_columns_only_when_set() -> None:
    mapping, _ = mapping_from_form(form(amount_column="Amount", category_column="Cat"))
    assert mapping is not None
    assert mapping["category_column"] == "Cat"
    assert "posted_date_column" not in mapping
    assert "id_column" not in mapping
    mapping, _ = mapping_from_form(
        form(amount_column="A", posted_date_column="Posted", id_column="Ref")
    )
    assert mapping is not None
    assert (mapping["posted_date_column"], mapping["id_column"]) == ("Posted", "Ref")
    assert "category_column" not in mapping


def test_options_are_passed_on() -> None:
    mapping, _ = mapping_from_form(
        form(
            amount_column="A",
            date_format="%d.%m.%Y",
            sign_convention="positive_is_outflow",
            decimal_separator=",",
            delimiter=";",
        )
    )
    assert mapping is not None
    assert mapping["date_format"] == "%d.%m.%Y"
    assert mapping["sign_convention"] == "positive_is_outflow"
    assert (mapping["decimal_separator"], mapping["delimiter"]) == (",", ";")


def test_blank_delimiter_is_a_comma() -> None:
    mapping, _ = mapping_from_form(form(amount_column="A", delimiter=" "))
    assert mapping is not None
    assert mapping["delimiter"] == ","


@pytest.mark.parametrize(
    ("skip_rows", "expected"), [("0", 0), ("3", 3), (" 12 ", 12), ("", 0), ("-1", 0), ("x", 0)]
)
def test_skip_rows(skip_rows: str, expected: int) -> None:
    mapping, _ = mapping_from_form(form(amount_column="A", skip_rows=skip_rows))
    assert mapping is not None
    assert mapping["skip_rows"] == expected


def test_skip_rows_superscript_digit_does_not_crash() -> None:
    mapping, _ = mapping_from_form(form(amount_column="A", skip_rows="²"))
    assert mapping is not None
    assert mapping["skip_rows"] == 0


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": ""}, "Choose a name for this mapping, the amount column."),
        ({"amount_column": "A", "name": ""}, "Choose a name for this mapping."),
        ({"amount_column": "A", "date_column": ""}, "Choose the date column."),
        ({"amount_column": "A", "description_column": ""}, "Choose the description column."),
        ({}, "Choose the amount column."),
        (
            {"amount_mode": "split", "debit_column": "Out"},
            "Choose both the money-out and money-in columns.",
        ),
        (
            {"amount_mode": "split", "credit_column": "In", "name": "", "date_column": ""},
            "Choose a name for this mapping, the date column, "
            "both the money-out and money-in columns.",
        ),
    ],
)
def test_missing_fields_are_listed(fields: dict[str, str], message: str) -> None:
    assert mapping_from_form(form(**fields)) == (None, message)


# --- periods ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "months", "expected"),
    [
        (date(2026, 3, 15), 0, date(2026, 3, 1)),
        (date(2026, 3, 31), 1, date(2026, 2, 1)),
        (date(2026, 3, 15), 2, date(2026, 1, 1)),
        (date(2026, 3, 15), 3, date(2025, 12, 1)),
        (date(2026, 1, 15), 1, date(2025, 12, 1)),
        (date(2026, 1, 1), 11, date(2025, 2, 1)),
        (date(2026, 12, 31), 11, date(2026, 1, 1)),
        (date(2026, 12, 31), 12, date(2025, 12, 1)),
        (date(2026, 2, 28), 25, date(2024, 1, 1)),
    ],
)
def test_months_back(today: date, months: int, expected: date) -> None:
    assert months_back(today, months) == expected


TODAY = date(2026, 3, 18)


@pytest.mark.parametrize(
    ("key", "start", "end"),
    [
        ("this-month", date(2026, 3, 1), TODAY),
        ("last-month", date(2026, 2, 1), date(2026, 2, 28)),
        ("last-3-months", date(2026, 1, 1), TODAY),
        ("year-to-date", date(2026, 1, 1), TODAY),
        ("last-12-months", date(2025, 4, 1), TODAY),
        ("all", None, None),
    ],
)
def test_period(key: str, start: date | None, end: date | None) -> None:
    chosen = period(key, TODAY)
    assert (chosen.key, chosen.label) == (key, PERIODS[key])
    assert (chosen.start, chosen.end) == (start, end)


@pytest.mark.parametrize(
    ("today", "start", "end"),
    [
        (date(2026, 1, 15), date(2025, 12, 1), date(2025, 12, 31)),
        (date(2026, 1, 1), date(2025, 12, 1), date(2025, 12, 31)),
        (date(2024, 3, 1), date(2024, 2, 1), date(2024, 2, 29)),  # leap year
        (date(2026, 5, 31), date(2026, 4, 1), date(2026, 4, 30)),
    ],
)
def test_last_month_edges(today: date, start: date, end: date) -> None:
    chosen = period("last-month", today)
    assert (chosen.start, chosen.end) == (start, end)


def test_january_periods_reach_into_last_year() -> None:
    today = date(2026, 1, 10)
    assert period("last-3-months", today).start == date(2025, 11, 1)
    assert period("last-12-months", today).start == date(2025, 2, 1)
    assert period("year-to-date", today).start == date(2026, 1, 1)
    assert period("this-month", today).start == date(2026, 1, 1)


@pytest.mark.parametrize("key", [None, "", "bogus", "LAST-MONTH"])
def test_unknown_period_is_the_default(key: str | None) -> None:
    chosen = period(key, TODAY)
    assert chosen.key == DEFAULT_PERIOD
    assert chosen == period(DEFAULT_PERIOD, TODAY)


# --- transactions filters --------------------------------------------------------------------


def test_filters_of_drops_blanks_and_unknown_keys() -> None:
    query = {
        "account_id": " acc-1 ",
        "date_from": "",
        "date_to": "   ",
        "q": " coffee ",
        "sort": "-date",
        "cursor": "abc",
        "limit": "50",
    }
    assert filters_of(query) == {"account_id": "acc-1", "q": "coffee"}


def test_filters_of_keeps_every_filter() -> None:
    query = {
        "account_id": "a",
        "date_from": "2026-01-01",
        "date_to": "2026-01-31",
        "amount_min": "-10",
        "amount_max": "0",
        "category_id": "c",
        "uncategorized": "true",
        "pending": "false",
        "q": "x",
        "tag": "trip",
    }
    assert filters_of(query) == query


@pytest.mark.parametrize("value", ["true", "on", "1", "yes"])
def test_filters_of_normalises_uncategorized(value: str) -> None:
    assert filters_of({"uncategorized": value}) == {"uncategorized": "true"}


@pytest.mark.parametrize(
    ("pending", "expected"),
    [
        ("true", {"pending": "true"}),
        ("false", {"pending": "false"}),
        (" true ", {"pending": "true"}),
    ],
)
def test_filters_of_keeps_valid_pending(pending: str, expected: dict[str, str]) -> None:
    assert filters_of({"pending": pending}) == expected


@pytest.mark.parametrize("pending", ["yes", "1", "TRUE", "maybe", ""])
def test_filters_of_drops_invalid_pending(pending: str) -> None:
    assert filters_of({"pending": pending, "q": "x"}) == {"q": "x"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("trip, work ,, trip", ["trip", "work"]),
        ("", []),
        (" , ,", []),
        ("one", ["one"]),
        ("b,a,b,c,a", ["b", "a", "c"]),
        ("Trip,trip", ["Trip", "trip"]),
        ("  spaced tag  ,x", ["spaced tag", "x"]),
    ],
)
def test_parse_tags(text: str, expected: list[str]) -> None:
    assert parse_tags(text) == expected


# --- file_head -------------------------------------------------------------------------------


def test_file_head_short_content_whole() -> None:
    content = b"date,amount\n01/02/2026,5.00"  # even without a final newline
    assert file_head(content, size=100) == content
    assert file_head(content, size=len(content)) == content
    assert file_head(b"") == b""


def test_file_head_cuts_after_the_last_whole_line() -> None:
    content = b"aaa\nbbb\nccc\nddd\n"
    assert file_head(content, size=10) == b"aaa\nbbb\n"
    assert file_head(content, size=8) == b"aaa\nbbb\n"
    assert file_head(content, size=7) == b"aaa\n"


def test_file_head_without_a_newline_keeps_the_size() -> None:
    assert file_head(b"x" * 50, size=10) == b"x" * 10


def test_file_head_default_size() -> None:
    line = b"01/02/2026,Coffee shop,-4.50\n"
    content = line * (2 * PREVIEW_BYTES // len(line))
    head = file_head(content)
    assert len(head) <= PREVIEW_BYTES
    assert head.endswith(b"\n")
    assert len(head) % len(line) == 0
    assert PREVIEW_BYTES - len(head) < len(line)


def test_overview_latest_months_net_worth_and_currencies() -> None:
    """Issue 21, point 21: the overview's month window, net worth and currency order."""
    from decimal import Decimal

    from finsight_web.pages.overview import currencies_by_volume, latest_months, net_worth

    today = date(2026, 12, 8)
    recent = [{"key": "2026-11", "currency": "USD", "income": "1", "spending": "2", "count": 3}]
    months, current = latest_months(recent, "USD", today)
    assert (months[0], months[-1], len(months), current) == ("2026-01", "2026-12", 12, True)
    old = [{"key": "2024-05", "currency": "USD", "income": "1", "spending": "2", "count": 3}]
    months, current = latest_months(old, "USD", today)
    assert (months[0], months[-1], len(months), current) == ("2023-06", "2024-05", 12, False)
    # Nothing at all: the last 12 months, as before.
    assert latest_months([], "USD", today)[0][-1] == "2026-12"
    accounts = [
        {"currency": "USD", "current_balance": "1000.00", "bank_balance": None},
        {"currency": "USD", "current_balance": "-250.50", "bank_balance": None},
        {"currency": "EUR", "current_balance": "5", "bank_balance": {"balance": "18342.17"}},
    ]
    assert net_worth(accounts) == [("EUR", Decimal("18342.17")), ("USD", Decimal("749.50"))]
    totals = [
        {"currency": "EUR", "income": "0", "spending": "10"},
        {"currency": "USD", "income": "100", "spending": "50"},
    ]
    assert currencies_by_volume(totals, "USD") == ["USD", "EUR"]
    assert currencies_by_volume([], "EUR") == ["EUR"]
