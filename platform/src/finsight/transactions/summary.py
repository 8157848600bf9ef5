"""Income and spending totals per month or per category, for dashboards and reports.

What counts: live transactions that are not excluded from reports, not one side of a detected
transfer, and not in a category of kind `transfer` (a card payment is neither income nor
spending). Income is the sum of money in, spending the sum of money out (as a positive number),
less the money that came back in a spending category: a refund in Shopping reduces Shopping's
spending instead of counting as income.
Totals are per currency: amounts in different currencies are never added together.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from finsight.categories.tree import load_tree
from finsight.transactions import query as q
from finsight.transactions.models import Transaction
from finsight.transactions.service import prepare_filter

GroupBy = Literal["month", "category"]
UNCATEGORIZED = "Uncategorized"


@dataclass
class Total:
    key: str  # "2026-03" for a month; a category id, or "" for uncategorized
    label: str
    currency: str
    income: Decimal = Decimal(0)
    spending: Decimal = Decimal(0)
    count: int = 0

    @property
    def net(self) -> Decimal:
        return self.income - self.spending


def _counted(
    query: Select[Transaction], transfer_categories: list[uuid.UUID]
) -> Select[Transaction]:
    query = query.where(Transaction.excluded.is_(False), Transaction.transfer_id.is_(None))
    if transfer_categories:
        query = query.where(
            or_(
                Transaction.category_id.is_(None),
                Transaction.category_id.not_in(transfer_categories),
            )
        )
    return query


def counted(session: Session, where: q.TransactionFilter) -> Select[Transaction]:
    """The filtered transactions that count as income or spending (the rules above): what
    this summary and the reports domain add up, so the two always agree."""
    transfer_categories = [node.id for node in load_tree(session) if node.kind == "transfer"]
    return _counted(q.filtered(prepare_filter(session, where)), transfer_categories)


def summarize(
    session: Session, where: q.TransactionFilter, group_by: GroupBy, *, rollup: bool = True
) -> list[Total]:
    """Totals in key order (months ascending; categories by spending, largest first).

    With `rollup`, subcategories count towards their top-level category."""
    tree = load_tree(session)
    transfer_categories = [node.id for node in tree if node.kind == "transfer"]
    expense_categories = [node.id for node in tree if node.kind == "expense"]
    base = _counted(q.filtered(prepare_filter(session, where)), transfer_categories).subquery()
    refund = and_(
        base.c.amount > 0,
        base.c.category_id.is_not(None),
        base.c.category_id.in_(expense_categories),
    )
    money_in = func.coalesce(func.sum(base.c.amount).filter(base.c.amount > 0, ~refund), 0)
    money_out = func.coalesce(-func.sum(base.c.amount).filter(or_(base.c.amount < 0, refund)), 0)
    if group_by == "month":
        month = func.to_char(base.c.transaction_date, "YYYY-MM")
        rows = session.execute(
            select(month, base.c.currency, money_in, money_out, func.count())
            .group_by(month, base.c.currency)
            .order_by(month, base.c.currency)
        )
        return [
            Total(key=key, label=key, currency=cur, income=inc, spending=out, count=n)
            for key, cur, inc, out, n in rows
        ]

    rows = session.execute(
        select(base.c.category_id, base.c.currency, money_in, money_out, func.count()).group_by(
            base.c.category_id, base.c.currency
        )
    )
    nodes = {node.id: node for node in tree}
    totals: dict[tuple[str, str], Total] = {}
    for category_id, currency, income, spending, count in rows:
        node = nodes.get(category_id) if category_id else None
        if node is not None and rollup:
            while node.parent_id is not None and node.parent_id in nodes:
                node = nodes[node.parent_id]
        key = str(node.id) if node else ""
        label = " > ".join(node.path) if node else UNCATEGORIZED
        total = totals.setdefault((key, currency), Total(key=key, label=label, currency=currency))
        total.income += income
        total.spending += spending
        total.count += count
    by_currency: dict[str, list[Total]] = defaultdict(list)
    for total in totals.values():
        by_currency[total.currency].append(total)
    return [
        total
        for currency in sorted(by_currency)
        for total in sorted(by_currency[currency], key=lambda t: (-t.spending, -t.income, t.label))
    ]
