"""Tables of the analytics engine: runs, merchants, rules and models, and what runs found."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import CHAR, Date, DateTime, Float, ForeignKey, LargeBinary, Numeric, Text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from finsight.accounts.models import Account
from finsight.categories.models import Category
from finsight.kit.models import (
    IdMixin,
    MetadataMixin,
    SoftDeleteMixin,
    TenantBase,
    TimestampMixin,
)

# "all" runs every capability in order (merchants, categorize, recurring, anomalies, forecast);
# after an import it is scoped to the import's batch (parameters["import_batch_id"]).
RUN_KINDS = ("all", "merchants", "categorize", "recurring", "forecast", "anomalies")
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


class Merchant(IdMixin, TimestampMixin, MetadataMixin, TenantBase):
    __tablename__ = "merchants"

    name: Mapped[str] = mapped_column(Text)
    name_source: Mapped[str] = mapped_column(Text, default="cleaner")  # cleaner | user


class MerchantKey(TimestampMixin, MetadataMixin, TenantBase):
    """A cleaned descriptor key and the merchant it belongs to; pinned by a person's merge or
    split, after which runs never move it."""

    __tablename__ = "merchant_keys"

    key: Mapped[str] = mapped_column(Text, primary_key=True)
    merchant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey(Merchant.id))
    display: Mapped[str] = mapped_column(Text)
    pinned: Mapped[bool] = mapped_column(default=False)


class CategoryRule(IdMixin, TimestampMixin, SoftDeleteMixin, MetadataMixin, TenantBase):
    __tablename__ = "category_rules"

    name: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column()
    enabled: Mapped[bool] = mapped_column(default=True)
    conditions: Mapped[dict[str, Any]] = mapped_column(JSONB)
    actions: Mapped[dict[str, Any]] = mapped_column(JSONB)
    stop_processing: Mapped[bool] = mapped_column(default=False)
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), default=None)


class RuleProposal(IdMixin, TimestampMixin, MetadataMixin, TenantBase):
    __tablename__ = "rule_proposals"

    merchant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey(Merchant.id))
    category_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey(Category.id))
    support: Mapped[int] = mapped_column()
    status: Mapped[str] = mapped_column(Text, default="proposed")  # proposed|accepted|dismissed
    rule_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey(CategoryRule.id), default=None
    )
    decided_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class CategoryModel(IdMixin, TimestampMixin, MetadataMixin, TenantBase):
    """A version of the tenant's classifier: a pickle signed with the platform's secret."""

    __tablename__ = "category_models"

    version: Mapped[int] = mapped_column()
    labels: Mapped[int] = mapped_column()
    classes: Mapped[int] = mapped_column()
    metrics: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    signature: Mapped[str] = mapped_column(Text)
    run_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey(AnalyticsRun.id), default=None
    )


class ForecastRecord(IdMixin, TimestampMixin, MetadataMixin, TenantBase):
    __tablename__ = "forecasts"

    run_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey(AnalyticsRun.id), default=None
    )
    scope: Mapped[str] = mapped_column(Text)  # account | category
    account_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey(Account.id), default=None
    )
    category_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey(Category.id), default=None
    )
    currency: Mapped[str] = mapped_column(CHAR(3))
    month: Mapped[date] = mapped_column(Date)
    point: Mapped[Decimal] = mapped_column(Numeric(19, 4))
    lower: Mapped[Decimal] = mapped_column(Numeric(19, 4))
    upper: Mapped[Decimal] = mapped_column(Numeric(19, 4))
    recurring: Mapped[Decimal] = mapped_column(Numeric(19, 4), default=Decimal(0))
    method: Mapped[str] = mapped_column(Text)


class AnomalyRecord(IdMixin, TimestampMixin, MetadataMixin, TenantBase):
    __tablename__ = "anomalies"

    kind: Mapped[str] = mapped_column(Text)
    dedupe_key: Mapped[str] = mapped_column(Text)
    transaction_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), default=None)
    related_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(UUID(as_uuid=True)), default=list)
    account_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey(Account.id), default=None
    )
    category_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey(Category.id), default=None
    )
    merchant: Mapped[str | None] = mapped_column(Text, default=None)
    occurred_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(19, 4), default=None)
    currency: Mapped[str | None] = mapped_column(CHAR(3), default=None)
    score: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    status: Mapped[str] = mapped_column(Text, default="new")
    feedback_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), default=None)
    feedback_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    run_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey(AnalyticsRun.id), default=None
    )


class AnalyticsEvent(IdMixin, TimestampMixin, MetadataMixin, TenantBase):
    """Outbox: what the engine found (e.g. `anomaly.detected`), for the alerting issue."""

    __tablename__ = "analytics_events"

    type: Mapped[str] = mapped_column(Text)
    subject_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), default=None)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
