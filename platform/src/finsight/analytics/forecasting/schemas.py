"""What `GET /api/analytics/forecast` returns."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field

from finsight.accounts.money import Money


class ActualOut(BaseModel):
    month: date = Field(description="The first day of a complete month")
    actual: Money = Field(description="What the series amounted to that month")


class PointOut(BaseModel):
    month: date = Field(
        description="The first day of the month forecast: the month under way first (forecast "
        "whole), then whole months ahead"
    )
    point: Money
    lower: Money = Field(description="The 80% prediction interval's lower end")
    upper: Money = Field(description="The 80% prediction interval's upper end")
    recurring: Money = Field(
        description="The part placed from known recurring charges and income (in `point`)"
    )
    method: str = Field(
        description="ensemble (known recurring items placed, the rest from the models), "
        "seasonal_naive (the same month last year: the backtest found the ensemble worse), or "
        "naive; a note in brackets when the history is short"
    )
    to_date: Money | None = Field(
        default=None,
        description="For the month under way: what it amounts to so far; null for later months",
    )


class SeriesOut(BaseModel):
    scope: str = Field(description="account (net cash flow) or category (spending)")
    account_id: uuid.UUID | None = Field(description="The account; null for category series")
    category_id: uuid.UUID | None = Field(
        description="The category; null for account series and for uncategorized spending"
    )
    currency: str
    history: list[ActualOut] = Field(
        description="Up to 12 complete months before the forecast, from the series' first month "
        "(an account opened two months ago has two)"
    )
    points: list[PointOut]


class ForecastOut(BaseModel):
    generated_at: datetime | None = Field(description="When the latest forecast run wrote them")
    run_id: uuid.UUID | None
    months: list[date] = Field(
        description="The months forecast, first days: the month under way, then whole months"
    )
    series: list[SeriesOut]
