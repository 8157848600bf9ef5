"""Budget against actual per category.

Budgets belong to the budgets domain (a layer below reports), read by `set_budgets`. When none
applies to the period, the average monthly spending of the months before it stands in for each
category's budget, and the report says so.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from finsight.budgets.service import limits_for_month
from finsight.reports.kinds.common import Context, cents, money_out
from finsight.reports.model import Chart, Column, Document, Figure, Series, Table
from finsight.reports.periods import month_buckets

AVERAGE_MONTHS = 6


def set_budgets(ctx: Context) -> dict[tuple[str, str], Decimal] | None:
    """The period's budget per (top-level category key, currency), or None when no budget
    applies to it: the budgets domain's monthly limit (with what rolled over) of every
    calendar month the period touches, a subcategory's budget counted in its top category."""
    amounts: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    month = date(ctx.period.start.year, ctx.period.start.month, 1)
    while month <= ctx.period.end:
        for limit in limits_for_month(ctx.session, month):
            key, _ = ctx.top_category(limit.category_id)
            amounts[(key, limit.currency)] += limit.limit
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return dict(amounts) or None


@dataclass
class Line:
    key: str
    label: str
    currency: str
    budget: Decimal
    actual: Decimal

    @property
    def remaining(self) -> Decimal:
        return self.budget - self.actual

    @property
    def used_percent(self) -> Decimal | None:
        if self.budget == 0:
            return None
        return (self.actual / self.budget * 100).quantize(Decimal("0.1"))


@dataclass
class BudgetActual:
    lines: list[Line]
    from_budgets: bool
    average_from: date
    average_to: date


def _spending(ctx: Context, start: date, end: date) -> dict[tuple[str, str], tuple[str, Decimal]]:
    base = ctx.counted(start, end)
    out: dict[tuple[str, str], tuple[str, Decimal]] = {}
    for category_id, currency, spending in ctx.session.execute(
        select(base.c.category_id, base.c.currency, money_out(base.c.amount)).group_by(
            base.c.category_id, base.c.currency
        )
    ):
        key, label = ctx.top_category(category_id)
        _, known = out.get((key, currency), (label, Decimal(0)))
        out[(key, currency)] = (label, known + spending)
    return out


def compute(ctx: Context) -> BudgetActual:
    period = ctx.period
    actual = _spending(ctx, period.start, period.end)
    first = period.start.year * 12 + period.start.month - 1 - AVERAGE_MONTHS
    earlier = month_buckets(first, AVERAGE_MONTHS, period.start.day)
    average_from, average_to = earlier[0].start, earlier[-1].end
    budgets = set_budgets(ctx)
    labels = {key: label for key, (label, _) in actual.items()}
    amounts: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    if budgets is None:
        for key, (label, spent) in _spending(ctx, average_from, average_to).items():
            labels.setdefault(key, label)
            amounts[key] = cents(spent / AVERAGE_MONTHS * period.months)
    else:
        amounts.update(budgets)
    lines = [
        Line(
            key[0],
            labels.get(key, key[0]),
            key[1],
            amounts.get(key, Decimal(0)),
            actual.get(key, ("", Decimal(0)))[1],
        )
        for key in set(actual) | set(amounts)
        if key in labels
    ]
    lines = [line for line in lines if line.budget or line.actual]
    lines.sort(key=lambda line: (line.currency, -line.actual, line.label))
    return BudgetActual(lines, budgets is not None, average_from, average_to)


def document(ctx: Context) -> Document:
    data = compute(ctx)
    doc = ctx.document()
    if not data.from_budgets:
        doc.notes.append(
            "No budgets are set: each category's budget is its average monthly spending "
            f"from {data.average_from.isoformat()} to {data.average_to.isoformat()} "
            f"({AVERAGE_MONTHS} months), times the {ctx.period.months} month(s) of the period."
        )
    totals: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for line in data.lines:
        totals[line.currency][0] += line.budget
        totals[line.currency][1] += line.actual
    for currency, (budget, spent) in sorted(totals.items()):
        doc.figures += [
            Figure("Budget" if data.from_budgets else "Average (budget)", budget, currency),
            Figure("Spent", spent, currency),
            Figure("Remaining", budget - spent, currency),
        ]
    doc.tables.append(
        Table(
            "categories",
            "Budget against actual by category",
            [
                Column("category", "Category"),
                Column("currency", "Currency"),
                Column("budget", "Budget" if data.from_budgets else "Average (budget)", "money"),
                Column("actual", "Actual", "money"),
                Column("remaining", "Remaining", "money"),
                Column("used_percent", "Used %", "percent"),
            ],
            [
                (
                    line.label,
                    line.currency,
                    line.budget,
                    line.actual,
                    line.remaining,
                    line.used_percent,
                )
                for line in data.lines
            ],
        )
    )
    for currency in sorted(totals):
        mine = [line for line in data.lines if line.currency == currency][:12]
        doc.charts.append(
            Chart(
                f"Budget against actual ({currency})",
                currency,
                tuple(line.label for line in mine),
                (
                    Series("Budget", tuple(line.budget for line in mine)),
                    Series("Actual", tuple(line.actual for line in mine)),
                ),
            )
        )
    return doc
