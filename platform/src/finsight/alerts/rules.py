"""The kinds of alert rule and their parameters (validated here, stored as JSON)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from finsight.accounts.money import MoneyIn
from finsight.errors import InvalidInput

Severity = Literal["info", "warning", "critical"]
SEVERITIES: tuple[str, ...] = ("info", "warning", "critical")
Direction = Literal["expense", "income", "any"]


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BalanceBelow(_Params):
    amount: MoneyIn = Field(description="Fires when an account's balance falls below this")
    account_id: uuid.UUID | None = Field(default=None, description="Default: every account")


class TransactionOver(_Params):
    amount: MoneyIn = Field(gt=0, description="Fires for a transaction of at least this size")
    direction: Direction = "expense"
    account_id: uuid.UUID | None = None


class TransactionUnusual(_Params):
    multiplier: float = Field(default=3.0, ge=1.1, le=1000)
    min_history: int = Field(default=3, ge=1, le=100, description="Earlier charges needed")


class BudgetPercent(_Params):
    percent: int = Field(default=80, ge=1, le=1000)
    budget_id: uuid.UUID | None = Field(default=None, description="Default: every budget")


class BudgetPace(_Params):
    budget_id: uuid.UUID | None = None


class RecurringNew(_Params):
    direction: Direction = "expense"


class RecurringPriceIncrease(_Params):
    percent: float = Field(default=5.0, gt=0, le=1000)


class RecurringMissed(_Params):
    direction: Direction = "any"


class AnomalyParams(_Params):
    min_score: float = Field(default=0.0, ge=0, le=1)
    kinds: list[str] = Field(default_factory=list, description="Default: every kind")


class NoParams(_Params):
    pass


class Uncategorized(_Params):
    count: int = Field(default=25, ge=1, le=1_000_000)


KINDS: dict[str, tuple[type[_Params], str]] = {
    "balance_below": (BalanceBelow, "An account's balance below an amount"),
    "transaction_over": (TransactionOver, "A transaction over an amount"),
    "transaction_unusual": (TransactionUnusual, "A charge kx the usual at its merchant"),
    "budget_percent": (BudgetPercent, "A budget reaching a share of its limit (80%, 100%)"),
    "budget_pace": (BudgetPace, "A budget on pace to exceed its limit this month"),
    "recurring_new": (RecurringNew, "A new recurring charge (or income)"),
    "recurring_price_increase": (RecurringPriceIncrease, "A recurring charge's price rising"),
    "recurring_missed": (RecurringMissed, "An expected recurring payment or income missed"),
    "anomaly": (AnomalyParams, "An anomaly found by analytics"),
    "import_failed": (NoParams, "A statement import that failed"),
    "bank_sync_failed": (NoParams, "A bank sync that failed"),
    "bank_reauth": (NoParams, "A bank connection needing re-authentication"),
    "uncategorized": (Uncategorized, "Uncategorized transactions piling up"),
}
RuleKind = Literal[
    "balance_below",
    "transaction_over",
    "transaction_unusual",
    "budget_percent",
    "budget_pace",
    "recurring_new",
    "recurring_price_increase",
    "recurring_missed",
    "anomaly",
    "import_failed",
    "bank_sync_failed",
    "bank_reauth",
    "uncategorized",
]
# Kinds looked at when rows land, after an analytics run, on the beat, and on domain events.
ON_ROWS = ("balance_below", "transaction_over", "budget_percent", "budget_pace", "uncategorized")
AFTER_ANALYTICS = (
    "transaction_unusual",
    "recurring_new",
    "recurring_price_increase",
    "recurring_missed",
    "anomaly",
    "uncategorized",
)
ON_BEAT = ("budget_pace", "budget_percent", "recurring_missed", "balance_below")
EVENT_KINDS = {
    "import.failed": "import_failed",
    "plaid.sync.failed": "bank_sync_failed",
    "plaid.item.state_changed": "bank_reauth",
}


def validate_params(kind: str, params: dict[str, Any] | None) -> dict[str, Any]:
    """The rule's parameters checked against its kind, as stored (JSON); a bad one is a 422
    naming the field (`params.<name>`)."""
    if kind not in KINDS:
        raise InvalidInput(f"unknown rule kind {kind!r}", field="kind")
    model = KINDS[kind][0]
    try:
        return model.model_validate(params or {}).model_dump(mode="json")
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        raise InvalidInput(
            f"params.{where}: {error['msg']}", field=f"params.{where}" if where else "params"
        ) from exc


def params_of(kind: str, params: dict[str, Any]) -> Any:
    return KINDS[kind][0].model_validate(params)


def money(value: Any) -> Decimal:
    return Decimal(str(value))
