from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from finsight.kit.models import IdMixin, PlatformBase, TimestampMixin


class EmailOutbox(IdMixin, TimestampMixin, PlatformBase):
    """A message to send, written in the transaction that decided to send it."""

    __tablename__ = "email_outbox"

    org_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("platform.orgs.id"), default=None
    )
    kind: Mapped[str] = mapped_column(Text)
    to_address: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(Text)
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str | None] = mapped_column(Text, default=None)
    # [{"filename", "mime_type", "content_b64"}]
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    sensitive: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(Text, default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
