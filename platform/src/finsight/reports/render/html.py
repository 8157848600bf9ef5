"""The report as HTML, from the Jinja2 template in `reports/templates`: the dashboard's preview
and the source of the PDF (print CSS: the organization, the period and page numbers on every
page)."""

from __future__ import annotations

import functools
from dataclasses import replace
from datetime import date
from decimal import Decimal

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from finsight.reports.model import Cell, Chart, Document, Table
from finsight.reports.render import svg

# A PDF of tens of thousands of rows takes minutes to lay out and is read by no one: the PDF
# (and the preview) shows this many rows of a table, and says where the rest are.
MAX_PRINTED_ROWS = 1000


def money_text(value: Decimal) -> str:
    return f"{value:,.2f}"


def _cell(value: Cell, kind: str) -> str:
    if value is None:
        return ""
    if kind == "money" and isinstance(value, Decimal):
        return money_text(value)
    if kind == "percent" and isinstance(value, Decimal):
        return f"{value:+.1f}%"
    if kind == "integer" and isinstance(value, int | Decimal):
        return f"{int(value):,}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _cell_class(kind: str, value: Cell) -> str:
    if kind not in ("money", "integer", "percent"):
        return ""
    negative = isinstance(value, Decimal | int) and value < 0
    return "num neg" if negative and kind == "money" else "num"


def _figure(value: Decimal, currency: str | None) -> str:
    return money_text(value) if currency else f"{int(value):,}"


def _signed(value: Decimal) -> str:
    return f"{value:+.1f}"


def _svg(chart: Chart) -> Markup:
    return Markup(svg.render(chart))  # noqa: S704 - built from escaped parts in svg.render


@functools.cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("finsight.reports", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(cell=_cell, cell_class=_cell_class, figure=_figure, signed=_signed, svg=_svg)
    return env


def printed(table: Table) -> Table:
    """The table as printed: at most MAX_PRINTED_ROWS rows, knowing how many there are."""
    if len(table.rows) <= MAX_PRINTED_ROWS:
        return table
    return replace(table, rows=table.rows[:MAX_PRINTED_ROWS], total_rows=len(table.rows))


def render(doc: Document) -> str:
    template = environment().get_template("report.html")
    return template.render(doc=doc, tables=[printed(t) for t in doc.tables])
