"""Net worth over time: each account's balance at the end of each month of the period, and per
currency the assets, the debts and the total.

A balance is computed as the account's own current balance is (accounts.service): the opening
balance plus every live transaction up to that day. Credit cards and loans are debts (what is
owed, as a positive figure); every other account is an asset.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select

from finsight.accounts.models import Account
from finsight.reports.kinds.common import Context, bucket_of
from finsight.reports.model import Chart, Column, Document, Figure, Series, Table, change_percent
from finsight.transactions.models import Transaction

DEBT_TYPES = frozenset({"credit_card", "loan"})


@dataclass
class AccountBalances:
    id: uuid.UUID
    name: str
    type: str
    currency: str
    balances: list[Decimal] = field(default_factory=list)  # at each month's end

    @property
    def is_debt(self) -> bool:
        return self.type in DEBT_TYPES


@dataclass
class Position:
    assets: Decimal = Decimal(0)
    debts: Decimal = Decimal(0)

    @property
    def total(self) -> Decimal:
        return self.assets - self.debts


@dataclass
class NetWorth:
    month_ends: list[str]
    accounts: list[AccountBalances]
    # currency -> one position per month end
    positions: dict[str, list[Position]]
    start_positions: dict[str, Position]  # the day before the period starts


def compute(ctx: Context) -> NetWorth:
    period = ctx.period
    accounts_query = select(Account).where(Account.deleted_at.is_(None))
    if ctx.filters.account_ids:
        accounts_query = accounts_query.where(Account.id.in_(ctx.filters.account_ids))
    accounts = list(ctx.session.scalars(accounts_query.order_by(Account.currency, Account.name)))
    ids = [a.id for a in accounts]
    live = (Transaction.deleted_at.is_(None), Transaction.account_id.in_(ids))
    before = dict(
        ctx.session.execute(
            select(Transaction.account_id, func.sum(Transaction.amount))
            .where(*live, Transaction.transaction_date < period.start)
            .group_by(Transaction.account_id)
        ).all()
    )
    bucket = bucket_of(Transaction.transaction_date, period.buckets)
    moves: dict[tuple[uuid.UUID, str], Decimal] = {
        (account_id, label): amount
        for account_id, label, amount in ctx.session.execute(
            select(Transaction.account_id, bucket, func.sum(Transaction.amount))
            .where(
                *live,
                Transaction.transaction_date >= period.start,
                Transaction.transaction_date <= period.end,
            )
            .group_by(Transaction.account_id, bucket)
        )
    }
    labels = [b.end.isoformat() for b in period.buckets]
    positions: dict[str, list[Position]] = defaultdict(lambda: [Position() for _ in period.buckets])
    start_positions: dict[str, Position] = defaultdict(Position)
    rows = []
    for account in accounts:
        line = AccountBalances(account.id, account.name, account.type, account.currency)
        balance = account.opening_balance + before.get(account.id, Decimal(0))
        _place(start_positions[account.currency], line, balance)
        for index, b in enumerate(period.buckets):
            balance += moves.get((account.id, b.label), Decimal(0))
            line.balances.append(balance)
            _place(positions[account.currency][index], line, balance)
        rows.append(line)
    return NetWorth(labels, rows, dict(positions), dict(start_positions))


def _place(position: Position, line: AccountBalances, balance: Decimal) -> None:
    if line.is_debt:
        position.debts -= balance  # a card's balance is negative when money is owed
    else:
        position.assets += balance


def document(ctx: Context) -> Document:
    data = compute(ctx)
    doc = ctx.document()
    if ctx.filters.category_ids or ctx.filters.q:
        doc.notes.append(
            "Balances include every transaction: category and text filters do not apply."
        )
    for currency, positions in sorted(data.positions.items()):
        last, first = positions[-1], data.start_positions[currency]
        doc.figures += [
            Figure("Assets", last.assets, currency),
            Figure("Debts", last.debts, currency),
            Figure("Net worth", last.total, currency, change_percent(last.total, first.total)),
        ]
    doc.tables.append(
        Table(
            "totals",
            "Assets, debts and net worth at each month's end",
            [
                Column("month_end", "Month end", "date"),
                Column("currency", "Currency"),
                Column("assets", "Assets", "money"),
                Column("debts", "Debts", "money"),
                Column("net_worth", "Net worth", "money"),
            ],
            [
                (b.end, currency, p.assets, p.debts, p.total)
                for currency, positions in sorted(data.positions.items())
                for b, p in zip(ctx.period.buckets, positions, strict=True)
            ],
        )
    )
    doc.tables.append(
        Table(
            "accounts",
            "Balance of each account at each month's end",
            [
                Column("account", "Account"),
                Column("type", "Type"),
                Column("currency", "Currency"),
                *(Column(f"b_{label}", label, "money") for label in data.month_ends),
            ],
            [(a.name, a.type, a.currency, *a.balances) for a in data.accounts],
        )
    )
    for currency, positions in sorted(data.positions.items()):
        doc.charts.append(
            Chart(
                f"Net worth ({currency})",
                currency,
                tuple(data.month_ends),
                (
                    Series("Assets", tuple(p.assets for p in positions)),
                    Series("Debts", tuple(p.debts for p in positions)),
                    Series("Net worth", tuple(p.total for p in positions)),
                ),
                kind="line",
            )
        )
    return doc
