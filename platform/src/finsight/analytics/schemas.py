from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from finsight.accounts.money import Money

RunKind = Literal["all", "merchants", "categorize", "recurring", "forecast", "anomalies"]


class RunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: RunKind = Field(
        default="all",
        description="`all` (every step in order: merchants, categorize, recurring, anomalies, "
        "forecast) or one step",
    )


class RunOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: str
    status: str = Field(description="queued, running, succeeded or failed")
    parameters: dict[str, Any] = Field(description="What started it (`trigger`) and its inputs")
    model_version: str | None
    metrics: dict[str, Any]
    counts: dict[str, int] = Field(description="e.g. transactions read, streams found")
    timings: dict[str, float] = Field(description="Seconds per phase")
    error: str | None = Field(description="Why the run failed, when it did")
    attempts: int
    requested_by: uuid.UUID | None = Field(description="The user; null for imports and the CLI")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class StreamOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    account_id: uuid.UUID
    merchant: str
    direction: str = Field(description="expense or income")
    cadence: str = Field(description="weekly, biweekly, semi_monthly, monthly, quarterly or annual")
    average_amount: Money = Field(description="Positive, whatever the direction")
    last_amount: Money
    currency: str
    first_date: date
    last_date: date
    next_date: date | None = Field(description="Predicted; null once cancelled")
    status: str = Field(description="early, mature, missed or cancelled")
    occurrences: int
    transaction_ids: list[uuid.UUID]


class RecurringOut(BaseModel):
    streams: list[StreamOut]
    monthly_subscription_total: Money = Field(
        description="What the listed active recurring expenses cost per month, in `currency`"
    )
    currency: str | None = Field(
        description="The currency of most listed streams; null when there are none"
    )
    monthly_totals: dict[str, Money] = Field(
        description="The same total for every currency among the listed streams"
    )
