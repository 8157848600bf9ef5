"""Period in review (a month, a quarter, a year): totals against the previous period, the biggest
changes by category, recurring charges and what they cost a year, anomalies, and the largest
transactions. Recurring charges and anomalies are what analytics found (its stored results)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from finsight.analytics.anomalies.service import list_anomalies
from finsight.analytics.models import AnomalyRecord, RecurringStreamRecord
from finsight.analytics.recurring import monthly_subscription_total
from finsight.analytics.service import recurring_streams
from finsight.reports.kinds import income_spending
from finsight.reports.kinds.common import Context, merchant_name, with_merchants
from finsight.reports.model import Chart, Column, Document, Figure, Series, Table, change_percent

MAX_ANOMALIES = 50
BIGGEST_CHANGES = 10


@dataclass
class Largest:
    day: date
    merchant: str
    account: str
    category: str
    amount: Decimal
    currency: str


@dataclass
class Review:
    flows: income_spending.IncomeSpending
    recurring: list[tuple[RecurringStreamRecord, Decimal]]  # with the yearly cost
    anomalies: list[AnomalyRecord]
    largest: list[Largest]


def yearly_cost(stream: RecurringStreamRecord) -> Decimal:
    """What a recurring charge costs a year, by analytics' own monthly figure."""
    return abs(monthly_subscription_total([stream])) * 12


def compute(ctx: Context) -> Review:
    period = ctx.period
    flows = income_spending.compute(ctx)
    streams = [
        (s, yearly_cost(s))
        for s in recurring_streams(ctx.session, direction="expense")
        if s.status != "cancelled"
        and (not ctx.filters.account_ids or s.account_id in ctx.filters.account_ids)
    ]
    streams.sort(key=lambda item: (item[0].currency, -item[1], item[0].merchant))
    anomalies = [
        a
        for a in list_anomalies(
            ctx.session, date_from=period.start, date_to=period.end, limit=MAX_ANOMALIES * 2
        )
        if a.status != "dismissed"
        and (not ctx.filters.account_ids or a.account_id in ctx.filters.account_ids)
    ][:MAX_ANOMALIES]
    base = ctx.counted(period.start, period.end)
    names = ctx.account_names()
    paths = ctx.category_paths()
    largest = [
        Largest(
            day,
            str(name),
            names.get(account_id, ""),
            paths.get(category_id, "") if category_id else "",
            amount,
            currency,
        )
        for day, name, account_id, category_id, amount, currency in ctx.session.execute(
            select(
                base.c.transaction_date,
                merchant_name(base),
                base.c.account_id,
                base.c.category_id,
                base.c.amount,
                base.c.currency,
            )
            .select_from(with_merchants(base))
            .where(base.c.amount < 0)
            .order_by(base.c.amount, base.c.transaction_date, base.c.id)
            .limit(ctx.filters.top)
        )
    ]
    return Review(flows, streams, anomalies, largest)


def document(ctx: Context) -> Document:
    data = compute(ctx)
    doc = income_spending.document_from(ctx, data.flows, detailed=False)
    changes = sorted(
        data.flows.categories,
        key=lambda line: (-abs(line.total.net - line.previous.net), line.label),
    )[:BIGGEST_CHANGES]
    doc.tables.append(
        Table(
            "biggest_changes",
            "Biggest changes against the previous period",
            [
                Column("category", "Category"),
                Column("currency", "Currency"),
                Column("net", "This period (net)", "money"),
                Column("previous_net", "Previous period (net)", "money"),
                Column("change", "Change", "money"),
                Column("change_percent", "Change %", "percent"),
            ],
            [
                (
                    line.label,
                    line.currency,
                    line.total.net,
                    line.previous.net,
                    line.total.net - line.previous.net,
                    change_percent(line.total.net, line.previous.net),
                )
                for line in changes
            ],
        )
    )
    doc.tables.append(
        Table(
            "recurring",
            "Recurring charges and what they cost a year",
            [
                Column("merchant", "Merchant"),
                Column("cadence", "Cadence"),
                Column("currency", "Currency"),
                Column("last_amount", "Last amount", "money"),
                Column("yearly_cost", "Yearly cost", "money"),
                Column("next_date", "Next", "date"),
            ],
            [
                (s.merchant, s.cadence, s.currency, abs(s.last_amount), cost, s.next_date)
                for s, cost in data.recurring
            ],
            note=None if data.recurring else "Analytics has found no recurring charges.",
        )
    )
    yearly: dict[str, Decimal] = {}
    for stream, cost in data.recurring:
        yearly[stream.currency] = yearly.get(stream.currency, Decimal(0)) + cost
    for currency, cost in sorted(yearly.items()):
        doc.figures.append(Figure("Recurring charges a year", cost, currency))
    doc.tables.append(
        Table(
            "anomalies",
            "Anomalies",
            [
                Column("date", "Date", "date"),
                Column("kind", "Kind"),
                Column("merchant", "Merchant"),
                Column("currency", "Currency"),
                Column("amount", "Amount", "money"),
                Column("reason", "Reason"),
            ],
            [
                (a.occurred_on, a.kind, a.merchant or "", a.currency or "", a.amount, a.reason)
                for a in data.anomalies
            ],
            note=None if data.anomalies else "No anomalies in this period.",
        )
    )
    doc.tables.append(
        Table(
            "largest",
            "Largest transactions",
            [
                Column("date", "Date", "date"),
                Column("merchant", "Merchant"),
                Column("account", "Account"),
                Column("category", "Category"),
                Column("currency", "Currency"),
                Column("amount", "Amount", "money"),
            ],
            [
                (t.day, t.merchant, t.account, t.category, t.currency, t.amount)
                for t in data.largest
            ],
        )
    )
    for currency in sorted({line.currency for line in changes}):
        mine = [line for line in changes if line.currency == currency]
        doc.charts.append(
            Chart(
                f"Biggest changes ({currency})",
                currency,
                tuple(line.label for line in mine),
                (
                    Series("This period", tuple(line.total.net for line in mine)),
                    Series("Previous period", tuple(line.previous.net for line in mine)),
                ),
            )
        )
    return doc
