"""OFX/QFX: 1.x SGML and 2.x XML, bank and credit card statements."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from finsight.ingestion.formats import parse_statement
from finsight.ingestion.records import RowIssue, StatementError

SGML_HEADER = (
    "OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\nENCODING:{encoding}\n"
    "CHARSET:{charset}\nCOMPRESSION:NONE\nOLDFILEUID:NONE\nNEWFILEUID:NONE\n\n"
)


def _sgml(body: str, *, encoding: str = "USASCII", charset: str = "1252") -> str:
    return SGML_HEADER.format(encoding=encoding, charset=charset) + body


def _bank(transactions: str, account: str = "1234", extra: str = "") -> str:
    return (
        "<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>USD"
        f"<BANKACCTFROM><BANKID>1<ACCTID>{account}<ACCTTYPE>CHECKING</BANKACCTFROM>"
        f"<BANKTRANLIST>{transactions}</BANKTRANLIST></STMTRS></STMTTRNRS>{extra}"
        "</BANKMSGSRSV1></OFX>"
    )


def test_sgml_bank_statement(statement_bytes, split) -> None:
    statement = parse_statement(statement_bytes("bank_sgml.ofx"))
    rows, issues = split(statement)

    assert statement.format == "ofx"
    assert statement.institution == "examplecu"  # <FI><ORG>, lowercased
    assert statement.account_hint == "000123456789"
    assert statement.currency == "USD"
    purchase, check, payroll, waived = rows
    assert purchase.line == 1  # the record's ordinal
    assert purchase.transaction_date == date(2024, 1, 14)  # DTUSER
    assert purchase.posted_date == date(2024, 1, 15)  # DTPOSTED with time and zone
    assert purchase.amount == Decimal("-42.50")
    assert purchase.description == "CAFÉ LUNA & BAR"  # CHARSET:1252 and &amp; honoured
    assert purchase.bank_id == "202401150001"
    assert purchase.bank_type == "DEBIT"
    assert purchase.memo == "POS PURCHASE   DEBIT CARD"
    assert purchase.currency == "USD"
    assert check.check_number == "1043" and str(check.amount) == "-150.00"
    assert payroll.amount == Decimal("2500.00")  # "+2500.00"
    assert payroll.transaction_date == date(2024, 1, 17)  # no DTUSER: DTPOSTED
    assert str(waived.amount) == "0.00"  # "-0.00"
    assert issues == [
        RowIssue(4, "DTPOSTED", "invalid date '2024011': expected YYYYMMDD[HHMMSS[.XXX][[-5:EST]]]")
    ]
    assert statement.warnings == [
        RowIssue(5, "NAME", "cell starts with '-': kept as text; exports neutralize it")
    ]


def test_xml_credit_card_statement(statement_bytes, split) -> None:
    statement = parse_statement(statement_bytes("card_xml.qfx"))
    rows, issues = split(statement)

    assert (statement.institution, statement.account_hint) == ("discover", "6011000000001234")
    uber, payment, hotel, formula = rows
    assert uber.amount == Decimal("-64.12") and uber.memo is None  # <MEMO></MEMO>
    assert uber.transaction_date == date(2024, 1, 5)
    assert payment.amount == Decimal("500.00")
    assert (payment.transaction_date, payment.posted_date) == (date(2024, 1, 11), date(2024, 1, 12))
    assert hotel.description == "HÔTEL DU NORD & CIE"  # <PAYEE><NAME>, character references
    assert hotel.currency == "EUR"  # the transaction's own <CURRENCY>
    assert formula.description == "=SUM(A1:A9)"
    assert issues == [
        RowIssue(5, "TRNAMT", "invalid amount 'twelve': expected a number like -1234.56")
    ]
    assert [(warning.line, warning.column) for warning in statement.warnings] == [
        (4, "NAME"),
        (4, "MEMO"),
    ]


def test_xml_bank_statement(statement_bytes, split) -> None:
    statement = parse_statement(statement_bytes("bank_xml.ofx"))  # BOM, CRLF, a comment
    rows, issues = split(statement)

    assert (statement.institution, statement.account_hint) == (None, "98765-4321")  # no <FI>
    assert statement.currency == "CAD" and issues == []
    interest, transfer = rows
    assert (interest.amount, interest.bank_type, interest.currency) == (
        Decimal("3.17"),
        "INT",
        "CAD",
    )
    assert interest.description == "Interest paid"
    assert transfer.amount == Decimal("-1000.00") and transfer.bank_id == "XF-0215-77"
    assert transfer.memo == "Ref 77 <online>"
    assert transfer.transaction_date == date(2024, 2, 15)


def test_sgml_credit_card_on_one_line(statement_bytes, split) -> None:
    statement = parse_statement(statement_bytes("card_sgml_oneline.qfx"))
    rows, issues = split(statement)

    assert (statement.institution, statement.account_hint) == ("chase", "4111111111111111")
    assert issues == []
    assert [(row.bank_id, row.amount) for row in rows] == [
        ("2024010324692164003100099843512", Decimal("-23.99")),
        ("2024011024692164010100088772211", Decimal("500.00")),
    ]


def test_declared_utf8_and_decimal_comma(split) -> None:
    body = _bank(
        "<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20240301<TRNAMT>-12,50<FITID>a1<NAME>BÄCKEREI</STMTTRN>"
    )
    statement = parse_statement(_sgml(body, encoding="UTF-8", charset="NONE").encode())
    rows, _ = split(statement)

    assert rows[0].description == "BÄCKEREI" and rows[0].amount == Decimal("-12.50")


def test_bytes_that_break_the_declared_charset_are_named() -> None:
    body = _bank("<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20240301<TRNAMT>-1<NAME>X</STMTTRN>")
    data = _sgml(body, charset="NONE").encode().replace(b"<NAME>X", b"<NAME>\xe9")

    with pytest.raises(StatementError, match="not USASCII/NONE text as its header declares"):
        list(parse_statement(data).rows)


def test_unknown_declared_encoding_is_refused() -> None:
    with pytest.raises(StatementError, match="ENCODING:EBCDIC"):
        parse_statement(_sgml(_bank(""), encoding="EBCDIC").encode())


def test_missing_fields_are_row_issues(split) -> None:
    records = (
        "<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20240301<FITID>1<NAME>NO AMOUNT</STMTTRN>"
        "<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20240301<TRNAMT>-1.00<FITID>2</STMTTRN>"
        "<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20240301<DTUSER>2024-03-01<TRNAMT>-1<NAME>X</STMTTRN>"
        "<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20240302<TRNAMT>-2<MEMO>ONLY A MEMO</STMTTRN>"
    )
    rows, issues = split(parse_statement(_sgml(_bank(records)).encode()))

    assert issues == [
        RowIssue(1, "TRNAMT", "missing TRNAMT: expected a signed amount"),
        RowIssue(2, "NAME", "missing NAME and MEMO: expected a description"),
        RowIssue(
            3, "DTUSER", "invalid date '2024-03-01': expected YYYYMMDD[HHMMSS[.XXX][[-5:EST]]]"
        ),
    ]
    assert rows[0].line == 4 and rows[0].description == "ONLY A MEMO"
    assert rows[0].bank_id is None


def test_two_accounts_in_one_file_are_refused() -> None:
    second = (
        "<STMTTRNRS><STMTRS><CURDEF>USD<BANKACCTFROM><BANKID>1<ACCTID>9999</BANKACCTFROM>"
        "<BANKTRANLIST><STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20240302<TRNAMT>-2<NAME>Y</STMTTRN>"
        "</BANKTRANLIST></STMTRS></STMTTRNRS>"
    )
    first = "<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20240301<TRNAMT>-1<NAME>X</STMTTRN>"
    statement = parse_statement(_sgml(_bank(first, extra=second)).encode())
    rows = statement.rows

    assert next(rows).description == "X"  # type: ignore[union-attr]
    with pytest.raises(StatementError, match=r"more than one account \(1234 and 9999\)"):
        next(rows)


def test_statement_without_transactions() -> None:
    with pytest.raises(StatementError, match="no transactions"):
        parse_statement(_sgml(_bank("")).encode())


def test_investment_statement_is_not_supported() -> None:
    data = _sgml("<OFX><INVSTMTMSGSRSV1><INVSTMTTRNRS><INVSTMTRS></INVSTMTRS>" * 1)
    with pytest.raises(StatementError, match="investment statement"):
        parse_statement(data.encode())


def test_chosen_ofx_on_a_file_without_ofx_markup() -> None:
    with pytest.raises(StatementError, match="this is not OFX: there is no <OFX> element"):
        parse_statement(b"just some text\nand more\n", format="ofx")


def test_sic_carries_the_merchant_category_code(split) -> None:
    records = (
        "<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20240115<TRNAMT>-4.50<FITID>1<NAME>COFFEE<SIC>5814"
        "</STMTTRN>"
        "<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20240116<TRNAMT>-9.00<FITID>2<NAME>BOOKS<SIC>59x2"
        "</STMTTRN>"
        "<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20240117<TRNAMT>-1.00<FITID>3<NAME>FEE</STMTTRN>"
    )
    rows, issues = split(parse_statement(_sgml(_bank(records)).encode()))
    assert issues == []
    # Four digits are a code; anything else (a typo, a missing tag) is no code at all.
    assert [row.mcc for row in rows] == [5814, None, None]
