from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ForeignKey, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from finsight.kit.models import MetadataMixin, SoftDeleteMixin, TenantBase, TimestampMixin

CATEGORY_KINDS = ("income", "expense", "transfer")


class Category(TimestampMixin, SoftDeleteMixin, MetadataMixin, TenantBase):
    """A node of the tenant's category tree; the default tree is seeded by the tenant migration."""

    __tablename__ = "categories"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("categories.id"), default=None
    )
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    is_system: Mapped[bool] = mapped_column(default=False)

    def audit_summary(self) -> dict[str, Any]:
        return {"name": self.name, "parent_id": self.parent_id}
