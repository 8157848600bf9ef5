"""Request and response bodies of the reports API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Kind = Literal["income_spending", "net_worth", "budget_actual", "merchants", "review", "ledger"]
Format = Literal["pdf", "xlsx", "csv", "json"]

PERIOD_DOC = (
    'The period: {"type": "months", "from": "2026-01", "to": "2026-12"}; {"type": "quarter", '
    '"year": 2026, "quarter": 1}; {"type": "year", "year": 2026}; {"type": "range", "from": '
    '"2026-01-15", "to": "2026-02-14"}; {"type": "payday", "from": "2026-01", "to": "2026-03", '
    '"day": 25}; {"type": "tax_year", "year": 2025, "start_month": 4, "start_day": 6}; '
    '{"type": "relative", "name": "last_month"} (month_to_date, last_quarter, quarter_to_date, '
    "last_year, year_to_date, last_12_months, last_7_days; in the organization's time zone)."
)
FILTERS_DOC = (
    '{"account_ids": [...], "category_ids": [...] (with their subcategories), "q": "text" '
    '(ledger search), "top": 25 (rows of top-N tables)}'
)


class ReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Kind
    format: Format
    period: dict[str, Any] = Field(description=PERIOD_DOC)
    filters: dict[str, Any] = Field(default_factory=dict, description=FILTERS_DOC)


class PreviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Kind
    period: dict[str, Any] = Field(description=PERIOD_DOC)
    filters: dict[str, Any] = Field(default_factory=dict, description=FILTERS_DOC)


class FigureOut(BaseModel):
    label: str
    value: str
    currency: str | None = None
    change_percent: str | None = None


class ReportOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: Kind
    format: Format
    status: Literal["queued", "running", "succeeded", "failed"]
    period: dict[str, Any]
    period_label: str | None
    period_start: date | None
    period_end: date | None
    filters: dict[str, Any]
    filename: str | None
    mime_type: str | None
    size_bytes: int | None
    sha256: str | None
    summary: list[FigureOut]
    error: str | None
    requested_by: uuid.UUID | None
    schedule_id: uuid.UUID | None
    created_at: datetime
    finished_at: datetime | None
    expires_at: datetime


class Cadence(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["weekly", "monthly", "quarterly", "yearly", "cron"]
    time: str = Field(default="08:00", description="Local time HH:MM (not for cron)")
    weekday: str | None = Field(default=None, description="weekly: monday ... sunday")
    day: int | None = Field(default=None, description="monthly/quarterly/yearly: 1-28, -1 = last")
    month: int | None = Field(default=None, description="yearly: 1-12")
    expression: str | None = Field(default=None, description="cron: five fields, local time")

    def as_dict(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class Recipient(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: uuid.UUID | None = None
    email: str | None = None

    def as_dict(self) -> dict[str, str]:
        return {k: str(v) for k, v in self.model_dump(exclude_none=True).items()}


RelativePeriod = Literal[
    "last_month",
    "month_to_date",
    "last_quarter",
    "quarter_to_date",
    "last_year",
    "year_to_date",
    "last_12_months",
    "last_7_days",
]


class ScheduleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    kind: Kind
    formats: list[Format] = Field(min_length=1)
    cadence: Cadence
    period: RelativePeriod
    filters: dict[str, Any] = Field(default_factory=dict, description=FILTERS_DOC)
    recipients: list[Recipient] = Field(min_length=1, max_length=50)
    status: Literal["active", "paused"] = "active"

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.model_dump(exclude={"cadence", "recipients"}),
            "cadence": self.cadence.as_dict(),
            "recipients": [r.as_dict() for r in self.recipients],
        }


class ScheduleUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    kind: Kind | None = None
    formats: list[Format] | None = Field(default=None, min_length=1)
    cadence: Cadence | None = None
    period: RelativePeriod | None = None
    filters: dict[str, Any] | None = None
    recipients: list[Recipient] | None = Field(default=None, min_length=1, max_length=50)
    status: Literal["active", "paused"] | None = None

    def as_dict(self) -> dict[str, Any]:
        out = self.model_dump(exclude_unset=True, exclude={"cadence", "recipients"})
        if self.cadence is not None:
            out["cadence"] = self.cadence.as_dict()
        if self.recipients is not None:
            out["recipients"] = [r.as_dict() for r in self.recipients]
        return out


class DeliveryOut(BaseModel):
    recipient: str
    run_id: uuid.UUID
    status: Literal["pending", "sent", "failed"]
    attempts: int
    error: str | None
    queued_at: datetime | None
    sent_at: datetime | None


class RunOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    trigger: str
    scheduled_for: datetime
    period_start: date
    period_end: date
    status: str
    error: str | None
    finished_at: datetime | None


class ScheduleOut(BaseModel):
    id: uuid.UUID
    name: str
    kind: Kind
    formats: list[Format]
    cadence: dict[str, Any]
    period: str
    filters: dict[str, Any]
    recipients: list[dict[str, str]]
    status: Literal["active", "paused"]
    time_zone: str
    next_run_at: datetime | None
    last_run_at: datetime | None
    last_error: str | None
    last_run: RunOut | None
    last_deliveries: list[DeliveryOut]
    created_at: datetime
