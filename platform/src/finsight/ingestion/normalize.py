"""A parsed statement row -> its line of COPY text, with its per-account fingerprint.

The normalizer writes COPY's text format itself rather than handing tuples to psycopg: the values
are of a few known types, and most of them (dates, descriptions, categories) repeat from row to
row, so each distinct one is formatted once and cached. It is the per-row hot path of a large
import, next to the parser.
"""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from finsight.ingestion.records import RowIssue, StatedBalance, StatementRow
from finsight.transactions.merchants import clean_description, normalize_merchant

# The columns COPY fills, in order; the rest take their defaults.
COPY_COLUMNS = (
    "id",
    "account_id",
    "import_batch_id",
    "transaction_date",
    "posted_date",
    "amount",
    "currency",
    "description_raw",
    "description",
    "merchant",
    "original_category",
    "category_id",
    "category_source",
    "bank_id",
    "bank_type",
    "check_number",
    "fingerprint",
    "mcc",
)
NULL = "\\N"
# COPY's text format escapes a backslash, tab or line break inside a value. NUL is dropped:
# PostgreSQL text cannot hold it (clean_description drops it from the description too).
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\x00": None})
# Distinct dates, descriptions and categories cached; cleared when full, so that a file of all
# distinct values costs memory in proportion to this, not to the file.
_CACHED = 65_536
FUTURE_WARNINGS_KEPT = 20


def copy_text(value: str | None) -> str:
    """A value as COPY's text format writes it."""
    return NULL if value is None else value.translate(_ESCAPES)


def content_key(row: StatementRow) -> str:
    """What makes two rows of one account the same transaction when the bank gives no id.
    Parsers collapse whitespace and print amounts with their decimals, so str() is canonical."""
    return f"r|{row.transaction_date.toordinal()}|{row.amount}|{row.description.casefold()}"


def fingerprint(row: StatementRow, occurrence: int) -> bytes:
    """The bank's id where there is one; else the row's content and its ordinal among identical
    rows of the same file, so two identical coffees on one day are both kept, while the same
    statement imported twice (or overlapping) adds nothing. RowNormalizer computes the same
    digest from cached parts; stored fingerprints depend on it never changing."""
    key = f"b|{row.bank_id}" if row.bank_id else f"{content_key(row)}|{occurrence}"
    return hashlib.blake2b(key.encode(), digest_size=16).digest()


class TimeOrderedIds:
    """UUIDv7 strings (RFC 9562, method 1: a counter in the random bits) for one batch: time-
    ordered like finsight.kit.models.new_id, at a fraction of its per-row cost."""

    def __init__(self) -> None:
        prefix = f"{time.time_ns() // 1_000_000:012x}"
        self.head = f"{prefix[:8]}-{prefix[8:]}-7000-"
        self.counter = int.from_bytes(os.urandom(8), "big") >> 2  # 62 random bits to start

    def __call__(self) -> str:
        self.counter = (self.counter + 1) & ((1 << 62) - 1)
        low = f"{(0b10 << 62) | self.counter:016x}"  # the variant bits, then the counter
        return f"{self.head}{low[:4]}-{low[4:]}"


class RowNormalizer:
    def __init__(
        self,
        *,
        account_id: uuid.UUID,
        account_currency: str,
        batch_id: uuid.UUID,
        existing: set[bytes],
        category_of: Callable[[str | None], uuid.UUID | None],
    ) -> None:
        self.currency = account_currency
        self.seen = existing  # fingerprints already stored, then those of this file
        self.category_of = category_of
        self.occurrences: dict[str, int] = {}
        self.new_id = TimeOrderedIds()
        self.duplicates = 0
        self.total = Decimal(0)
        self.first_date: date | None = None
        self._owner = f"{account_id}\t{batch_id}\t"
        self._currency = copy_text(account_currency)
        self._days: dict[date, tuple[int, str]] = {}  # -> (ordinal, ISO text)
        self._texts: dict[str, tuple[str, str]] = {}  # description -> (casefolded, 3 columns)
        self._categories: dict[str | None, str] = {}  # bank's category -> 3 columns
        # A day's grace: the bank's "today" may be tomorrow in UTC.
        self._latest_plausible = datetime.now(UTC).date() + timedelta(days=1)
        self.future: list[RowIssue] = []  # warnings: rows dated after today (kept, but said)
        # The Balance column (Chase checking): the balance after the newest row, which is the
        # first of its day in a newest-first file and the last in an oldest-first one.
        self._first_day: date | None = None
        self._last_day: date | None = None
        self._newest: tuple[date, Decimal, Decimal] | None = None  # day, first, last balance

    def __call__(self, row: StatementRow) -> str | RowIssue | None:
        """The row's COPY line; a RowIssue for a row that cannot go in; None for a duplicate."""
        if row.currency and row.currency != self.currency:
            return RowIssue(
                row.line,
                "currency",
                f"currency {row.currency} differs from the account's {self.currency}",
            )
        day = row.transaction_date
        if row.balance is not None:
            self._note_balance(day, row.balance)
        ordinal, iso = self._days.get(day) or self._day(day)
        folded, texts = self._texts.get(row.description) or self._text(row.description)
        amount = str(row.amount)
        # The same keys as fingerprint() and content_key(), from the cached parts.
        if row.bank_id:
            key = f"b|{row.bank_id}"
        else:
            key = f"r|{ordinal}|{amount}|{folded}"
            occurrence = self.occurrences[key] = self.occurrences.get(key, 0) + 1
            key = f"{key}|{occurrence}"
        digest = hashlib.blake2b(key.encode(), digest_size=16).digest()
        if digest in self.seen:
            self.duplicates += 1
            return None
        self.seen.add(digest)
        if day > self._latest_plausible and len(self.future) < FUTURE_WARNINGS_KEPT:
            self.future.append(
                RowIssue(
                    row.line,
                    "date",
                    f"dated {iso}, in the future: imported, but check the file (a wrong date "
                    "format swaps day and month)",
                )
            )
        self.total += row.amount
        if self.first_date is None or day < self.first_date:
            self.first_date = day
        posted = NULL
        if row.posted_date is not None:
            posted = (self._days.get(row.posted_date) or self._day(row.posted_date))[1]
        category = self._categories.get(row.original_category) or self._category(
            row.original_category
        )
        return (
            f"{self.new_id()}\t{self._owner}{iso}\t{posted}\t{amount}\t{self._currency}\t"
            f"{texts}\t{category}\t{copy_text(row.bank_id)}\t{copy_text(row.bank_type)}\t"
            f"{copy_text(row.check_number)}\t\\\\x{digest.hex()}\t"
            f"{NULL if row.mcc is None else row.mcc}\n"
        )

    def _note_balance(self, day: date, balance: Decimal) -> None:
        self._first_day = self._first_day or day
        self._last_day = day
        newest = self._newest
        if newest is None or day > newest[0]:
            self._newest = (day, balance, balance)
        elif day == newest[0]:
            self._newest = (day, newest[1], balance)

    def stated_balance(self) -> StatedBalance | None:
        """The balance the file's Balance column states after its newest row, if it has one."""
        if self._newest is None or self._first_day is None or self._last_day is None:
            return None
        day, first, last = self._newest
        return StatedBalance(first if self._first_day > self._last_day else last, day)

    def _day(self, day: date) -> tuple[int, str]:
        if len(self._days) >= _CACHED:
            self._days.clear()
        found = self._days[day] = (day.toordinal(), day.isoformat())
        return found

    def _text(self, raw: str) -> tuple[str, str]:
        """description_raw, description and merchant, in COPY text; and the fingerprint's
        casefolded description."""
        if len(self._texts) >= _CACHED:
            self._texts.clear()
        description = clean_description(raw)
        merchant = normalize_merchant(description)
        columns = f"{copy_text(raw)}\t{copy_text(description)}\t{copy_text(merchant)}"
        found = self._texts[raw] = (raw.casefold(), columns)
        return found

    def _category(self, original: str | None) -> str:
        """original_category, category_id and category_source, in COPY text."""
        if len(self._categories) >= _CACHED:
            self._categories.clear()
        category_id = self.category_of(original)
        found = self._categories[original] = (
            f"{copy_text(original)}\t{category_id or NULL}\t{'bank' if category_id else NULL}"
        )
        return found
