"""Format detection, a chosen format that does not fit, and files that are no statement."""

from __future__ import annotations

import re

import pytest

from finsight.ingestion.formats import FORMATS, detect_format, parse_statement
from finsight.ingestion.mapping import ColumnMapping
from finsight.ingestion.records import StatementError


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("chase_card.csv", "chase_card"),
        ("chase_card_old.csv", "chase_card"),
        ("chase_checking.csv", "chase_checking"),
        ("discover.csv", "discover"),
        ("capital_one_card.csv", "capital_one_card"),
        ("capital_one_360.csv", "capital_one_360"),
        ("capital_one_360_signed.csv", "capital_one_360"),
        ("bank_sgml.ofx", "ofx"),
        ("bank_xml.ofx", "ofx"),
        ("card_xml.qfx", "ofx"),
        ("card_sgml_oneline.qfx", "ofx"),
        ("bank.qif", "qif"),
        ("ccard.qif", "qif"),
    ],
)
def test_detects_every_format(statement_bytes, name: str, expected: str) -> None:
    assert detect_format(statement_bytes(name)[:4096]) == expected


def test_header_names_are_matched_loosely() -> None:
    head = b'"transaction date","post date","description","category","type","amount","memo"\n'
    assert detect_format(head) == "chase_card"
    assert detect_format(b"Trans. Date, Post Date, Description, Amount, Category,\n") == "discover"


def test_formats_list_is_the_agreed_one() -> None:
    assert FORMATS == (
        "chase_card",
        "chase_checking",
        "discover",
        "capital_one_card",
        "capital_one_360",
        "ofx",
        "qif",
        "csv_mapped",
    )


def test_unknown_csv_lists_the_known_layouts() -> None:
    with pytest.raises(StatementError) as caught:
        detect_format(b"Date,Payee,Amount\n01/02/2024,X,1\n")

    message = caught.value.detail
    assert message.startswith("unrecognized file: its first line is 'Date,Payee,Amount'")
    for expected in (
        "Chase credit card (Card,Transaction Date,Post Date,",
        "Chase checking (Details,Posting Date,",
        "Discover (Trans. Date,",
        "Capital One credit card (",
        "Capital One 360 (",
        "OFX/QFX; QIF; or any CSV with a saved column mapping",
    ):
        assert expected in message


@pytest.mark.parametrize(
    ("name", "chosen", "message"),
    [
        ("discover.csv", "chase_card", "this looks like a Discover export, not Chase credit card"),
        ("chase_card.csv", "ofx", "this looks like a Chase credit card export, not OFX/QFX"),
        ("bank.qif", "capital_one_card", "looks like a QIF export, not Capital One credit card"),
        ("card_xml.qfx", "qif", "this looks like an OFX/QFX export, not QIF"),
    ],
)
def test_chosen_format_that_does_not_fit(statement_bytes, name, chosen, message) -> None:
    with pytest.raises(StatementError, match=message):
        parse_statement(statement_bytes(name), format=chosen)


def test_chosen_format_matching_the_file(statement_bytes) -> None:
    statement = parse_statement(statement_bytes("discover.csv"), format="discover")
    assert statement.format == "discover"


def test_chosen_format_on_an_unrecognized_header_names_the_missing_columns() -> None:
    with pytest.raises(StatementError) as caught:
        parse_statement(
            b"Transaction Date,Description,Amount\n01/02/2024,X,-1\n", format="chase_card"
        )

    assert caught.value.detail == (
        "line 1: missing columns 'Post Date', 'Type' for Chase credit card (the header is "
        "'Transaction Date,Description,Amount'); expected a header like: "
        "Card,Transaction Date,Post Date,Description,Category,Type,Amount,Memo"
    )
    assert caught.value.line == 1


def test_unknown_format_name_and_missing_mapping() -> None:
    with pytest.raises(StatementError, match="unknown format 'amex': expected one of chase_card"):
        parse_statement(b"x", format="amex")
    with pytest.raises(StatementError, match="csv_mapped format needs a column mapping"):
        parse_statement(b"Date,Amount\n", format="csv_mapped")


def test_a_mapping_wins_over_detection(statement_bytes) -> None:
    mapping = ColumnMapping(
        name="Chase by hand",
        date_column="Post Date",
        amount_column="Amount",
        description_column="Description",
    )
    statement = parse_statement(statement_bytes("chase_card.csv"), mapping=mapping)
    assert statement.format == "csv_mapped"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty file"),
        (b"\r\n  \n", "empty file"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "this is a PDF; export CSV, OFX or QIF"),
        (b"PK\x03\x04\x14\x00\x06\x00", "ZIP archive (an Excel .xlsx workbook?)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "Excel .xls workbook"),
        ("Date,Amount\n".encode("utf-16"), "UTF-16 text; re-export as UTF-8"),
        (b"\x00\x01\x02garbage\x00", "binary file, not a statement"),
        (b"<!DOCTYPE html>\n<html><body>Sign in</body></html>", "web page (HTML)"),
    ],
)
def test_files_that_are_no_statement(data: bytes, message: str) -> None:
    with pytest.raises(StatementError, match=re.escape(message)):
        detect_format(data)
    with pytest.raises(StatementError, match=re.escape(message)):
        parse_statement(data, format="chase_card")


def test_header_only_has_no_transactions() -> None:
    with pytest.raises(StatementError, match="line 1: no transactions"):
        parse_statement(b"Trans. Date,Post Date,Description,Amount,Category\r\n\r\n")


def test_statement_error_is_invalid_input() -> None:
    from finsight.errors import InvalidInput

    error = StatementError("bad", line=3, column="Amount")
    assert isinstance(error, InvalidInput) and error.status == 422
    assert error.detail == "line 3, column 'Amount': bad"
    assert error.errors == [{"field": "Amount", "message": "line 3, column 'Amount': bad"}]
