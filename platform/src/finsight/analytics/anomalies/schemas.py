from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from finsight.accounts.money import Money

AnomalyKind = Literal["spike", "outlier", "duplicate", "large_first_charge", "category_pace"]
AnomalyStatus = Literal["new", "confirmed", "dismissed"]


class AnomalyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: str = Field(description="spike, outlier, duplicate, large_first_charge or category_pace")
    transaction_id: uuid.UUID | None = Field(
        description="The charge to look at (category_pace: the one that crossed the pace)"
    )
    related_ids: list[uuid.UUID] = Field(
        description="duplicate: the earlier charge; category_pace: the month's earlier charges"
    )
    account_id: uuid.UUID | None
    category_id: uuid.UUID | None
    merchant: str | None
    occurred_on: date
    amount: Money | None = Field(description="What was spent (category_pace: month to date)")
    currency: str | None
    score: float = Field(
        description="0-1, comparable across kinds; at least 0.8 is published as an alert"
    )
    reason: str = Field(description="Why, for people")
    details: dict[str, Any] = Field(description="The figures behind the reason")
    status: str = Field(description="new, confirmed or dismissed")
    feedback_at: datetime | None


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["confirmed", "dismissed"]
