"""The transactions ledger: every live transaction of the period that passes the filters (the
transaction list's), oldest first, with running totals per currency in the key figures."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy import select

from finsight.reports.kinds.common import Context, merchant_name, with_merchants
from finsight.reports.model import Cell, Column, Document, Figure, Table

COLUMNS = [
    Column("date", "Date", "date"),
    Column("account", "Account"),
    Column("merchant", "Merchant"),
    Column("description", "Description"),
    Column("category", "Category"),
    Column("currency", "Currency"),
    Column("amount", "Amount", "money"),
    Column("pending", "Pending"),
    Column("tags", "Tags"),
    Column("notes", "Notes"),
]


def document(ctx: Context) -> Document:
    period = ctx.period
    base = ctx.listed(period.start, period.end).subquery()
    names = ctx.account_names()
    paths = ctx.category_paths()
    rows: list[tuple[Cell, ...]] = []
    money_in: dict[str, Decimal] = defaultdict(Decimal)
    money_out: dict[str, Decimal] = defaultdict(Decimal)
    query = (
        select(
            base.c.transaction_date,
            base.c.account_id,
            merchant_name(base),
            base.c.description,
            base.c.category_id,
            base.c.currency,
            base.c.amount,
            base.c.pending,
            base.c.tags,
            base.c.notes,
        )
        .select_from(with_merchants(base))
        .order_by(base.c.transaction_date, base.c.id)
    )
    for (
        day,
        account_id,
        merchant,
        description,
        category_id,
        currency,
        amount,
        pending,
        tags,
        notes,
    ) in ctx.session.execute(query.execution_options(yield_per=5000)):
        rows.append(
            (
                day,
                names.get(account_id, ""),
                merchant,
                description,
                paths.get(category_id, "") if category_id else "",
                currency,
                amount,
                "yes" if pending else "",
                ";".join(tags or ()),
                notes or "",
            )
        )
        if amount > 0:
            money_in[currency] += amount
        else:
            money_out[currency] -= amount
    doc = ctx.document()
    for currency in sorted(set(money_in) | set(money_out)):
        doc.figures += [
            Figure("Money in", money_in[currency], currency),
            Figure("Money out", money_out[currency], currency),
        ]
    doc.figures.append(Figure("Transactions", Decimal(len(rows))))
    doc.tables.append(Table("transactions", "Transactions", list(COLUMNS), rows))
    return doc
