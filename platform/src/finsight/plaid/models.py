from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Computed, DateTime, ForeignKey, Text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from finsight.accounts.models import Account
from finsight.kit.models import (
    IdMixin,
    MetadataMixin,
    PlatformBase,
    SoftDeleteMixin,
    TenantBase,
    TimestampMixin,
    utcnow,
)

# Item health (plaid_items.status): anything but HEALTHY needs a person (reconnect, or look).
HEALTHY = "healthy"
ITEM_STATUSES = (
    HEALTHY,
    "login_required",
    "pending_expiration",
    "pending_disconnect",
    "permission_revoked",
    "account_revoked",
    "new_accounts_available",
    "error",
)
# The last (or current) sync of an item (plaid_items.sync_state).
QUEUED, SYNCING, SUCCEEDED, FAILED, STALE = "queued", "syncing", "succeeded", "failed", "stale"
SYNC_STATES = (QUEUED, SYNCING, SUCCEEDED, FAILED, STALE)


class PlaidItem(IdMixin, TimestampMixin, SoftDeleteMixin, MetadataMixin, TenantBase):
    __tablename__ = "plaid_items"

    item_id: Mapped[str] = mapped_column(Text)
    institution_id: Mapped[str | None] = mapped_column(Text, default=None)
    institution_name: Mapped[str] = mapped_column(Text)
    # Envelope-encrypted; read it only through finsight.plaid.tokens.
    access_token: Mapped[str] = mapped_column(Text)
    access_token_key_id: Mapped[str | None] = mapped_column(
        Text, Computed("split_part(access_token, ':', 2)", persisted=True)
    )
    status: Mapped[str] = mapped_column(Text, default=HEALTHY)
    error_code: Mapped[str | None] = mapped_column(Text, default=None)
    error_message: Mapped[str | None] = mapped_column(Text, default=None)
    consent_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sync_state: Mapped[str] = mapped_column(Text, default=QUEUED)
    cursor: Mapped[str | None] = mapped_column(Text, default=None)
    sync_attempts: Mapped[int] = mapped_column(default=0)
    sync_requested_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
    sync_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sync_finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_synced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sync_error: Mapped[str | None] = mapped_column(Text, default=None)
    last_sync: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), default=None)

    def audit_summary(self) -> dict[str, Any]:
        return {"institution": self.institution_name, "item_id": self.item_id}


class PlaidAccount(IdMixin, TimestampMixin, MetadataMixin, TenantBase):
    __tablename__ = "plaid_accounts"

    item_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey(PlaidItem.id, ondelete="CASCADE")
    )
    plaid_account_id: Mapped[str] = mapped_column(Text)
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey(Account.id))
    name: Mapped[str] = mapped_column(Text)
    mask: Mapped[str | None] = mapped_column(Text, default=None)
    type: Mapped[str] = mapped_column(Text)
    subtype: Mapped[str | None] = mapped_column(Text, default=None)


class PlaidItemIndex(PlatformBase):
    """Platform-wide: the organization of each item (Plaid's webhooks name only the item)."""

    __tablename__ = "plaid_item_index"

    item_id: Mapped[str] = mapped_column(Text, primary_key=True)
    org_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
