"""Budgets: a monthly limit per category and currency, with an optional rollover of what is left.

Never commits. Other domains read budgets through `limits_for_month` (the reports' budget
against actual) and `statuses_for_month` (spending and pace: the overview, alert rules).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, cast, func, select
from sqlalchemy.orm import Session

from finsight.audit.service import apply_and_record, record_change, soft_delete_and_record
from finsight.budgets.models import Budget
from finsight.budgets.months import (
    days_in,
    first_of,
    next_month,
    previous_month,
)
from finsight.categories.models import Category
from finsight.categories.tree import load_tree
from finsight.errors import Conflict, InvalidInput, NotFound
from finsight.kit.identity import Actor
from finsight.kit.models import utcnow
from finsight.transactions.models import Transaction

# Rollover looks back at most this many months (older leftovers are not carried further).
ROLLOVER_MONTHS = 24
CENT = Decimal("0.01")


@dataclass(frozen=True)
class BudgetLimit:
    """A budget's limit for one month: its amount plus what rolled over from before."""

    budget_id: uuid.UUID
    category_id: uuid.UUID
    currency: str
    amount: Decimal
    rollover: bool
    carried_over: Decimal

    @property
    def limit(self) -> Decimal:
        return self.amount + self.carried_over


@dataclass(frozen=True)
class BudgetStatus:
    """A budget's month so far: spent, the share of its limit, and where the pace leads."""

    limit: BudgetLimit
    month: date
    spent: Decimal
    projected: Decimal

    @property
    def percent(self) -> float:
        return float(self.spent / self.limit.limit * 100) if self.limit.limit else 0.0

    @property
    def projected_percent(self) -> float:
        return float(self.projected / self.limit.limit * 100) if self.limit.limit else 0.0

    @property
    def remaining(self) -> Decimal:
        return self.limit.limit - self.spent

    @property
    def on_pace_to_exceed(self) -> bool:
        return self.projected > self.limit.limit

    @property
    def pace_text(self) -> str:
        return f"at this pace, {self.projected_percent:.0f}% by month end"


# --- reading -----------------------------------------------------------------------------


def list_budgets(session: Session, *, currency: str | None = None) -> list[Budget]:
    query = select(Budget).where(Budget.deleted_at.is_(None))
    if currency:
        query = query.where(Budget.currency == currency)
    return list(session.scalars(query.order_by(Budget.currency, Budget.id)))


def get_budget(session: Session, budget_id: uuid.UUID) -> Budget:
    budget = session.get(Budget, budget_id)
    if budget is None or budget.deleted_at is not None:
        raise NotFound("budget not found")
    return budget


def _subtrees(session: Session) -> dict[uuid.UUID, set[uuid.UUID]]:
    """Each category -> itself and every category below it."""
    below: dict[uuid.UUID, set[uuid.UUID]] = {}
    for node in reversed(load_tree(session)):  # children before their parents
        below.setdefault(node.id, set()).add(node.id)
        if node.parent_id is not None:
            below.setdefault(node.parent_id, set()).update(below[node.id])
    return below


def _spending(
    session: Session, first: date, end: date, until: date | None = None
) -> dict[tuple[uuid.UUID, str, date], Decimal]:
    """Money out per (category, currency, month) from `first` up to `end` (excluded) — up to
    `until` (included) when given. Refunds count against it; transfers and excluded rows not."""
    month = cast(func.date_trunc("month", Transaction.transaction_date), Date)
    query = (
        select(
            Transaction.category_id,
            Transaction.currency,
            month,
            func.sum(-Transaction.amount),
        )
        .where(
            Transaction.transaction_date >= first,
            Transaction.transaction_date < end,
            Transaction.deleted_at.is_(None),
            Transaction.excluded.is_(False),
            Transaction.transfer_id.is_(None),
            Transaction.category_id.is_not(None),
        )
        .group_by(Transaction.category_id, Transaction.currency, month)
    )
    if until is not None:
        query = query.where(Transaction.transaction_date <= until)
    return {(c, cur, m): total for c, cur, m, total in session.execute(query).all() if c}


def _spent(
    spending: dict[tuple[uuid.UUID, str, date], Decimal],
    categories: set[uuid.UUID],
    currency: str,
    month: date,
) -> Decimal:
    return sum(
        (spending.get((category, currency, month), Decimal(0)) for category in categories),
        Decimal(0),
    )


def limits_for_month(session: Session, month: date) -> list[BudgetLimit]:
    """Every live budget's limit for `month` (any day of it): the amount, and with rollover what
    was left unspent in the months before (from its start month, at most ROLLOVER_MONTHS back;
    an overspent month carries nothing, it does not take from the next). Budgets starting
    after `month` are left out. This is what the reports' budget-against-actual reads."""
    month = first_of(month)
    budgets = [b for b in list_budgets(session) if b.start_month <= month]
    rolling = [b for b in budgets if b.rollover and b.start_month < month]
    carried: dict[uuid.UUID, Decimal] = {}
    if rolling:
        earliest = max(
            min(b.start_month for b in rolling),
            _months_back(month, ROLLOVER_MONTHS),
        )
        spending = _spending(session, earliest, month)
        subtrees = _subtrees(session)
        for budget in rolling:
            left = Decimal(0)
            current = max(budget.start_month, earliest)
            while current < month:
                spent = _spent(
                    spending, subtrees.get(budget.category_id, set()), budget.currency, current
                )
                left = max(budget.amount + left - spent, Decimal(0))
                current = next_month(current)
            carried[budget.id] = left
    return [
        BudgetLimit(
            budget_id=b.id,
            category_id=b.category_id,
            currency=b.currency,
            amount=b.amount,
            rollover=b.rollover,
            carried_over=carried.get(b.id, Decimal(0)),
        )
        for b in budgets
    ]


def _months_back(month: date, count: int) -> date:
    for _ in range(count):
        month = previous_month(month)
    return month


def statuses_for_month(session: Session, month: date, today: date) -> list[BudgetStatus]:
    """Each budget's spending in `month` up to `today`, and its pace: the spending so far
    stretched over the whole month (a month already over is its spending; one not begun, 0)."""
    month = first_of(month)
    limits = limits_for_month(session, month)
    if not limits:
        return []
    end = next_month(month)
    spending = _spending(session, month, end, until=today)
    subtrees = _subtrees(session)
    statuses = []
    for limit in limits:
        spent = _spent(spending, subtrees.get(limit.category_id, set()), limit.currency, month)
        if today < month:
            projected = Decimal(0)
        elif today >= end:
            projected = spent
        else:
            projected = spent / today.day * days_in(month)
        statuses.append(BudgetStatus(limit, month, spent, projected.quantize(CENT)))
    return statuses


# --- changing ----------------------------------------------------------------------------


def _check_category(session: Session, category_id: uuid.UUID) -> None:
    category = session.get(Category, category_id)
    if category is None or category.deleted_at is not None:
        raise InvalidInput(f"category {category_id} not found", field="category_id")
    if category.kind != "expense":
        raise InvalidInput(
            f"{category.name!r} is not an expense category: budgets limit spending",
            field="category_id",
        )


def _check_unique(
    session: Session, category_id: uuid.UUID, currency: str, own: uuid.UUID | None
) -> None:
    query = select(Budget.id).where(
        Budget.deleted_at.is_(None),
        Budget.category_id == category_id,
        Budget.currency == currency,
    )
    if own is not None:
        query = query.where(Budget.id != own)
    if session.scalar(query) is not None:
        raise Conflict(f"this category already has a budget in {currency}")


def _check_amount(amount: Decimal) -> None:
    if amount <= 0:
        raise InvalidInput("amount must be greater than 0", field="amount")


def create_budget(
    session: Session,
    org_id: uuid.UUID,
    *,
    category_id: uuid.UUID,
    currency: str,
    amount: Decimal,
    rollover: bool,
    start_month: date | None,
    actor: Actor,
) -> Budget:
    _check_amount(amount)
    _check_category(session, category_id)
    _check_unique(session, category_id, currency, None)
    budget = Budget(
        category_id=category_id,
        currency=currency,
        amount=amount,
        rollover=rollover,
        start_month=first_of(start_month or utcnow().date()),
    )
    session.add(budget)
    session.flush()
    record_change(session, org_id=org_id, actor=actor, action="budget.create", target=budget)
    return budget


def update_budget(
    session: Session, org_id: uuid.UUID, budget: Budget, changes: dict[str, Any], actor: Actor
) -> Budget:
    """`changes` holds only the fields sent."""
    for key in ("category_id", "currency", "amount", "rollover", "start_month"):
        if key in changes and changes[key] is None:
            raise InvalidInput(f"{key} cannot be null", field=key)
    if "amount" in changes:
        _check_amount(changes["amount"])
    if "category_id" in changes:
        _check_category(session, changes["category_id"])
    if "start_month" in changes:
        changes["start_month"] = first_of(changes["start_month"])
    _check_unique(
        session,
        changes.get("category_id", budget.category_id),
        changes.get("currency", budget.currency),
        budget.id,
    )
    apply_and_record(session, budget, changes, org_id=org_id, actor=actor, action="budget.update")
    return budget


def delete_budget(session: Session, org_id: uuid.UUID, budget: Budget, actor: Actor) -> None:
    soft_delete_and_record(session, budget, org_id=org_id, actor=actor, action="budget.delete")
