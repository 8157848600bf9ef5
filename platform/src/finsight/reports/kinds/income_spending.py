"""Income and spending by category by month (a cash-flow statement), with totals and the change
against the previous period. The same counting as GET /api/transactions/summary."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select

from finsight.reports.kinds.common import Context, bucket_of, money_in, money_out
from finsight.reports.model import Chart, Column, Document, Figure, Series, Table, change_percent


@dataclass
class Flow:
    income: Decimal = Decimal(0)
    spending: Decimal = Decimal(0)
    count: int = 0

    @property
    def net(self) -> Decimal:
        return self.income - self.spending

    def add(self, income: Decimal, spending: Decimal, count: int) -> None:
        self.income += income
        self.spending += spending
        self.count += count


@dataclass
class CategoryLine:
    key: str
    label: str
    currency: str
    months: dict[str, Flow] = field(default_factory=lambda: defaultdict(Flow))
    total: Flow = field(default_factory=Flow)
    previous: Flow = field(default_factory=Flow)


@dataclass
class IncomeSpending:
    month_labels: list[str]
    # (month, currency) -> flow; currencies sorted
    months: dict[tuple[str, str], Flow]
    categories: list[CategoryLine]
    totals: dict[str, Flow]
    previous: dict[str, Flow]


def compute(ctx: Context) -> IncomeSpending:
    period = ctx.period
    base = ctx.counted(period.start, period.end)
    bucket = bucket_of(base.c.transaction_date, period.buckets)
    rows = ctx.session.execute(
        select(
            bucket,
            base.c.category_id,
            base.c.currency,
            money_in(base.c.amount),
            money_out(base.c.amount),
            func.count(),
        ).group_by(bucket, base.c.category_id, base.c.currency)
    )
    months: dict[tuple[str, str], Flow] = defaultdict(Flow)
    lines: dict[tuple[str, str], CategoryLine] = {}
    totals: dict[str, Flow] = defaultdict(Flow)
    for month, category_id, currency, income, spending, count in rows:
        key, label = ctx.top_category(category_id)
        line = lines.setdefault((key, currency), CategoryLine(key, label, currency))
        line.months[month].add(income, spending, count)
        line.total.add(income, spending, count)
        months[(month, currency)].add(income, spending, count)
        totals[currency].add(income, spending, count)

    before = ctx.counted(period.previous_start, period.previous_end)
    previous: dict[str, Flow] = defaultdict(Flow)
    for category_id, currency, income, spending, count in ctx.session.execute(
        select(
            before.c.category_id,
            before.c.currency,
            money_in(before.c.amount),
            money_out(before.c.amount),
            func.count(),
        ).group_by(before.c.category_id, before.c.currency)
    ):
        key, label = ctx.top_category(category_id)
        line = lines.setdefault((key, currency), CategoryLine(key, label, currency))
        line.previous.add(income, spending, count)
        previous[currency].add(income, spending, count)

    ordered = sorted(
        lines.values(),
        key=lambda c: (c.currency, -c.total.spending, -c.total.income, c.label),
    )
    return IncomeSpending(
        month_labels=[b.label for b in period.buckets],
        months=dict(months),
        categories=ordered,
        totals=dict(totals),
        previous=dict(previous),
    )


def document(ctx: Context) -> Document:
    return document_from(ctx, compute(ctx))


def document_from(ctx: Context, data: IncomeSpending, *, detailed: bool = True) -> Document:
    """Key figures, totals, months and a chart; with `detailed`, the category-by-month table."""
    doc = ctx.document()
    currencies = sorted(set(data.totals) | set(data.previous))
    for currency in currencies:
        now = data.totals.get(currency, Flow())
        before = data.previous.get(currency, Flow())
        doc.figures += [
            Figure("Income", now.income, currency, change_percent(now.income, before.income)),
            Figure(
                "Spending", now.spending, currency, change_percent(now.spending, before.spending)
            ),
            Figure("Net", now.net, currency, change_percent(now.net, before.net)),
        ]
    doc.tables.append(
        Table(
            "totals",
            "Totals against the previous period",
            [
                Column("currency", "Currency"),
                Column("income", "Income", "money"),
                Column("spending", "Spending", "money"),
                Column("net", "Net", "money"),
                Column("previous_income", "Previous income", "money"),
                Column("previous_spending", "Previous spending", "money"),
                Column("previous_net", "Previous net", "money"),
                Column("spending_change", "Spending change", "money"),
                Column("spending_change_percent", "Spending change %", "percent"),
            ],
            [
                (
                    c,
                    (n := data.totals.get(c, Flow())).income,
                    n.spending,
                    n.net,
                    (p := data.previous.get(c, Flow())).income,
                    p.spending,
                    p.net,
                    n.spending - p.spending,
                    change_percent(n.spending, p.spending),
                )
                for c in currencies
            ],
        )
    )
    doc.tables.append(
        Table(
            "months",
            "Income and spending by month",
            [
                Column("month", "Month"),
                Column("currency", "Currency"),
                Column("income", "Income", "money"),
                Column("spending", "Spending", "money"),
                Column("net", "Net", "money"),
                Column("count", "Transactions", "integer"),
            ],
            [
                (m, c, f.income, f.spending, f.net, f.count)
                for c in currencies
                for m in data.month_labels
                if (f := data.months.get((m, c))) is not None
            ],
        )
    )
    month_columns = [Column(f"m_{m}", m, "money") for m in data.month_labels]
    if detailed:
        _category_table(doc, data, month_columns)
    _charts(doc, data, currencies)
    return doc


def _category_table(doc: Document, data: IncomeSpending, month_columns: list[Column]) -> None:
    doc.tables.append(
        Table(
            "categories",
            "By category and month (net: income positive, spending negative)",
            [
                Column("category", "Category"),
                Column("currency", "Currency"),
                *month_columns,
                Column("income", "Income", "money"),
                Column("spending", "Spending", "money"),
                Column("net", "Net", "money"),
                Column("previous_net", "Previous net", "money"),
                Column("change", "Change", "money"),
            ],
            [
                (
                    line.label,
                    line.currency,
                    *(
                        line.months[m].net if m in line.months else Decimal(0)
                        for m in data.month_labels
                    ),
                    line.total.income,
                    line.total.spending,
                    line.total.net,
                    line.previous.net,
                    line.total.net - line.previous.net,
                )
                for line in data.categories
            ],
        )
    )


def _charts(doc: Document, data: IncomeSpending, currencies: list[str]) -> None:
    for currency in currencies:
        doc.charts.append(
            Chart(
                f"Income and spending by month ({currency})",
                currency,
                tuple(data.month_labels),
                (
                    Series(
                        "Income",
                        tuple(
                            data.months.get((m, currency), Flow()).income for m in data.month_labels
                        ),
                    ),
                    Series(
                        "Spending",
                        tuple(
                            data.months.get((m, currency), Flow()).spending
                            for m in data.month_labels
                        ),
                    ),
                ),
            )
        )
