"""Tables of the analytics engine: every run, and the recurring streams the latest run found."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import CHAR, Date, DateTime, ForeignKey, Numeric, Text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from finsight.accounts.models import Account
from finsight.kit.models import IdMixin, MetadataMixin, TenantBase, TimestampMixin

RUN_KINDS = ("recurring",)
RUN_STATUSES = ("queued", "running", "succeeded", "failed")


class AnalyticsRun(IdMixin, TimestampMixin, MetadataMixin, TenantBase):
    __tablename__ = "analytics_runs"

    kind: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, default="queued")
    parameters: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    model_version: Mapped[str | None] = mapped_column(Text, default=None)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    counts: Mapped[dict[str, int]] = mapped_column(JSONB, default=dict)
    timings: Mapped[dict[str, float]] = mapped_column(JSONB, default=dict)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    attempts: Mapped[int] = mapped_column(default=0)
    requested_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), default=None)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class RecurringStreamRecord(IdMixin, TimestampMixin, MetadataMixin, TenantBase):
    """A stream as stored (`analytics.recurring.RecurringStream` is the library's value)."""

    __tablename__ = "recurring_streams"

    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey(Account.id))
    merchant: Mapped[str] = mapped_column(Text)
    direction: Mapped[str] = mapped_column(Text)
    cadence: Mapped[str] = mapped_column(Text)
    average_amount: Mapped[Decimal] = mapped_column(Numeric(19, 4))
    last_amount: Mapped[Decimal] = mapped_column(Numeric(19, 4))
    currency: Mapped[str] = mapped_column(CHAR(3))
    first_date: Mapped[date] = mapped_column(Date)
    last_date: Mapped[date] = mapped_column(Date)
    next_date: Mapped[date | None] = mapped_column(Date, default=None)
    status: Mapped[str] = mapped_column(Text)
    occurrences: Mapped[int] = mapped_column()
    transaction_ids: Mapped[list[uuid.UUID]] = mapped_column(
        ARRAY(UUID(as_uuid=True)), default=list
    )
