from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Text
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from finsight.kit.models import IdMixin, PlatformBase, TimestampMixin
from finsight.rbac.permissions import BUILTIN_ROLES


class Role(IdMixin, TimestampMixin, PlatformBase):
    """A built-in role (no organization; its permissions come from code, so a release that adds
    permissions updates every organization at once) or an organization's custom role."""

    __tablename__ = "roles"

    org_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), default=None)
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    stored_permissions: Mapped[list[str]] = mapped_column("permissions", ARRAY(Text), default=list)
    is_builtin: Mapped[bool] = mapped_column(default=False)

    def audit_summary(self) -> dict[str, Any]:
        return {"name": self.name, "permissions": sorted(self.permissions)}

    @property
    def permissions(self) -> frozenset[str]:
        if self.is_builtin:
            return BUILTIN_ROLES[self.name]
        return frozenset(self.stored_permissions)
