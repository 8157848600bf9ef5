from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from finsight.accounts.money import Money, MoneyIn
from finsight.accounts.schemas import Currency


class BudgetCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category_id: uuid.UUID = Field(description="An expense category; its subcategories count")
    amount: MoneyIn = Field(description="The monthly limit, greater than 0")
    currency: Currency = "USD"
    rollover: StrictBool = Field(
        default=False, description="Add what is left at a month's end to the next month's limit"
    )
    start_month: date | None = Field(
        default=None,
        description="The first month the budget counts (any day of it); default: this month",
    )


class BudgetUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category_id: uuid.UUID | None = None
    amount: MoneyIn | None = None
    currency: Currency | None = None
    rollover: StrictBool | None = None
    start_month: date | None = None


class BudgetOut(BaseModel):
    id: uuid.UUID
    category_id: uuid.UUID
    category: str = Field(description="The category's path, e.g. 'Restaurants > Coffee shops'")
    currency: str
    amount: Money = Field(description="The monthly limit")
    rollover: bool
    start_month: date
    created_at: datetime
    updated_at: datetime


class BudgetMonthOut(BaseModel):
    """A budget in one month: its limit (with rollover), spending so far and pace."""

    budget: BudgetOut
    month: str = Field(examples=["2026-12"])
    carried_over: Money = Field(description="Left unspent in earlier months (rollover)")
    limit: Money = Field(description="amount + carried_over")
    spent: Money
    remaining: Money
    percent: float = Field(description="spent / limit x 100")
    projected: Money = Field(description="The month's spending if the pace so far holds")
    projected_percent: float
    on_pace_to_exceed: bool
    pace: str = Field(examples=["at this pace, 130% by month end"])
