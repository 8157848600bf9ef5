from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column, relationship

from finsight.kit.models import (
    IdMixin,
    MetadataMixin,
    PlatformBase,
    SoftDeleteMixin,
    TimestampMixin,
)
from finsight.rbac.models import Role
from finsight.users.models import User


class Organization(IdMixin, TimestampMixin, SoftDeleteMixin, MetadataMixin, PlatformBase):
    __tablename__ = "orgs"

    slug: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    plan: Mapped[str] = mapped_column(Text, default="standard")
    status: Mapped[str] = mapped_column(Text, default="active")
    schema_name: Mapped[str] = mapped_column(Text)
    database_cluster: Mapped[str] = mapped_column(Text, default="default")

    @property
    def is_suspended(self) -> bool:
        return self.status == "suspended"


class Membership(IdMixin, TimestampMixin, PlatformBase):
    __tablename__ = "memberships"

    org_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey(Organization.id))
    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey(User.id))
    role_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey(Role.id))

    organization: Mapped[Organization] = relationship(lazy="joined")
    user: Mapped[User] = relationship(lazy="joined")
    role: Mapped[Role] = relationship(lazy="joined")
