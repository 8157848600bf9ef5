"""Mapped CSVs and the ColumnMapping model's validation."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from finsight.ingestion.formats import parse_statement
from finsight.ingestion.mapping import ColumnMapping
from finsight.ingestion.records import RowIssue, StatementError

CREDIT_UNION = ColumnMapping(
    name="Credit union",
    date_column="Date",
    date_format="%Y-%m-%d",
    debit_column="Withdrawals",
    credit_column="Deposits",
    description_column="Description",
    category_column="Category",
    id_column="Reference",
    skip_rows=2,
)
GERMAN = ColumnMapping(
    name="Sparkasse",
    date_column="Buchungstag",
    date_format="%d.%m.%Y",
    amount_column="Betrag",
    description_column="Verwendungszweck",
    currency_column="Währung",
    delimiter=";",
    decimal_separator=",",
)


def test_debit_and_credit_columns_after_skipped_lines(statement_bytes, split) -> None:
    statement = parse_statement(statement_bytes("mapped_debit_credit.csv"), mapping=CREDIT_UNION)
    rows, issues = split(statement)

    assert (statement.format, statement.institution) == ("csv_mapped", None)
    assert [(row.line, row.transaction_date, row.amount, row.bank_id) for row in rows] == [
        (4, date(2024, 1, 3), Decimal("-54.10"), "TX1001"),
        (5, date(2024, 1, 4), Decimal("2100.00"), "TX1002"),
        (6, date(2024, 1, 5), Decimal("-200.00"), "TX1003"),  # "$200.00"
    ]
    assert rows[0].original_category == "Groceries"
    assert issues == [
        RowIssue(
            7, "Withdrawals", "empty Withdrawals and Deposits: expected an amount in one of them"
        )
    ]


def test_semicolons_and_decimal_commas(statement_bytes, split) -> None:
    statement = parse_statement(statement_bytes("mapped_semicolon.csv"), mapping=GERMAN)
    rows, issues = split(statement)

    assert [(row.transaction_date, row.amount, row.currency) for row in rows] == [
        (date(2024, 1, 15), Decimal("-1234.56"), "EUR"),  # "-1.234,56"
        (date(2024, 1, 16), Decimal("3100.00"), "EUR"),
        (date(2024, 1, 17), Decimal("-3.50"), "EUR"),  # "-3,5" and "eur"
    ]
    assert rows[2].description == "BÄCKEREI MÜLLER"
    assert issues == [
        RowIssue(5, "Betrag", "invalid amount '-3.50': expected a number like -1234,56"),
        RowIssue(6, "Währung", "invalid currency 'EURO': expected an ISO 4217 code like USD"),
    ]


def test_parentheses_dollar_signs_and_cr_line_endings(statement_bytes, split) -> None:
    mapping = ColumnMapping(
        name="Books", date_column="Date", amount_column="Amount", description_column="Payee"
    )
    statement = parse_statement(statement_bytes("mapped_accounting.csv"), mapping=mapping)
    rows, issues = split(statement)

    assert [(row.line, row.amount) for row in rows] == [
        (2, Decimal("-4.50")),  # "($4.50)"
        (3, Decimal("19.99")),
        (5, Decimal("-1000.00")),  # "($1,000.00)"
    ]
    assert rows[1].description == "REFUND - GADGET STORE"
    assert issues == [RowIssue(4, "Amount", "invalid amount '(1': expected a number like -1234.56")]
    assert statement.warnings == [
        RowIssue(3, "Payee", "cell starts with a tab: kept as text; exports neutralize it")
    ]


def test_positive_is_outflow_flips_the_sign(split) -> None:
    mapping = ColumnMapping(
        name="Amex",
        date_column="Date",
        amount_column="Amount",
        description_column="Description",
        sign_convention="positive_is_outflow",
    )
    data = b"Date,Description,Amount\n01/02/2024,DELTA AIR,412.20\n01/09/2024,PAYMENT,-412.20\n"
    rows, _ = split(parse_statement(data, mapping=mapping))

    assert [row.amount for row in rows] == [Decimal("-412.20"), Decimal("412.20")]


def test_mapping_names_a_column_the_file_lacks() -> None:
    with pytest.raises(StatementError) as caught:
        parse_statement(
            b"Date,Memo,Amount\n01/02/2024,X,1\n",
            mapping=CREDIT_UNION.model_copy(update={"skip_rows": 0}),
        )

    message = caught.value.detail
    assert message == (
        "line 1: missing columns 'Withdrawals' (debit_column), 'Deposits' (credit_column), "
        "'Description' (description_column), 'Category' (category_column), 'Reference' "
        "(id_column) for the mapping 'Credit union' (the header is 'Date,Memo,Amount')"
    )


def test_mapping_with_a_strptime_date_that_does_not_fit(split) -> None:
    data = b"Date,Description,Amount\n2024-01-02,X,1.00\n"
    _, issues = split(
        parse_statement(
            data,
            mapping=GERMAN.model_copy(
                update={
                    "date_column": "Date",
                    "amount_column": "Amount",
                    "description_column": "Description",
                    "currency_column": None,
                    "delimiter": ",",
                    "decimal_separator": ".",
                }
            ),
        )
    )

    assert issues == [
        RowIssue(
            2, "Date", "invalid date '2024-01-02': expected %d.%m.%Y (the mapping's date_format)"
        )
    ]


def test_mapping_round_trips_as_json() -> None:
    stored = CREDIT_UNION.model_dump_json()

    assert ColumnMapping.model_validate_json(stored) == CREDIT_UNION


def _errors(**fields: object) -> str:
    base: dict[str, object] = {
        "name": "x",
        "date_column": "Date",
        "description_column": "Description",
        "amount_column": "Amount",
    }
    with pytest.raises(ValidationError) as caught:
        ColumnMapping.model_validate({**base, **fields})
    return str(caught.value)


def test_mapping_needs_exactly_one_amount_source() -> None:
    assert "not both" in _errors(debit_column="Out", credit_column="In")
    assert "credit_column is missing" in _errors(amount_column=None, debit_column="Out")
    assert "exactly one of amount_column or (debit_column and credit_column)" in _errors(
        amount_column=None
    )


def test_mapping_validates_its_date_format() -> None:
    assert "must contain a day, a month and a year" in _errors(date_format="%m/%Y")
    assert "date_format '%Q' cannot parse" in _errors(date_format="%Q")
    assert (
        ColumnMapping(
            name="x",
            date_column="D",
            description_column="P",
            amount_column="A",
            date_format="%d %b %y",
        ).date_format
        == "%d %b %y"
    )


def test_mapping_rejects_other_mistakes() -> None:
    assert "date_column must name a column" in _errors(date_column="  ")
    assert "delimiter must be one character" in _errors(delimiter=";;")
    assert "delimiter and decimal_separator are both ','" in _errors(decimal_separator=",")
    assert "column 'date' is named by both date_column and amount_column" in _errors(
        amount_column="date"
    )
    assert "skip_rows" in _errors(skip_rows=-1)
    assert "Extra inputs are not permitted" in _errors(colour="blue")


def test_tab_delimited_mapping(split) -> None:
    mapping = ColumnMapping(
        name="Tabs",
        date_column="Date",
        amount_column="Amount",
        description_column="Payee",
        delimiter="\t",
    )
    rows, _ = split(
        parse_statement(b"Date\tPayee\tAmount\n01/02/2024\tA, B\t-1.50\n", mapping=mapping)
    )

    assert rows[0].description == "A, B" and rows[0].amount == Decimal("-1.50")
