"""QIF (Quicken Interchange Format): `!Type:Bank`, `!Type:CCard`, Cash, Oth A and Oth L sections.

A record is a run of lines, each a field letter and its value (D date, T or U amount, P payee,
M memo, N check number, L category, C cleared status), ended by `^`. Split lines (S, E, $),
addresses (A) and other letters are read past. Category and class lists, memorized
transactions and the account list are skipped; investment sections too, with a warning.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from itertools import chain

from finsight.ingestion.formats.text import ByteSource, lines
from finsight.ingestion.formats.values import (
    FORMULA_STARTS,
    DateCache,
    date_message,
    money_message,
    parse_money,
    text_warning,
    us_date,
)
from finsight.ingestion.records import ParsedStatement, RowIssue, StatementError, StatementRow

_TRANSACTION_SECTIONS = frozenset({"bank", "ccard", "cash", "oth a", "oth l"})
_QUIET_SECTIONS = frozenset({"cat", "class", "memorized", "prices", "security", "template"})
_DATE_EXPECTED = "MM/DD/YYYY, MM/DD/YY or M/D'YY (US order)"


def qif_date(text: str) -> date | None:
    """'01/15/2024', '1/15/24', ' 1/ 5'24' (an apostrophe marks 2000-2099), '2024-01-15'."""
    value = text.replace(" ", "")
    if "'" in value:
        head, _, year = value.partition("'")
        if not (year.isascii() and year.isdigit()) or len(year) not in (2, 4):
            return None
        value = f"{head}/{int(year) + 2000 if len(year) == 2 else year}"
    if len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return us_date(value)


class _Reader:
    def __init__(self, warnings: list[RowIssue]) -> None:
        self.warnings = warnings
        self.section: str | None = None
        self.in_account_list = False
        self.account = 0  # ordinal of the latest !Account record
        self.transactions_account: int | None = None  # the one account with transactions
        self.dates = DateCache(qif_date)

    def header(self, line: int, text: str) -> None:
        command = text[1:].strip().lower()
        if command == "account":
            self.in_account_list = True
            return
        if command.startswith(("option:", "clear:")):
            return
        self.in_account_list = False
        kind = command.removeprefix("type:").strip() if command.startswith("type:") else None
        if kind in _TRANSACTION_SECTIONS:
            self.section = kind
            return
        self.section = None
        if kind not in _QUIET_SECTIONS:
            self.warnings.append(
                RowIssue(line, None, f"section '{text.strip()}' is not supported; skipped")
            )

    def rows(self, source: Iterator[str], consumed: int) -> Iterator[StatementRow | RowIssue]:
        fields: dict[str, str] = {}
        start = 0
        for number, raw in enumerate(source, consumed + 1):
            text = raw.rstrip("\r\n")
            if not text.strip():
                continue
            if text[0] == "!":
                if fields:
                    yield from self._record(start, fields)
                    fields = {}
                self.header(number, text)
                continue
            if text[0] == "^":
                yield from self._record(start, fields)
                fields = {}
                continue
            if not fields:
                start = number
            fields.setdefault(text[0].upper(), text[1:].strip())
        if fields:
            yield from self._record(start, fields)

    def _record(self, line: int, fields: dict[str, str]) -> Iterator[StatementRow | RowIssue]:
        if self.in_account_list:
            self.account += 1
            return
        if self.section is None or not fields:
            return
        if self.transactions_account is None:
            self.transactions_account = self.account
        elif self.transactions_account != self.account:
            raise StatementError(
                "the file holds transactions of more than one account; export one account per file",
                line=line,
            )
        yield self._transaction(line, fields)

    def _transaction(self, line: int, fields: dict[str, str]) -> StatementRow | RowIssue:
        when = self.dates(fields.get("D", ""))
        if when is None:
            return RowIssue(line, "D", date_message(fields.get("D", ""), _DATE_EXPECTED))
        letter = "U" if "T" not in fields and "U" in fields else "T"
        amount = parse_money(fields.get(letter, ""))
        if amount is None:
            text = fields.get(letter, "")
            message = money_message(text) if text else "missing T line: expected an amount"
            return RowIssue(line, letter, message)
        payee, memo = fields.get("P", ""), fields.get("M") or None
        description = " ".join((payee or memo or "").split())
        if not description:
            return RowIssue(line, "P", "missing P (payee) and M (memo): expected a description")
        category = fields.get("L") or None
        for code, cell in (("P", payee), ("M", memo), ("L", category)):
            if cell and cell[0] in FORMULA_STARTS:
                self.warnings.append(text_warning(line, code, cell))
        number = fields.get("N") or None
        # N holds a check number, or a word such as ATM, DEP, EFT or XFER.
        is_check = number is not None and number.isdigit()
        return StatementRow(
            line,
            when,
            None,
            amount,
            None,
            description,
            None,
            category,
            None if is_check else number,
            number if is_check else None,
            None,
            memo,
        )


def parse_qif(source: ByteSource) -> ParsedStatement:
    text = lines(source.chunks())
    statement = ParsedStatement("qif", None, None, None, iter(()))
    reader = _Reader(statement.warnings)
    for number, raw in enumerate(text, 1):
        if not raw.strip():
            continue
        if raw[0] != "!":
            raise StatementError(
                f"a QIF file starts with a header such as !Type:Bank, not {raw.strip()[:40]!r}",
                line=number,
            )
        reader.header(number, raw.rstrip("\r\n"))
        rows = reader.rows(text, number)
        break
    else:
        raise StatementError("empty file")
    first = next(rows, None)
    if first is None:
        raise StatementError("no transactions: the file has no !Type:Bank or !Type:CCard records")
    statement.rows = chain((first,), rows)
    return statement
