"""OFX and QFX: bank (<STMTRS>) and credit card (<CCSTMTRS>) statements, 1.x SGML and 2.x XML.

The statement's details (institution, account, currency) come before its transaction list, so
they are read eagerly; the <STMTTRN> records then stream. `line` is the record's ordinal.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from itertools import chain

from finsight.ingestion.formats.sgml import Element, declared_encoding, elements
from finsight.ingestion.formats.text import ByteSource, cut_after_tag, decoded
from finsight.ingestion.formats.values import (
    FORMULA_STARTS,
    date_message,
    money_message,
    parse_money,
    text_warning,
)
from finsight.ingestion.records import (
    ParsedStatement,
    RowIssue,
    StatedBalance,
    StatementError,
    StatementRow,
)

_STATEMENTS = ("STMTRS", "CCSTMTRS")
_INVESTMENTS = ("INVSTMTRS", "INVSTMTMSGSRSV1")
_DATE_EXPECTED = "YYYYMMDD[HHMMSS[.XXX][[-5:EST]]]"


class _Context:
    """What the file says outside the transactions, updated as the stream goes on."""

    def __init__(self) -> None:
        self.institution: str | None = None
        self.account: str | None = None
        self.currency: str | None = None
        self.statements = 0
        self.investment = False
        self.ofx = False
        self.balances: list[StatedBalance] = []
        self._ledger: dict[str, str] | None = None  # inside <LEDGERBAL>: its leaves

    def _ledger_balance(self, name: str, value: str | None) -> bool:
        """<LEDGERBAL><BALAMT>…<DTASOF>…: the booked balance (not <AVAILBAL>, what may be spent)."""
        if name == "LEDGERBAL":
            self._ledger = {}
        elif self._ledger is not None and name in (
            "/LEDGERBAL",
            "AVAILBAL",
            "/STMTRS",
            "/CCSTMTRS",
        ):
            amount = _amount(self._ledger.get("BALAMT", ""))
            when = _date(self._ledger.get("DTASOF", ""))
            if amount is not None and when is not None:
                self.balances.append(StatedBalance(amount, when))
            self._ledger = None
            return name == "/LEDGERBAL"
        elif self._ledger is not None:
            if value is not None:
                self._ledger.setdefault(name, value)
        else:
            return False
        return True

    def take(self, name: str, value: str | None) -> None:
        if self._ledger_balance(name, value):
            return
        if name == "OFX":
            self.ofx = True
        elif name in _STATEMENTS:
            self.statements += 1
        elif name in _INVESTMENTS:
            self.investment = True
        elif value is None:
            return
        elif name == "ORG" and self.institution is None:
            self.institution = value.lower()
        elif name == "CURDEF":
            self.currency = value.upper()
        elif name == "ACCTID":
            if self.account is not None and value != self.account:
                raise StatementError(
                    f"the file holds statements of more than one account ({self.account} and "
                    f"{value}); export one account per file"
                )
            self.account = value


def parse_ofx(source: ByteSource) -> ParsedStatement:
    encoding, declared = declared_encoding(source.head)
    stream = elements(decoded(source.chunks(), encoding, cut=cut_after_tag, declared=declared))
    context = _Context()
    for name, value in stream:
        if name == "STMTTRN":
            break
        context.take(name, value)
    else:
        if not context.ofx:
            raise StatementError("this is not OFX: there is no <OFX> element")
        if context.investment and not context.statements:
            raise StatementError(
                "this OFX holds an investment statement; only bank and credit card statements "
                "are supported"
            )
        if not context.statements:
            raise StatementError("no bank or credit card statement (<STMTRS> or <CCSTMTRS>)")
        raise StatementError("no transactions (<STMTTRN>) in the statement")
    statement = ParsedStatement(
        "ofx", context.institution, context.account, context.currency, iter(())
    )
    context.balances = statement.balances  # filled when the stream reaches <LEDGERBAL>
    statement.rows = _records(chain((("STMTTRN", None),), stream), context, statement.warnings)
    return statement


def _records(
    stream: Iterator[Element], context: _Context, warnings: list[RowIssue]
) -> Iterator[StatementRow | RowIssue]:
    ordinal = 0
    record: dict[str, str] | None = None
    for name, value in stream:
        if name == "STMTTRN" or (record is not None and name in ("/STMTTRN", "/BANKTRANLIST")):
            if record is not None:
                yield _row(ordinal, record, context.currency, warnings)
            record = None
            if name == "STMTTRN":
                ordinal += 1
                record = {}
        elif record is not None:
            # Leaves of nested aggregates (<PAYEE><NAME>, <CURRENCY><CURSYM>) count as the
            # record's own; the first of a name wins.
            if value is not None and name not in record:
                record[name] = value
        else:
            context.take(name, value)
    if record is not None:
        yield _row(ordinal, record, context.currency, warnings)


def _row(
    ordinal: int, record: dict[str, str], currency: str | None, warnings: list[RowIssue]
) -> StatementRow | RowIssue:
    posted = _date(record.get("DTPOSTED", ""))
    if posted is None:
        return RowIssue(
            ordinal, "DTPOSTED", date_message(record.get("DTPOSTED", ""), _DATE_EXPECTED)
        )
    when = posted
    if "DTUSER" in record:
        user = _date(record["DTUSER"])
        if user is None:
            return RowIssue(ordinal, "DTUSER", date_message(record["DTUSER"], _DATE_EXPECTED))
        when = user
    amount = _amount(record.get("TRNAMT", ""))
    if amount is None:
        text = record.get("TRNAMT", "")
        message = money_message(text) if text else "missing TRNAMT: expected a signed amount"
        return RowIssue(ordinal, "TRNAMT", message)
    name = record.get("NAME") or record.get("MEMO") or ""
    description = " ".join(name.split())
    if not description:
        return RowIssue(ordinal, "NAME", "missing NAME and MEMO: expected a description")
    memo = record.get("MEMO")
    for tag, cell in (("NAME", record.get("NAME")), ("MEMO", memo)):
        if cell and cell[0] in FORMULA_STARTS:
            warnings.append(text_warning(ordinal, tag, cell))
    own_currency = record.get("CURSYM")
    return StatementRow(
        ordinal,
        when,
        posted,
        amount,
        own_currency.upper() if own_currency else currency,
        description,
        record.get("FITID"),
        None,
        record.get("TRNTYPE"),
        record.get("CHECKNUM"),
        None,
        memo,
        _mcc(record.get("SIC")),
    )


def _mcc(text: str | None) -> int | None:
    """<SIC>: card issuers put the merchant category code there; anything else is ignored."""
    digits = (text or "").strip()
    return int(digits) if len(digits) == 4 and digits.isascii() and digits.isdigit() else None


def _date(text: str) -> date | None:
    """The calendar date an OFX datetime names, as the bank wrote it (the zone is not applied)."""
    digits = text.strip()[:8]
    if len(digits) != 8 or not (digits.isascii() and digits.isdigit()):
        return None
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None


def _amount(text: str) -> Decimal | None:
    # Some European banks write a decimal comma into TRNAMT.
    if "," in text and "." not in text:
        return parse_money(text, ",")
    return parse_money(text)
