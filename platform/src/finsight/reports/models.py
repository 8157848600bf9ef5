"""Reports, their files, schedules, schedule runs and deliveries (tenant tables, t0005_reports).

A report's file lives in the tenant's own schema (`report_files.content`, bytea), apart from the
report row so lists never load it: it is reachable from every API and worker process without a
shared volume, covered by the tenant's role like every other row, backed up with the tenant,
and dropped with it. Reports are small (a PDF of some pages; a 100,000-row ledger is a few MB
of xlsx) and kept for REPORTS_RETENTION_DAYS only.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, DateTime, ForeignKey, LargeBinary, Text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from finsight.kit.models import IdMixin, MetadataMixin, SoftDeleteMixin, TenantBase, TimestampMixin


class ReportSchedule(IdMixin, TimestampMixin, SoftDeleteMixin, MetadataMixin, TenantBase):
    __tablename__ = "report_schedules"

    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    formats: Mapped[list[str]] = mapped_column(ARRAY(Text))
    # weekly | monthly | quarterly | yearly | cron; `weekday` (0 = Monday), `day` (1-31, or -1
    # for the last day), `month`, `time` ("08:00") or `expression` as the cadence needs.
    cadence: Mapped[dict[str, Any]] = mapped_column(JSONB)
    period: Mapped[str] = mapped_column(Text)  # relative to the send date: periods.RELATIVE
    filters: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    # [{"user_id": ...}] members, or [{"email": ...}] addresses
    recipients: Mapped[list[dict[str, str]]] = mapped_column(JSONB, default=list)
    status: Mapped[str] = mapped_column(Text, default="active")  # active | paused
    next_run_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    last_run_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), default=None)

    def audit_summary(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind}


class ScheduleRun(IdMixin, TimestampMixin, TenantBase):
    """One send of a schedule. A scheduled run is unique per (schedule, slot): the instant it
    was due, hence its period; two beats, a retry or a restart find the row and send nothing."""

    __tablename__ = "report_schedule_runs"

    schedule_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey(ReportSchedule.id)
    )
    trigger: Mapped[str] = mapped_column(Text, default="schedule")  # schedule | manual
    scheduled_for: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(Text, default="queued")  # queued|running|sent|failed
    error: Mapped[str | None] = mapped_column(Text, default=None)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class Report(IdMixin, TimestampMixin, MetadataMixin, TenantBase):
    __tablename__ = "reports"

    kind: Mapped[str] = mapped_column(Text)
    format: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, default="queued")  # queued|running|succeeded|failed
    period: Mapped[dict[str, Any]] = mapped_column(JSONB)
    period_label: Mapped[str | None] = mapped_column(Text, default=None)
    period_start: Mapped[date | None] = mapped_column(Date, default=None)
    period_end: Mapped[date | None] = mapped_column(Date, default=None)
    filters: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    filename: Mapped[str | None] = mapped_column(Text, default=None)
    mime_type: Mapped[str | None] = mapped_column(Text, default=None)
    size_bytes: Mapped[int | None] = mapped_column(default=None)
    sha256: Mapped[str | None] = mapped_column(Text, default=None)
    # The key figures, for lists, emails and the dashboard (JSON form, money as strings).
    summary: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    requested_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), default=None)
    schedule_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey(ReportSchedule.id), default=None
    )
    run_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey(ScheduleRun.id), default=None
    )
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    def audit_summary(self) -> dict[str, Any]:
        return {"kind": self.kind, "format": self.format}


class ReportFile(TenantBase):
    __tablename__ = "report_files"

    report_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey(Report.id, ondelete="CASCADE"), primary_key=True
    )
    content: Mapped[bytes] = mapped_column(LargeBinary)


class Delivery(IdMixin, TimestampMixin, TenantBase):
    """A run's message to one recipient. `outbox_id` is chosen here, before the message is
    written to the platform's email outbox under that id: writing it twice writes it once."""

    __tablename__ = "report_deliveries"

    run_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey(ScheduleRun.id))
    schedule_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey(ReportSchedule.id)
    )
    recipient: Mapped[str] = mapped_column(Text)
    outbox_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    queued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
