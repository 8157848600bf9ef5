"""The report as CSV: one file for a one-table report, else a zip of one CSV per table (and a
figures.csv). Numbers stay numbers ("-12.50"); every text cell a spreadsheet would run as a
formula is neutralized, as the transaction export does."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date
from decimal import Decimal

from finsight.accounts.money import format_money
from finsight.reports.model import Cell, Column, Document, Table
from finsight.transactions.export import neutralize


def _cell(value: Cell, column: Column) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        if column.type == "integer":
            return str(int(value))
        return format_money(value) if column.type == "money" else f"{value:f}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    return neutralize(str(value))


def table_csv(table: Table) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralize(c.label) for c in table.columns])
    columns = table.columns
    writer.writerows([_cell(v, c) for c, v in zip(columns, row, strict=True)] for row in table.rows)
    return buffer.getvalue().encode("utf-8")


def figures_csv(doc: Document) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["Figure", "Currency", "Value", "Change % vs previous period"])
    for f in doc.figures:
        writer.writerow(
            [
                neutralize(f.label),
                f.currency or "",
                format_money(f.value) if f.currency else str(int(f.value)),
                f"{f.change:f}" if f.change is not None else "",
            ]
        )
    return buffer.getvalue().encode("utf-8")


def is_zip(doc: Document) -> bool:
    return len(doc.tables) != 1


def render(doc: Document) -> bytes:
    if not is_zip(doc):
        return table_csv(doc.tables[0])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("figures.csv", figures_csv(doc))
        for table in doc.tables:
            archive.writestr(f"{table.name}.csv", table_csv(table))
    return buffer.getvalue()
