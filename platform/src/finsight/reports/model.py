"""What every report is made of, whatever its kind: the one set of numbers behind all formats.

Each kind computes its own dataclass (`kinds/`), then lays it out as a `Document`: key figures,
tables of typed columns and charts. The renderers (PDF, Excel, CSV, JSON, the HTML preview)
read only a Document, so the four formats cannot disagree. Money is a Decimal with its
currency in the same row: amounts in different currencies are never added together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

ColumnType = Literal["text", "date", "money", "integer", "percent"]
Cell = str | int | Decimal | date | None

KINDS = (
    "income_spending",
    "net_worth",
    "budget_actual",
    "merchants",
    "review",
    "ledger",
)
KIND_TITLES = {
    "income_spending": "Income and spending",
    "net_worth": "Net worth",
    "budget_actual": "Budget against actual",
    "merchants": "Spending by merchant",
    "review": "Period in review",
    "ledger": "Transactions",
}


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    type: ColumnType = "text"


@dataclass
class Table:
    """Rows of cells in column order. A money column's currency is the row's `currency`
    column (every table with money has one)."""

    name: str  # file and sheet name: lower_snake
    title: str
    columns: list[Column]
    rows: list[tuple[Cell, ...]] = field(default_factory=list)
    note: str | None = None
    # Set when the PDF shows only the first rows of a long table (the ledger).
    total_rows: int | None = None

    def column(self, key: str) -> int:
        return next(i for i, c in enumerate(self.columns) if c.key == key)


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[Decimal, ...]


@dataclass(frozen=True)
class Chart:
    """A bar (or line) chart of one currency: one value per label per series."""

    title: str
    currency: str
    labels: tuple[str, ...]
    series: tuple[Series, ...]
    kind: Literal["bar", "line"] = "bar"


@dataclass(frozen=True)
class Figure:
    """A key figure shown above the tables (and in the email's summary)."""

    label: str
    value: Decimal
    currency: str | None = None  # None: a count
    change: Decimal | None = None  # against the previous period


@dataclass
class Document:
    kind: str
    title: str
    organization: str
    period_label: str
    period_start: date
    period_end: date
    generated_at: datetime
    filters: dict[str, list[str]]
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def table(self, name: str) -> Table:
        return next(t for t in self.tables if t.name == name)


def change_percent(current: Decimal, previous: Decimal) -> Decimal | None:
    """Change against the previous period in percent (one decimal); None without a base."""
    if previous == 0:
        return None
    return ((current - previous) / abs(previous) * 100).quantize(Decimal("0.1"))
