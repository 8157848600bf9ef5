"""Discover and Capital One (card, 360 current and older layouts)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from finsight.ingestion.formats import parse_statement
from finsight.ingestion.records import RowIssue


def test_discover_flips_the_sign(statement_bytes, split) -> None:
    statement = parse_statement(statement_bytes("discover.csv"))
    rows, issues = split(statement)

    assert (statement.format, statement.institution) == ("discover", "discover")
    assert issues == []
    amounts = [row.amount for row in rows]
    # Discover writes purchases positive and payments negative.
    assert amounts == [
        Decimal("-41.27"),
        Decimal("500.00"),
        Decimal("-1023.10"),
        Decimal("0.00"),
        Decimal("-54.00"),  # "$54.00"
    ]
    assert not rows[3].amount.is_signed()
    assert rows[0].original_category == "Gasoline"
    assert rows[2].description == "WHOLEFDS MKT 10235, AUSTIN TX"
    assert rows[2].posted_date == date(2024, 1, 7)


def test_discover_plus_sign_description_is_warned(statement_bytes) -> None:
    statement = parse_statement(statement_bytes("discover.csv"))
    list(statement.rows)

    assert statement.warnings == [
        RowIssue(6, "Description", "cell starts with '+': kept as text; exports neutralize it")
    ]


def test_capital_one_card_debit_and_credit_columns(statement_bytes, split) -> None:
    statement = parse_statement(statement_bytes("capital_one_card.csv"))
    rows, issues = split(statement)

    assert (statement.format, statement.institution) == ("capital_one_card", "capital_one")
    assert statement.account_hint == "5158"
    assert [(row.transaction_date, row.posted_date, row.amount) for row in rows] == [
        (date(2024, 1, 10), date(2024, 1, 11), Decimal("-15.98")),
        (date(2024, 1, 12), date(2024, 1, 12), Decimal("250.00")),
        (date(2024, 1, 13), date(2024, 1, 15), Decimal("-1019.37")),
        (date(2024, 1, 14), date(2024, 1, 15), Decimal("57.00")),
    ]
    assert issues == [
        RowIssue(6, "Debit", "both Debit and Credit hold an amount: expected only one")
    ]


def test_capital_one_card_expects_iso_dates() -> None:
    data = (
        b"Transaction Date,Posted Date,Card No.,Description,Category,Debit,Credit\n"
        b"01/10/2024,2024-01-11,5158,ISLAND GRILL,Dining,15.98,\n"
    )
    assert list(parse_statement(data).rows) == [
        RowIssue(2, "Transaction Date", "invalid date '01/10/2024': expected YYYY-MM-DD")
    ]


def test_capital_one_360_direction_from_transaction_type(statement_bytes, split) -> None:
    statement = parse_statement(statement_bytes("capital_one_360.csv"))
    rows, issues = split(statement)

    assert (statement.format, statement.account_hint) == ("capital_one_360", "8401")
    assert [(row.transaction_date, row.amount, row.bank_type) for row in rows] == [
        (date(2024, 1, 2), Decimal("2500.00"), "Credit"),  # "2500": no decimals
        (date(2024, 1, 3), Decimal("-53.76"), "Debit"),
        (date(2024, 1, 5), Decimal("-459.14"), "Debit"),
        (date(2024, 1, 31), Decimal("0.42"), "Credit"),
    ]
    assert str(rows[0].amount) == "2500.00"
    assert rows[0].balance == Decimal("3250.75")
    assert rows[0].posted_date is None
    assert issues == [
        RowIssue(6, "Transaction Type", "unknown type 'Reversal': expected Debit or Credit")
    ]


def test_capital_one_360_older_layout_is_signed(statement_bytes, split) -> None:
    statement = parse_statement(statement_bytes("capital_one_360_signed.csv"))
    rows, issues = split(statement)

    assert statement.format == "capital_one_360" and issues == []
    assert [(row.transaction_date, row.amount) for row in rows] == [
        (date(2020, 6, 4), Decimal("-459.14")),
        (date(2020, 6, 5), Decimal("1200.00")),
        (date(1999, 6, 8), Decimal("-5.00")),  # two-digit years pivot like strptime's %y
    ]
    assert rows[0].description == "Check #456 Cashed"


def test_capital_one_360_chosen_explicitly_keeps_the_layout(statement_bytes, split) -> None:
    signed = parse_statement(
        statement_bytes("capital_one_360_signed.csv"), format="capital_one_360"
    )
    rows, _ = split(signed)

    assert rows[1].amount == Decimal("1200.00")
