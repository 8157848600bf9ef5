"""Spending by merchant: the top merchants of the period by money out, how many purchases, the
total, and the change against the previous period. Merchants go by their display name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from finsight.reports.kinds.common import Context, merchant_name, with_merchants
from finsight.reports.model import Chart, Column, Document, Figure, Series, Table, change_percent


@dataclass
class MerchantLine:
    name: str
    currency: str
    count: int
    total: Decimal
    previous: Decimal

    @property
    def change(self) -> Decimal:
        return self.total - self.previous


@dataclass
class MerchantSpending:
    lines: list[MerchantLine]  # the top ones per currency, largest first
    totals: dict[str, tuple[int, Decimal]]  # every merchant: (count, spending) per currency


def _spending(ctx: Context, start: date, end: date) -> dict[tuple[str, str], tuple[int, Decimal]]:
    base = ctx.counted(start, end)
    name = merchant_name(base)
    rows = ctx.session.execute(
        select(name, base.c.currency, func.count(), -func.sum(base.c.amount))
        .select_from(with_merchants(base))
        .where(base.c.amount < 0)
        .group_by(name, base.c.currency)
    )
    return {(str(n), c): (int(count), Decimal(total)) for n, c, count, total in rows}


def compute(ctx: Context) -> MerchantSpending:
    period = ctx.period
    now = _spending(ctx, period.start, period.end)
    before = _spending(ctx, period.previous_start, period.previous_end)
    totals: dict[str, tuple[int, Decimal]] = {}
    for (_, currency), (count, total) in now.items():
        known = totals.get(currency, (0, Decimal(0)))
        totals[currency] = (known[0] + count, known[1] + total)
    lines: list[MerchantLine] = []
    for currency in sorted(totals):
        mine = sorted(
            ((name, count, total) for (name, c), (count, total) in now.items() if c == currency),
            key=lambda item: (-item[2], item[0]),
        )[: ctx.filters.top]
        lines += [
            MerchantLine(
                name, currency, count, total, before.get((name, currency), (0, Decimal(0)))[1]
            )
            for name, count, total in mine
        ]
    return MerchantSpending(lines, totals)


def document(ctx: Context) -> Document:
    data = compute(ctx)
    doc = ctx.document()
    for currency, (count, total) in sorted(data.totals.items()):
        doc.figures += [
            Figure("Spending", total, currency),
            Figure("Purchases", Decimal(count)),
        ]
    doc.tables.append(
        Table(
            "merchants",
            f"Top {ctx.filters.top} merchants by spending",
            [
                Column("merchant", "Merchant"),
                Column("currency", "Currency"),
                Column("count", "Purchases", "integer"),
                Column("total", "Total", "money"),
                Column("previous", "Previous period", "money"),
                Column("change", "Change", "money"),
                Column("change_percent", "Change %", "percent"),
            ],
            [
                (
                    m.name,
                    m.currency,
                    m.count,
                    m.total,
                    m.previous,
                    m.change,
                    change_percent(m.total, m.previous),
                )
                for m in data.lines
            ],
        )
    )
    for currency in sorted(data.totals):
        top = [m for m in data.lines if m.currency == currency][:10]
        doc.charts.append(
            Chart(
                f"Top merchants ({currency})",
                currency,
                tuple(m.name for m in top),
                (Series("Spending", tuple(m.total for m in top)),),
            )
        )
    return doc
