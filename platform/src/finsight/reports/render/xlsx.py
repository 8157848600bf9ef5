"""The report as an Excel workbook (xlsxwriter): a Summary sheet, a sheet per table with real
dates and numbers in currency formats, frozen headers and an autofilter, and a Charts sheet
with native charts over its own data.

Written in constant_memory mode (row by row to temporary files), so a ledger of 100,000 rows
costs little more than xlsxwriter writing the same cells directly (bench/reports_bench.py).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from finsight.reports.model import Chart, Column, Document, Table

SYMBOLS = {
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "JPY": "¥",
    "CAD": "CA$",
    "AUD": "A$",
    "CHF": "CHF ",
    "INR": "₹",
    "CNY": "CN¥",
    "MXN": "MX$",
    "BRL": "R$",
}
ZERO_DECIMALS = frozenset({"JPY", "KRW", "CLP", "ISK", "VND"})
WIDTHS = {"text": 24, "date": 11, "money": 14, "integer": 10, "percent": 9}


def money_format(currency: str) -> str:
    digits = "#,##0" if currency in ZERO_DECIMALS else "#,##0.00"
    symbol = SYMBOLS.get(currency)
    shown = f'"{symbol}"{digits}' if symbol else f'{digits} "{currency}"'
    negative = f'-"{symbol}"{digits}' if symbol else f'-{digits} "{currency}"'
    return f"{shown};[Red]{negative}"


class _Formats:
    def __init__(self, book: Workbook) -> None:
        self.book = book
        self.header = book.add_format({"bold": True, "bg_color": "#F5F7FA", "bottom": 2})
        self.date = book.add_format({"num_format": "yyyy-mm-dd"})
        self.integer = book.add_format({"num_format": "#,##0"})
        self.percent = book.add_format({"num_format": '0.0"%"'})
        self.title = book.add_format({"bold": True, "font_size": 16})
        self.bold = book.add_format({"bold": True})
        self._money: dict[str, Format] = {}

    def money(self, currency: str) -> Format:
        known = self._money.get(currency)
        if known is None:
            known = self._money[currency] = self.book.add_format(
                {"num_format": money_format(currency or "XXX")}
            )
        return known


Writer = Callable[[Worksheet, int, int, Any, str], None]


def _writers(formats: _Formats, columns: list[Column]) -> list[Writer]:
    """One writer per column, chosen once per table (not per cell)."""

    def text(sheet: Worksheet, r: int, c: int, value: Any, _: str) -> None:
        if value is not None and value != "":
            # write_string: text is never parsed as a formula or a number.
            sheet.write_string(r, c, str(value))

    def day(sheet: Worksheet, r: int, c: int, value: Any, _: str) -> None:
        if isinstance(value, date):
            sheet.write_datetime(r, c, value, formats.date)

    def money(sheet: Worksheet, r: int, c: int, value: Any, currency: str) -> None:
        if value is not None:
            sheet.write_number(r, c, float(value), formats.money(currency))

    def integer(sheet: Worksheet, r: int, c: int, value: Any, _: str) -> None:
        if value is not None:
            sheet.write_number(r, c, int(value), formats.integer)

    def percent(sheet: Worksheet, r: int, c: int, value: Any, _: str) -> None:
        if value is not None:
            sheet.write_number(r, c, float(value), formats.percent)

    chosen = {"text": text, "date": day, "money": money, "integer": integer, "percent": percent}
    return [chosen[c.type] for c in columns]


def _sheet_name(title: str, taken: set[str]) -> str:
    base = "".join(ch for ch in title if ch not in "[]:*?/\\")[:28] or "Sheet"
    name, n = base, 2
    while name.lower() in taken:
        name, n = f"{base[:26]} {n}", n + 1
    taken.add(name.lower())
    return name


def _summary(book: Workbook, formats: _Formats, doc: Document, taken: set[str]) -> None:
    sheet = book.add_worksheet(_sheet_name("Summary", taken))
    sheet.set_column(0, 0, 34)
    sheet.set_column(1, 3, 16)
    sheet.write_string(0, 0, doc.title, formats.title)
    sheet.write_string(1, 0, doc.organization)
    sheet.write_string(2, 0, f"{doc.period_label}")
    sheet.write_datetime(2, 1, doc.period_start, formats.date)
    sheet.write_datetime(2, 2, doc.period_end, formats.date)
    row = 3
    for name, values in doc.filters.items():
        sheet.write_string(row, 0, f"{name.capitalize()}: {', '.join(values)}")
        row += 1
    for note in doc.notes:
        sheet.write_string(row, 0, note)
        row += 1
    row += 1
    for col, label in enumerate(("Figure", "Currency", "Value", "Change % vs previous")):
        sheet.write_string(row, col, label, formats.header)
    for figure in doc.figures:
        row += 1
        sheet.write_string(row, 0, figure.label)
        if figure.currency:
            sheet.write_string(row, 1, figure.currency)
            sheet.write_number(row, 2, float(figure.value), formats.money(figure.currency))
        else:
            sheet.write_number(row, 2, int(figure.value), formats.integer)
        if figure.change is not None:
            sheet.write_number(row, 3, float(figure.change), formats.percent)


def _table(book: Workbook, formats: _Formats, table: Table, taken: set[str]) -> None:
    sheet = book.add_worksheet(_sheet_name(table.title, taken))
    columns = table.columns
    for index, column in enumerate(columns):
        sheet.set_column(index, index, WIDTHS[column.type])
    sheet.freeze_panes(1, 0)
    for index, column in enumerate(columns):
        sheet.write_string(0, index, column.label, formats.header)
    sheet.autofilter(0, 0, max(len(table.rows), 1), len(columns) - 1)
    writers = _writers(formats, columns)
    has_currency = any(c.key == "currency" for c in columns)
    currency_at = table.column("currency") if has_currency else -1
    pairs = list(enumerate(writers))
    for r, row in enumerate(table.rows, start=1):
        currency = str(row[currency_at]) if currency_at >= 0 else ""
        for c, write in pairs:
            write(sheet, r, c, row[c], currency)
    if table.note:
        sheet.write_string(len(table.rows) + 2, 0, table.note)


def _charts(book: Workbook, formats: _Formats, charts: list[Chart], taken: set[str]) -> None:
    if not charts:
        return
    name = _sheet_name("Charts", taken)
    sheet = book.add_worksheet(name)
    sheet.set_column(0, 0, 22)
    row = 0
    for chart in charts:
        sheet.write_string(row, 0, chart.title, formats.bold)
        header = row + 1
        sheet.write_string(header, 0, "", formats.header)
        for s, series in enumerate(chart.series, start=1):
            sheet.write_string(header, s, series.name, formats.header)
        money = formats.money(chart.currency)
        for i, label in enumerate(chart.labels, start=header + 1):
            sheet.write_string(i, 0, label)
            for s, series in enumerate(chart.series, start=1):
                sheet.write_number(i, s, float(series.values[i - header - 1]), money)
        last = header + len(chart.labels)
        native = book.add_chart({"type": "line" if chart.kind == "line" else "column"})
        assert native is not None
        for s in range(1, len(chart.series) + 1):
            native.add_series(
                {
                    "name": [name, header, s],
                    "categories": [name, header + 1, 0, max(last, header + 1), 0],
                    "values": [name, header + 1, s, max(last, header + 1), s],
                }
            )
        native.set_title({"name": chart.title})
        native.set_size({"width": 720, "height": 300})
        sheet.insert_chart(row, len(chart.series) + 2, native)
        row = max(last + 2, row + 17)


def write(doc: Document, path: Path) -> None:
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "tmpdir": str(path.parent)})
    formats = _Formats(book)
    taken: set[str] = set()
    _summary(book, formats, doc, taken)
    for table in doc.tables:
        _table(book, formats, table, taken)
    _charts(book, formats, doc.charts, taken)
    book.close()


def render(doc: Document) -> bytes:
    with tempfile.TemporaryDirectory(prefix="finsight-xlsx-") as directory:
        path = Path(directory) / "report.xlsx"
        write(doc, path)
        return path.read_bytes()
