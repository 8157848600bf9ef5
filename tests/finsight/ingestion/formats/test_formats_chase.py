"""Chase credit card and checking exports."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from finsight.ingestion.formats import parse_statement
from finsight.ingestion.records import RowIssue


def test_chase_card_signs_dates_and_text(statement_bytes, split) -> None:
    statement = parse_statement(statement_bytes("chase_card.csv"))
    rows, issues = split(statement)

    assert (statement.format, statement.institution) == ("chase_card", "chase")
    assert statement.account_hint == "4321"  # the Card column
    assert statement.currency is None
    assert issues == []
    first = rows[0]
    assert first.line == 2  # the BOM-prefixed header is line 1
    assert first.transaction_date == date(2024, 1, 15)
    assert first.posted_date == date(2024, 1, 16)
    assert first.amount == Decimal("-23.99")  # purchases are negative already
    assert first.description == "AMAZON MKTPL*2K4RT1, SEATTLE WA"  # quoted comma
    assert (first.original_category, first.bank_type, first.memo) == ("Shopping", "Sale", None)
    assert rows[1].description == "STARBUCKS STORE 10432"  # whitespace collapsed
    payment = rows[2]
    assert payment.line == 5  # the blank line 4 is skipped, not renumbered
    assert payment.amount == Decimal("1234.56")  # quoted thousands separator
    assert payment.original_category is None
    assert rows[3].bank_type == "Return" and rows[3].amount == Decimal("12.00")
    assert rows[3].memo == "Order 113-5541"


def test_chase_card_edge_amounts(statement_bytes, split) -> None:
    rows, _ = split(parse_statement(statement_bytes("chase_card.csv")))
    by_description = {row.description: row for row in rows}

    zero = by_description["STATEMENT CREDIT ADJ"].amount
    assert zero == 0 and str(zero) == "0.00"  # "-0.00" never stays negative zero
    assert not zero.is_signed()
    fee = by_description["LATE FEE"].amount
    assert str(fee) == "-39.00"  # an amount without decimals gets cents
    assert all(isinstance(row.amount, Decimal) for row in rows)


def test_chase_card_formula_cells_are_kept_and_warned(statement_bytes, split) -> None:
    statement = parse_statement(statement_bytes("chase_card.csv"))
    rows, _ = split(statement)

    assert rows[4].description == '=HYPERLINK("http://example.test")'
    assert rows[6].memo == "@memo"
    assert statement.warnings == [
        RowIssue(7, "Description", "cell starts with '=': kept as text; exports neutralize it"),
        RowIssue(9, "Memo", "cell starts with '@': kept as text; exports neutralize it"),
    ]


def test_chase_card_older_layout_without_card_and_memo(statement_bytes, split) -> None:
    statement = parse_statement(statement_bytes("chase_card_old.csv"))
    rows, issues = split(statement)

    assert statement.format == "chase_card" and statement.account_hint is None
    assert issues == []
    assert [(row.transaction_date, row.amount) for row in rows] == [
        (date(2023, 12, 30), Decimal("-6.50")),
        (date(2023, 12, 31), Decimal("250.00")),
    ]
    assert rows[1].posted_date == date(2024, 1, 2)


def test_chase_card_row_issues_name_line_and_column(statement_bytes, split) -> None:
    rows, issues = split(parse_statement(statement_bytes("chase_card_issues.csv")))

    assert [row.description for row in rows] == ["GOOD ROW", "LAST GOOD ROW"]
    assert issues == [
        RowIssue(3, "Transaction Date", "invalid date '13/45/2024': expected MM/DD/YYYY"),
        RowIssue(4, "Amount", "invalid amount '12.3.4': expected a number like -1234.56"),
        RowIssue(5, "Description", "empty cell: expected a description"),
        RowIssue(6, None, "expected 7 cells as in the header, found 4"),
        RowIssue(7, None, "expected 7 cells as in the header, found 8"),
        RowIssue(8, "Transaction Date", "empty cell: expected a date MM/DD/YYYY"),
    ]


def test_chase_checking_trailing_commas_balance_and_checks(statement_bytes, split) -> None:
    statement = parse_statement(statement_bytes("chase_checking.csv"))
    rows, issues = split(statement)

    assert (statement.format, statement.institution) == ("chase_checking", "chase")
    assert issues == []  # every row has one more (empty) cell than the header
    debit, credit, check, deposit, atm = rows
    assert debit.amount == Decimal("-120.45") and debit.balance == Decimal("4879.55")
    assert debit.description == "ACH WEB PAYMENT ACME UTILITIES, INC"
    assert debit.bank_type == "ACH_DEBIT"
    assert debit.transaction_date == debit.posted_date == date(2024, 1, 16)
    assert credit.amount == Decimal("2500.00")
    assert check.check_number == "1042" and check.balance is None  # blank Balance
    assert deposit.amount == Decimal("1200.00") and deposit.check_number is None
    assert str(atm.amount) == "-60.00"


def test_chase_checking_bad_balance_is_a_row_issue() -> None:
    data = (
        b"Details,Posting Date,Description,Amount,Type,Balance,Check or Slip #\n"
        b"DEBIT,01/16/2024,COFFEE,-4.00,DEBIT_CARD,n/a,,\n"
    )
    issues = list(parse_statement(data).rows)

    assert issues == [
        RowIssue(2, "Balance", "invalid amount 'n/a': expected a number like -1234.56")
    ]
