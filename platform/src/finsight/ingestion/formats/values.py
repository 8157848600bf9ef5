"""Cell values shared by every format: money, dates, text cells and their messages.

The CSV hot path (finsight.ingestion.formats.tabular) inlines the common case
(`Decimal(cell)`, a date cache lookup) and calls these only for the rare cell that needs work.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

from finsight.ingestion.records import RowIssue

DateParser = Callable[[str], date | None]

CENT = Decimal("0.01")
# Beyond any real balance; also keeps every value far inside Decimal's 28-digit context, so
# negation and quantize stay exact.
MAX_WHOLE_DIGITS = 15
# A text cell starting with one of these is a formula to a spreadsheet (CSV injection).
FORMULA_STARTS = frozenset("=+-@\t\r")
_STARTS_SHOWN = {"\t": "a tab", "\r": "a carriage return"}

_PLAIN = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")
_GROUPED = {
    ".": re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?"),
    ",": re.compile(r"[0-9]{1,3}(?:[. '\u00a0\u202f][0-9]{3})+(?:,[0-9]*)?"),
}
_GROUP_MARKS = re.compile(r"[. '\u00a0\u202f]")
_CURRENCY_SIGNS = str.maketrans("", "", "$€£¥")


def shown(value: str, limit: int = 40) -> str:
    """A cell quoted for a message, shortened so a runaway cell cannot flood the report."""
    return f"'{value if len(value) <= limit else value[: limit - 1] + '…'}'"


def parse_money(text: str, decimal_separator: str = ".") -> Decimal | None:
    """'1,234.56', '-$12.34', '$-12.34', '(12.34)', '12.34-', '12' -> Decimal; None if not money.

    Always at least two decimals, never negative zero.
    """
    value = text.strip()
    negative = False
    if value[:1] == "(" and value[-1:] == ")":
        negative, value = True, value[1:-1]
    value = value.translate(_CURRENCY_SIGNS).strip()
    if value[:1] in ("-", "+"):
        negative, value = negative ^ (value[0] == "-"), value[1:].lstrip()
    elif value[-1:] in ("-", "+"):
        negative, value = negative ^ (value[-1] == "-"), value[:-1].rstrip()
    if decimal_separator == ",":
        if _GROUPED[","].fullmatch(value):
            value = _GROUP_MARKS.sub("", value)
        value = value.replace(",", ".") if "." not in value else ""
    elif _GROUPED["."].fullmatch(value):
        value = value.replace(",", "")
    whole, _, fraction = value.partition(".")
    if not _PLAIN.fullmatch(value) or len(whole) > MAX_WHOLE_DIGITS or len(fraction) > 8:
        return None
    amount = Decimal(value)
    return normal_money(-amount if negative else amount)


def normal_money(amount: Decimal) -> Decimal:
    """At least two decimals ('25' -> 25.00) and no negative zero ('-0.00' -> 0.00)."""
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent > -2:
        amount = amount.quantize(CENT)
    return amount if amount else abs(amount)


def money_message(text: str, decimal_separator: str = ".") -> str:
    example = "-1234.56" if decimal_separator == "." else "-1234,56"
    return f"invalid amount {shown(text)}: expected a number like {example}"


def date_message(text: str, expected: str) -> str:
    if not text.strip():
        return f"empty cell: expected a date {expected}"
    return f"invalid date {shown(text)}: expected {expected}"


def _year(digits: str) -> int | None:
    if len(digits) == 4:
        return int(digits)
    if len(digits) == 2:
        # The POSIX/strptime %y pivot: 69-99 are 1969-1999, 00-68 are 2000-2068.
        return int(digits) + (1900 if int(digits) >= 69 else 2000)
    return None


def us_date(text: str) -> date | None:
    """MM/DD/YYYY, M/D/YYYY, MM/DD/YY and MM-DD-YYYY (US order, always)."""
    parts = text.strip().replace("-", "/").split("/")
    if len(parts) != 3 or not all(part.isascii() and part.isdigit() for part in parts):
        return None
    year = _year(parts[2])
    if year is None or len(parts[0]) > 2 or len(parts[1]) > 2:
        return None
    try:
        return date(year, int(parts[0]), int(parts[1]))
    except ValueError:
        return None


def iso_date(text: str) -> date | None:
    value = text.strip()
    if len(value) != 10 or not value.isascii():
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def strptime_date(date_format: str) -> DateParser:
    def parse(text: str) -> date | None:
        try:
            return datetime.strptime(text.strip(), date_format).date()
        except ValueError:
            return None

    return parse


class DateCache:
    """Statement dates repeat a lot: parse each distinct string once.

    Bounded, so a file of distinct garbage cannot grow it without limit.
    """

    __slots__ = ("known", "parse")

    def __init__(self, parse: DateParser) -> None:
        self.parse = parse
        self.known: dict[str, date] = {}

    def __call__(self, text: str) -> date | None:
        found = self.known.get(text)
        if found is None:
            found = self.parse(text)
            if found is not None:
                if len(self.known) >= 8192:
                    self.known.clear()
                self.known[text] = found
        return found


def text_warning(line: int, column: str, value: str) -> RowIssue:
    start = value[0]
    what = _STARTS_SHOWN.get(start, f"'{start}'")
    return RowIssue(line, column, f"cell starts with {what}: kept as text; exports neutralize it")
