"""What each rule kind finds true now: a list of conditions, each with its dedup key (which
condition) and fingerprint (its state: a changed one fires again after a dismissal).

A *state* kind (a balance below, a budget over, a missed payment...) is evaluated whole: an
open alert whose condition is no longer found clears. An *event* kind (a transaction over an
amount, a failed import) fires once per subject and never clears by itself.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import Session

from finsight.accounts.models import Account
from finsight.alerts import rules as kinds
from finsight.alerts.models import AlertRule
from finsight.analytics.models import AnalyticsEvent, AnomalyRecord, RecurringStreamRecord
from finsight.budgets.service import statuses_for_month
from finsight.transactions.models import Transaction

# A transaction committed late (a long import) may carry a created_at before the last
# evaluation: each look goes back this far, and dedup keys keep it from firing twice.
LOOKBACK = timedelta(hours=1)
# Budget pace is noise in a month's first days.
PACE_FROM_DAY = 5
STATE_KINDS = frozenset(
    {
        "balance_below",
        "budget_percent",
        "budget_pace",
        "recurring_price_increase",
        "recurring_missed",
        "anomaly",
        "uncategorized",
        "bank_reauth",
    }
)


@dataclass(frozen=True)
class Condition:
    dedup_key: str
    fingerprint: str
    title: str
    body: str = ""
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Context:
    now: datetime
    today: date  # in the organization's time zone
    event: dict[str, Any] | None = None  # a domain event: kind, subject_id, data


def _amount(value: Decimal, currency: str) -> str:
    return f"{value.quantize(Decimal('0.01')):,} {currency}"


def balance_below(session: Session, rule: AlertRule, ctx: Context) -> list[Condition]:
    p = kinds.params_of(rule.kind, rule.params)
    query = select(Account).where(Account.deleted_at.is_(None), Account.current_balance < p.amount)
    if p.account_id:
        query = query.where(Account.id == p.account_id)
    return [
        Condition(
            f"balance:{account.id}",
            "below",
            f"{account.name}: balance {_amount(account.current_balance, account.currency)}",
            f"Below {_amount(p.amount, account.currency)}.",
            {"account_id": str(account.id), "balance": str(account.current_balance)},
        )
        for account in session.scalars(query)
    ]


def _since(rule: AlertRule) -> datetime:
    """Rows created after this are new to the rule (never rows from before it existed)."""
    return max(rule.watermark - LOOKBACK, rule.created_at)


def _new_rows(rule: AlertRule) -> Any:
    return and_(
        Transaction.created_at > _since(rule),
        Transaction.deleted_at.is_(None),
        Transaction.excluded.is_(False),
        Transaction.transfer_id.is_(None),
    )


def _transaction_condition(t: Transaction, title: str, body: str, **extra: Any) -> Condition:
    return Condition(
        f"transaction:{t.id}",
        str(t.amount),
        title,
        body,
        {
            "transaction_id": str(t.id),
            "account_id": str(t.account_id),
            "amount": str(t.amount),
            "currency": t.currency,
            "date": t.transaction_date.isoformat(),
            **extra,
        },
    )


def transaction_over(session: Session, rule: AlertRule, ctx: Context) -> list[Condition]:
    p = kinds.params_of(rule.kind, rule.params)
    size = {
        "expense": Transaction.amount <= -p.amount,
        "income": Transaction.amount >= p.amount,
        "any": func.abs(Transaction.amount) >= p.amount,
    }[p.direction]
    query = select(Transaction).where(_new_rows(rule), size)
    if p.account_id:
        query = query.where(Transaction.account_id == p.account_id)
    return [
        _transaction_condition(
            t,
            f"{t.description}: {_amount(t.amount, t.currency)}",
            f"On {t.transaction_date.isoformat()}, over {_amount(p.amount, t.currency)}.",
        )
        for t in session.scalars(query.order_by(Transaction.id).limit(1000))
    ]


def transaction_unusual(session: Session, rule: AlertRule, ctx: Context) -> list[Condition]:
    """A new charge more than kx the median of its merchant's earlier charges (a year back)."""
    p = kinds.params_of(rule.kind, rule.params)
    since = _since(rule)
    history = (
        select(
            Transaction.merchant_id,
            Transaction.currency,
            func.percentile_cont(0.5).within_group(-Transaction.amount).label("usual"),
            func.count().label("n"),
        )
        .where(
            Transaction.created_at <= since,
            Transaction.amount < 0,
            Transaction.merchant_id.is_not(None),
            Transaction.deleted_at.is_(None),
            Transaction.transaction_date >= ctx.today - timedelta(days=365),
        )
        .group_by(Transaction.merchant_id, Transaction.currency)
        .subquery()
    )
    query = (
        select(Transaction, history.c.usual, history.c.n)
        .join(
            history,
            and_(
                history.c.merchant_id == Transaction.merchant_id,
                history.c.currency == Transaction.currency,
            ),
        )
        .where(
            _new_rows(rule),
            Transaction.amount < 0,
            history.c.n >= p.min_history,
            -Transaction.amount > history.c.usual * p.multiplier,
        )
        .order_by(Transaction.id)
        .limit(1000)
    )
    found = []
    for t, usual, count in session.execute(query).all():
        usual_amount = Decimal(str(usual))
        found.append(
            _transaction_condition(
                t,
                f"{t.merchant or t.description}: {_amount(-t.amount, t.currency)}, "
                f"{float(-t.amount / usual_amount):.1f}x the usual",
                f"Usually {_amount(usual_amount, t.currency)} ({count} earlier charges).",
                usual=str(usual_amount.quantize(Decimal("0.01"))),
            )
        )
    return found


def _budget_statuses(session: Session, budget_id: uuid.UUID | None, ctx: Context) -> list[Any]:
    statuses = statuses_for_month(session, ctx.today.replace(day=1), ctx.today)
    return [s for s in statuses if budget_id is None or s.limit.budget_id == budget_id]


def budget_percent(session: Session, rule: AlertRule, ctx: Context) -> list[Condition]:
    p = kinds.params_of(rule.kind, rule.params)
    month = ctx.today.strftime("%Y-%m")
    return [
        Condition(
            f"budget:{s.limit.budget_id}:{month}:{p.percent}",
            "reached",
            f"Budget {s.limit.currency} at {s.percent:.0f}% "
            f"({_amount(s.spent, s.limit.currency)} of {_amount(s.limit.limit, s.limit.currency)})",
            s.pace_text.capitalize() + ".",
            {"budget_id": str(s.limit.budget_id), "category_id": str(s.limit.category_id)},
        )
        for s in _budget_statuses(session, p.budget_id, ctx)
        if s.percent >= p.percent
    ]


def budget_pace(session: Session, rule: AlertRule, ctx: Context) -> list[Condition]:
    p = kinds.params_of(rule.kind, rule.params)
    if ctx.today.day < PACE_FROM_DAY:
        return []
    month = ctx.today.strftime("%Y-%m")
    return [
        Condition(
            f"budget_pace:{s.limit.budget_id}:{month}",
            "over",
            f"Budget on pace to exceed: {s.pace_text}",
            f"{_amount(s.spent, s.limit.currency)} spent of "
            f"{_amount(s.limit.limit, s.limit.currency)}.",
            {"budget_id": str(s.limit.budget_id), "projected": str(s.projected)},
        )
        for s in _budget_statuses(session, p.budget_id, ctx)
        if s.on_pace_to_exceed
    ]


def _streams(session: Session, direction: str) -> list[RecurringStreamRecord]:
    query = select(RecurringStreamRecord)
    if direction != "any":
        query = query.where(RecurringStreamRecord.direction == direction)
    return list(session.scalars(query))


def _stream_key(s: RecurringStreamRecord) -> str:
    return f"{s.account_id}:{s.merchant.lower()}:{s.direction}"


def recurring_new(session: Session, rule: AlertRule, ctx: Context) -> list[Condition]:
    """A stream that began in the last 90 days (streams are rebuilt by every run: the key is
    the account, merchant and direction, not the row)."""
    p = kinds.params_of(rule.kind, rule.params)
    recent = ctx.today - timedelta(days=90)
    return [
        Condition(
            f"recurring:{_stream_key(s)}",
            "new",
            f"New recurring {'charge' if s.direction == 'expense' else 'income'}: {s.merchant}",
            f"{s.cadence.replace('_', ' ')}, about {_amount(abs(s.average_amount), s.currency)}.",
            {"merchant": s.merchant, "cadence": s.cadence, "account_id": str(s.account_id)},
        )
        for s in _streams(session, p.direction)
        if s.status in ("early", "mature") and s.first_date >= recent
    ]


def recurring_price_increase(session: Session, rule: AlertRule, ctx: Context) -> list[Condition]:
    p = kinds.params_of(rule.kind, rule.params)
    factor = Decimal(1) + Decimal(str(p.percent)) / 100
    return [
        Condition(
            f"price:{_stream_key(s)}",
            str(abs(s.last_amount)),
            f"{s.merchant}: price up to {_amount(abs(s.last_amount), s.currency)}",
            f"Usually {_amount(abs(s.average_amount), s.currency)}.",
            {"merchant": s.merchant, "last_amount": str(s.last_amount)},
        )
        for s in _streams(session, "expense")
        if s.status in ("early", "mature") and abs(s.last_amount) > abs(s.average_amount) * factor
    ]


def recurring_missed(session: Session, rule: AlertRule, ctx: Context) -> list[Condition]:
    p = kinds.params_of(rule.kind, rule.params)
    return [
        Condition(
            f"missed:{_stream_key(s)}",
            s.next_date.isoformat() if s.next_date else s.last_date.isoformat(),
            f"Missed expected {'payment' if s.direction == 'expense' else 'income'}: {s.merchant}",
            f"Expected {s.next_date.isoformat() if s.next_date else 'by now'}, "
            f"about {_amount(abs(s.average_amount), s.currency)}.",
            {"merchant": s.merchant, "expected": s.next_date.isoformat() if s.next_date else None},
        )
        for s in _streams(session, p.direction)
        if s.status == "missed"
    ]


def anomaly(session: Session, rule: AlertRule, ctx: Context) -> list[Condition]:
    """Analytics' anomalies of the last 60 days not dismissed there. Their events
    (`analytics_events`, type anomaly.detected) are marked delivered: alerts consumed them."""
    p = kinds.params_of(rule.kind, rule.params)
    query = select(AnomalyRecord).where(
        AnomalyRecord.status != "dismissed",
        AnomalyRecord.score >= p.min_score,
        AnomalyRecord.occurred_on >= ctx.today - timedelta(days=60),
    )
    if p.kinds:
        query = query.where(AnomalyRecord.kind.in_(p.kinds))
    session.execute(
        update(AnalyticsEvent)
        .where(AnalyticsEvent.delivered_at.is_(None), AnalyticsEvent.type == "anomaly.detected")
        .values(delivered_at=ctx.now)
    )
    return [
        Condition(
            f"anomaly:{a.dedupe_key}",
            f"{a.kind}:{a.amount}",
            a.reason,
            f"Score {a.score:.2f}, on {a.occurred_on.isoformat()}.",
            {"anomaly_id": str(a.id), "kind": a.kind, "score": round(a.score, 4)},
        )
        for a in session.scalars(query.order_by(AnomalyRecord.id).limit(1000))
    ]


def uncategorized(session: Session, rule: AlertRule, ctx: Context) -> list[Condition]:
    p = kinds.params_of(rule.kind, rule.params)
    count = session.scalar(
        select(func.count()).where(
            Transaction.category_id.is_(None),
            Transaction.deleted_at.is_(None),
            Transaction.excluded.is_(False),
            Transaction.transfer_id.is_(None),
        )
    )
    if not count or count < p.count:
        return []
    return [
        Condition(
            "uncategorized",
            str(count // p.count),  # fires again each time the pile grows by the threshold
            f"{count:,} transactions without a category",
            "Review them in the categorization queue.",
            {"count": count},
        )
    ]


# --- from domain events ---------------------------------------------------------------------

REAUTH_STATES = frozenset(
    {"login_required", "reauth_required", "pending_expiration", "pending_disconnect", "revoked"}
)


def _event(ctx: Context) -> tuple[str, str, dict[str, Any]]:
    assert ctx.event is not None
    return ctx.event["kind"], str(ctx.event.get("subject_id") or ""), ctx.event.get("data") or {}


def import_failed(session: Session, rule: AlertRule, ctx: Context) -> list[Condition]:
    _, subject, data = _event(ctx)
    name = data.get("filename") or data.get("file") or "a statement"
    return [
        Condition(
            f"import:{subject}",
            "failed",
            f"Import failed: {name}",
            str(data.get("error") or data.get("reason") or ""),
            {"import_batch_id": subject, **_plain(data)},
        )
    ]


def bank_sync_failed(session: Session, rule: AlertRule, ctx: Context) -> list[Condition]:
    _, subject, data = _event(ctx)
    institution = data.get("institution") or "a bank connection"
    return [
        Condition(
            f"sync:{subject}",
            str(data.get("error_code") or data.get("error") or "failed"),
            f"Bank sync failed: {institution}",
            str(data.get("error") or data.get("message") or ""),
            {"item_id": subject, **_plain(data)},
        )
    ]


def bank_reauth(session: Session, rule: AlertRule, ctx: Context) -> list[Condition]:
    """A state kind keyed by the item: an item back to a good state clears its alert."""
    _, subject, data = _event(ctx)
    state = str(data.get("state") or data.get("status") or "")
    if state not in REAUTH_STATES and not data.get("needs_reauth"):
        return []
    institution = data.get("institution") or "A bank connection"
    return [
        Condition(
            f"item:{subject}",
            state or "reauth",
            f"{institution} needs you to sign in again",
            "Reconnect it so that its transactions keep coming.",
            {"item_id": subject, **_plain(data)},
        )
    ]


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if isinstance(v, str | int | float | bool) or v is None}


EVALUATORS: dict[str, Callable[[Session, AlertRule, Context], list[Condition]]] = {
    "balance_below": balance_below,
    "transaction_over": transaction_over,
    "transaction_unusual": transaction_unusual,
    "budget_percent": budget_percent,
    "budget_pace": budget_pace,
    "recurring_new": recurring_new,
    "recurring_price_increase": recurring_price_increase,
    "recurring_missed": recurring_missed,
    "anomaly": anomaly,
    "uncategorized": uncategorized,
    "import_failed": import_failed,
    "bank_sync_failed": bank_sync_failed,
    "bank_reauth": bank_reauth,
}


def event_scope(kind: str, ctx: Context) -> str | None:
    """For a state kind driven by events, the dedup key its evaluation covers (the event's
    subject only); None: the evaluation covers every condition of the rule."""
    if kind == "bank_reauth" and ctx.event is not None:
        return f"item:{ctx.event.get('subject_id')}"
    return None
