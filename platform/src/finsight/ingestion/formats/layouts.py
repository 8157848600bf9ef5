"""Layouts: which header names a CSV format has, and what each column means.

A bank CSV (Chase, Discover, Capital One) is a fixed Layout; a mapped CSV builds one from the
account's ColumnMapping. Roles are the engine's names for columns (see tabular.ROLES).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from finsight.ingestion.formats.values import DateParser, us_date
from finsight.ingestion.records import FORMAT_TITLES

AmountRule = Literal["signed", "flipped", "debit_credit", "by_type"]


def normal_name(header: str) -> str:
    return " ".join(header.split()).casefold()


@dataclass(frozen=True)
class Layout:
    format: str
    institution: str | None
    columns: dict[str, str]  # role -> header as the file writes it
    optional: frozenset[str] = frozenset()  # roles whose column may be absent
    amount_rule: AmountRule = "signed"
    date_parser: DateParser = us_date
    date_expected: str = "MM/DD/YYYY"
    ordered: bool = False  # the header must keep this order (two layouts share the names)
    delimiter: str = ","
    quotechar: str = '"'
    decimal_separator: str = "."
    title: str = ""
    labels: dict[str, str] = field(default_factory=dict)  # role -> how messages name it

    @property
    def name(self) -> str:
        return self.title or FORMAT_TITLES[self.format]

    def header_text(self) -> str:
        return ",".join(dict.fromkeys(self.columns.values()))

    def matches(self, header: list[str]) -> bool:
        """Whether a header line (normalized names, trailing blanks dropped) is this layout's."""
        known = list(dict.fromkeys(map(normal_name, self.columns.values())))
        found = set(header)
        if len(found) != len(header) or not found <= set(known):
            return False
        required = {normal_name(n) for r, n in self.columns.items() if r not in self.optional}
        if not required <= found:
            return False
        return not self.ordered or [name for name in known if name in found] == header


def header_cells(cells: list[str]) -> list[str]:
    names = [normal_name(cell) for cell in cells]
    while names and not names[-1]:
        names.pop()
    return names
