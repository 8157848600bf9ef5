"""How an unknown CSV is written: its separator, its quote character and its decimal mark.

Guessed from the first lines, so that a German bank's `Buchungstag;Verwendungszweck;Betrag`
with `-10,99` shows as three columns of amounts in the mapping editor, not one column holding
the whole header. The person can change each guess; the mapping then keeps what they chose.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

DELIMITERS = (",", ";", "\t", "|")
QUOTECHARS = ('"', "'")
LINES_READ = 30

# An amount written with a comma as its decimal mark ("-10,99", "1.234,56"), or a point.
_COMMA_DECIMAL = re.compile(r"[-+]?\d{1,3}(?:\.\d{3})*,\d{1,2}|[-+]?\d+,\d{1,2}")
_POINT_DECIMAL = re.compile(r"[-+]?\$?\d{1,3}(?:,\d{3})*\.\d{1,2}|[-+]?\$?\d+\.\d{1,2}")


@dataclass(frozen=True)
class Dialect:
    delimiter: str = ","
    quotechar: str = '"'
    decimal_separator: str = "."


def sniff_dialect(text: str, *, skip_rows: int = 0) -> Dialect:
    """The likeliest dialect of a CSV's text (its first lines are enough)."""
    lines = [line for line in text.splitlines() if line.strip()][skip_rows:][:LINES_READ]
    if not lines:
        return Dialect()
    best: tuple[tuple[float, int, int], Dialect] | None = None
    for quotechar in QUOTECHARS:
        for priority, delimiter in enumerate(DELIMITERS):
            rows = split_lines(lines, delimiter, quotechar)
            if not rows or len(rows[0]) < 2:
                continue
            # Ties go to the double quote, then to the earlier separator in DELIMITERS.
            score = (_consistency(rows), int(quotechar == '"'), -priority)
            dialect = Dialect(delimiter, quotechar, _decimal_mark(rows[1:], delimiter))
            if best is None or score > best[0]:
                best = (score, dialect)
    return best[1] if best else Dialect()


def split_lines(lines: list[str], delimiter: str, quotechar: str = '"') -> list[list[str]]:
    reader = csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter, quotechar=quotechar)
    try:
        return [[cell.strip() for cell in row] for row in reader]
    except csv.Error:
        return []


def _consistency(rows: list[list[str]]) -> float:
    """How well the split holds: the share of rows with the header's number of cells, weighted
    by how many cells that is (a split into one column is no split)."""
    if not rows or len(rows[0]) < 2:
        return 0.0
    width = len(rows[0])
    agreeing = sum(1 for row in rows if len(row) == width)
    return agreeing / len(rows) * min(width, 12)


def _decimal_mark(rows: list[list[str]], delimiter: str) -> str:
    """',' when the amounts are written with decimal commas. A comma-separated file keeps '.'
    (a mapping cannot have the same character for both)."""
    if delimiter == ",":
        return "."
    commas = points = 0
    for row in rows:
        for cell in row:
            if _COMMA_DECIMAL.fullmatch(cell):
                commas += 1
            elif _POINT_DECIMAL.fullmatch(cell):
                points += 1
    return "," if commas > points else "."
