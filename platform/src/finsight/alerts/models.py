from __future__ import annotations

import uuid
from datetime import datetime, time
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Integer, Text, Time
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from finsight.kit.models import (
    IdMixin,
    MetadataMixin,
    SoftDeleteMixin,
    TenantBase,
    TimestampMixin,
    utcnow,
)


class AlertRule(IdMixin, TimestampMixin, SoftDeleteMixin, MetadataMixin, TenantBase):
    __tablename__ = "alert_rules"

    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(default=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    repeat_interval_minutes: Mapped[int] = mapped_column(default=240)
    managed_by: Mapped[str | None] = mapped_column(Text, default=None)
    managed_key: Mapped[str | None] = mapped_column(Text, default=None)
    watermark: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def audit_summary(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "severity": self.severity}


class Alert(IdMixin, TimestampMixin, MetadataMixin, TenantBase):
    __tablename__ = "alerts"

    rule_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey(AlertRule.id))
    dedup_key: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, default="firing")
    severity: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    fired_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    notifications: Mapped[int] = mapped_column(default=0)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    acknowledged_by_email: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    resolved_by_email: Mapped[str | None] = mapped_column(Text)
    resolution: Mapped[str | None] = mapped_column(Text)

    def audit_summary(self) -> dict[str, Any]:
        return {"rule_id": self.rule_id, "dedup_key": self.dedup_key, "title": self.title}


class NotificationChannel(IdMixin, TimestampMixin, SoftDeleteMixin, MetadataMixin, TenantBase):
    __tablename__ = "notification_channels"

    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    config: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    target: Mapped[str | None] = mapped_column(Text, default=None)  # sealed URL
    secret: Mapped[str | None] = mapped_column(Text, default=None)  # sealed whsec_
    previous_secret: Mapped[str | None] = mapped_column(Text, default=None)
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), default=None
    )
    enabled: Mapped[bool] = mapped_column(default=True)
    disabled_reason: Mapped[str | None] = mapped_column(Text, default=None)
    failing_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), default=None)

    def audit_summary(self) -> dict[str, Any]:
        # Never the target or the secret: both are credentials.
        return {"name": self.name, "kind": self.kind}


class AlertRoute(IdMixin, TimestampMixin, SoftDeleteMixin, MetadataMixin, TenantBase):
    __tablename__ = "alert_routes"

    name: Mapped[str] = mapped_column(Text)
    severities: Mapped[list[str]] = mapped_column(ARRAY(Text))
    rule_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(UUID(as_uuid=True)), default=list)
    channel_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(UUID(as_uuid=True)))
    time_window: Mapped[str] = mapped_column(Text, default="always")
    escalate_after_minutes: Mapped[int] = mapped_column(default=0)
    enabled: Mapped[bool] = mapped_column(default=True)

    def audit_summary(self) -> dict[str, Any]:
        return {"name": self.name, "severities": list(self.severities)}


class AlertSettings(TimestampMixin, MetadataMixin, TenantBase):
    __tablename__ = "alert_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, default=1)
    business_days: Mapped[list[int]] = mapped_column(
        ARRAY(Integer), default=lambda: [1, 2, 3, 4, 5]
    )
    business_start: Mapped[time] = mapped_column(Time, default=time(9))
    business_end: Mapped[time] = mapped_column(Time, default=time(17))
    quiet_start: Mapped[time | None] = mapped_column(Time, default=None)
    quiet_end: Mapped[time | None] = mapped_column(Time, default=None)


class AlertRouteMark(TenantBase):
    __tablename__ = "alert_route_marks"

    alert_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey(Alert.id), primary_key=True
    )
    route_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey(AlertRoute.id), primary_key=True
    )
    notified_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AlertDelivery(IdMixin, TimestampMixin, MetadataMixin, TenantBase):
    __tablename__ = "alert_deliveries"

    channel_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey(NotificationChannel.id)
    )
    route_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), default=None)
    kind: Mapped[str] = mapped_column(Text)
    event_type: Mapped[str] = mapped_column(Text)
    alert_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(UUID(as_uuid=True)), default=list)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(Text, default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class DeliveryAttempt(IdMixin, TimestampMixin, MetadataMixin, TenantBase):
    __tablename__ = "alert_delivery_attempts"

    delivery_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey(AlertDelivery.id))
    attempt: Mapped[int] = mapped_column()
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    outcome: Mapped[str | None] = mapped_column(Text, default=None)
    status_code: Mapped[int | None] = mapped_column(default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)


class InAppNotification(IdMixin, TimestampMixin, MetadataMixin, TenantBase):
    __tablename__ = "in_app_notifications"

    delivery_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), default=None)
    severity: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(Text, default=None)


class InAppSeen(TenantBase):
    __tablename__ = "in_app_seen"

    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
