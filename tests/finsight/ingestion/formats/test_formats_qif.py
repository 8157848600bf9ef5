"""QIF: bank and credit card sections, Quicken's date forms, skipped sections."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from finsight.ingestion.formats import parse_statement
from finsight.ingestion.formats.qif import qif_date
from finsight.ingestion.records import RowIssue, StatementError


def test_qif_bank(statement_bytes, split) -> None:
    statement = parse_statement(statement_bytes("bank.qif"))
    rows, issues = split(statement)

    assert (statement.format, statement.institution, statement.account_hint) == ("qif", None, None)
    rent, payroll, atm, formula = rows
    assert rent.line == 2  # the record's first line
    assert rent.transaction_date == date(2024, 1, 2) and rent.posted_date is None
    assert rent.amount == Decimal("-1234.56")  # "-1,234.56"
    assert rent.description == "ACME PROPERTY MGMT"
    assert (rent.memo, rent.check_number, rent.original_category) == (
        "January rent",
        "1001",
        "Housing:Rent",
    )
    assert payroll.transaction_date == date(2024, 1, 5)  # 1/5'24
    assert payroll.amount == Decimal("2500.00")
    assert atm.transaction_date == date(2024, 1, 9)  # " 1/ 9'24"
    assert atm.amount == Decimal("-45.00")  # split lines ($) do not replace T
    assert (atm.bank_type, atm.check_number) == ("ATM", None)  # N holds a word, not a number
    assert str(formula.amount) == "0.00"
    assert issues == [
        RowIssue(
            24, "D", "invalid date '13/45/2024': expected MM/DD/YYYY, MM/DD/YY or M/D'YY (US order)"
        )
    ]
    assert statement.warnings == [
        RowIssue(28, "P", "cell starts with '=': kept as text; exports neutralize it")
    ]


def test_qif_credit_card_after_account_header(statement_bytes, split) -> None:
    rows, issues = split(parse_statement(statement_bytes("ccard.qif")))

    assert issues == []
    assert [(row.line, row.amount) for row in rows] == [
        (6, Decimal("-23.99")),
        (11, Decimal("500.00")),
        (15, Decimal("-7.25")),
    ]
    assert rows[0].original_category == "Shopping"
    assert rows[2].description == "COFFEE, NO PAYEE LINE"  # no P line: the memo describes it


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("01/15/2024", date(2024, 1, 15)),
        ("1/15/24", date(2024, 1, 15)),
        ("1/15'24", date(2024, 1, 15)),
        (" 1/ 5'04", date(2004, 1, 5)),
        ("12/31/99", date(1999, 12, 31)),
        ("2024-01-15", date(2024, 1, 15)),
        ("15/01/2024", None),  # day-first is not guessed: US order always
        ("1/15'2024x", None),
        ("", None),
    ],
)
def test_qif_dates(text: str, expected: date | None) -> None:
    assert qif_date(text) == expected


def test_qif_skips_lists_and_warns_on_investments(split) -> None:
    data = (
        b"!Type:Cat\nNFood\nE\n^\n"
        b"!Type:Invst\nD01/02/2024\nNBuy\nYACME\nT100.00\n^\n"
        b"!Type:Bank\nD01/03/2024\nT-5.00\nPCOFFEE\n^\n"
    )
    statement = parse_statement(data)
    rows, issues = split(statement)

    assert [row.description for row in rows] == ["COFFEE"] and issues == []
    assert statement.warnings == [
        RowIssue(5, None, "section '!Type:Invst' is not supported; skipped")
    ]


def test_qif_missing_amount_and_payee(split) -> None:
    data = (
        b"!Type:Bank\nD01/02/2024\nPNO AMOUNT\n^\nD01/03/2024\nTabc\nPBAD\n^\nD01/04/2024\nT1\n^\n"
    )
    _, issues = split(parse_statement(data))

    assert issues == [
        RowIssue(2, "T", "missing T line: expected an amount"),
        RowIssue(5, "T", "invalid amount 'abc': expected a number like -1234.56"),
        RowIssue(9, "P", "missing P (payee) and M (memo): expected a description"),
    ]


def test_qif_with_transactions_of_two_accounts_is_refused() -> None:
    data = (
        b"!Account\nNChecking\nTBank\n^\n!Type:Bank\nD01/02/2024\nT-1\nPA\n^\n"
        b"!Account\nNSavings\nTBank\n^\n!Type:Bank\nD01/02/2024\nT-2\nPB\n^\n"
    )
    rows = parse_statement(data).rows

    next(rows)
    with pytest.raises(StatementError, match="more than one account"):
        next(rows)


def test_qif_must_start_with_a_header() -> None:
    with pytest.raises(StatementError, match="starts with a header such as !Type:Bank"):
        parse_statement(b"D01/02/2024\nT-1\n^\n", format="qif")


def test_qif_with_only_lists_has_no_transactions() -> None:
    with pytest.raises(StatementError, match="no transactions"):
        parse_statement(b"!Type:Cat\nNFood\n^\n")
