from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, LargeBinary, Text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from finsight.accounts.models import Account
from finsight.kit.models import IdMixin, MetadataMixin, TenantBase, TimestampMixin

BATCH_STATUSES = ("queued", "running", "succeeded", "failed")


class ColumnMappingRecord(IdMixin, TimestampMixin, MetadataMixin, TenantBase):
    """A saved ColumnMapping (finsight.ingestion.mapping) of one account, reused by name."""

    __tablename__ = "column_mappings"

    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey(Account.id))
    name: Mapped[str] = mapped_column(Text)
    mapping: Mapped[dict[str, Any]] = mapped_column(JSONB)


class ImportBatch(IdMixin, TimestampMixin, MetadataMixin, TenantBase):
    __tablename__ = "import_batches"

    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey(Account.id))
    status: Mapped[str] = mapped_column(Text, default="queued")
    format: Mapped[str | None] = mapped_column(Text, default=None)
    requested_format: Mapped[str | None] = mapped_column(Text, default=None)
    on_error: Mapped[str] = mapped_column(Text, default="reject")
    mapping_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey(ColumnMappingRecord.id), default=None
    )
    filename: Mapped[str | None] = mapped_column(Text, default=None)
    file_sha256: Mapped[str] = mapped_column(Text)
    file_size: Mapped[int] = mapped_column(BigInteger)
    rows_total: Mapped[int] = mapped_column(default=0)
    rows_processed: Mapped[int] = mapped_column(default=0)
    bytes_processed: Mapped[int] = mapped_column(BigInteger, default=0)
    inserted: Mapped[int] = mapped_column(default=0)
    duplicates: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    warnings: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    attempts: Mapped[int] = mapped_column(default=0)
    requested_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), default=None)
    timings: Mapped[dict[str, float]] = mapped_column(JSONB, default=dict)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class ImportFile(TenantBase):
    __tablename__ = "import_files"

    batch_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey(ImportBatch.id), primary_key=True
    )
    content: Mapped[bytes] = mapped_column(LargeBinary)
