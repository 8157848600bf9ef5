"""What the statement parsers hand to the importer: rows, per-row issues, whole-file errors.

Pure data. The parsers live in finsight.ingestion.formats; the importer (accounts, transactions,
import batches) consumes `ParsedStatement.rows` lazily so a large file streams.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from finsight.errors import InvalidInput

FORMATS = (
    "chase_card",
    "chase_checking",
    "discover",
    "capital_one_card",
    "capital_one_360",
    "ofx",
    "qif",
    "csv_mapped",
)

# How messages name each format ("this looks like a Discover export, not Chase credit card").
FORMAT_TITLES = {
    "chase_card": "Chase credit card",
    "chase_checking": "Chase checking",
    "discover": "Discover",
    "capital_one_card": "Capital One credit card",
    "capital_one_360": "Capital One 360",
    "ofx": "OFX/QFX",
    "qif": "QIF",
    "csv_mapped": "mapped CSV",
}


@dataclass(frozen=True, slots=True)
class StatementRow:
    line: int  # 1-based physical line (CSV/QIF) or record ordinal (OFX), for messages
    transaction_date: date
    posted_date: date | None
    amount: Decimal  # signed: negative = money leaves the account
    currency: str | None  # ISO 4217 when the file states it, else None
    description: str  # the bank's description, whitespace-collapsed
    bank_id: str | None  # FITID / the bank's transaction id when the format has one
    original_category: str | None  # the bank's own category
    bank_type: str | None  # the bank's type column (Sale, Payment, ACH_DEBIT, TRNTYPE ...)
    check_number: str | None
    balance: Decimal | None
    memo: str | None
    mcc: int | None = None  # merchant category code (ISO 18245), where the format has one


@dataclass(frozen=True, slots=True)
class RowIssue:
    line: int
    column: str | None  # the header name (CSV), tag (OFX) or field letter (QIF)
    message: str  # what is wrong and what was expected


class StatementError(InvalidInput):
    """The whole file is unusable (not a statement, wrong layout, not UTF-8, no transactions).

    `line` and `column` are kept as attributes and named in the detail when known.
    """

    def __init__(self, detail: str, *, line: int | None = None, column: str | None = None) -> None:
        where = []
        if line is not None:
            where.append(f"line {line}")
        if column is not None:
            where.append(f"column '{column}'")
        super().__init__(f"{', '.join(where)}: {detail}" if where else detail, field=column)
        self.line = line
        self.column = column


@dataclass(frozen=True, slots=True)
class StatedBalance:
    """The account's balance as the bank states it in the file (OFX <LEDGERBAL>, the latest
    row's Balance column), at the end of `as_of`."""

    amount: Decimal
    as_of: date


@dataclass
class ParsedStatement:
    format: str  # one of FORMATS
    institution: str | None  # "chase", "discover", "capital_one", OFX <FI><ORG> lowercased, or None
    account_hint: str | None  # Chase `Card`, Capital One `Card No.`, 360 `Account Number`, ACCTID
    currency: str | None
    rows: Iterator[StatementRow | RowIssue]  # lazy, in file order
    warnings: list[RowIssue] = field(default_factory=list)  # filled as rows are iterated
    # OFX <LEDGERBAL>, known once the rows have been read (it follows them in the file).
    balances: list[StatedBalance] = field(default_factory=list)
