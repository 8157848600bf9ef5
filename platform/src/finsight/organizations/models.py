from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, LargeBinary, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column, relationship

from finsight.kit.models import (
    IdMixin,
    MetadataMixin,
    PlatformBase,
    SoftDeleteMixin,
    TimestampMixin,
    utcnow,
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
    # Members without two-factor sign-in get no token for this organization until they enrol.
    require_two_factor: Mapped[bool] = mapped_column(default=False)
    # IANA name: report schedules, business hours and "this month" run in it.
    time_zone: Mapped[str] = mapped_column(Text, default="UTC")

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


class Invitation(IdMixin, TimestampMixin, PlatformBase):
    """An offer of membership to an email address: the token (stored hashed) goes to that
    address only, so whoever accepts it holds that mailbox."""

    __tablename__ = "invitations"

    org_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey(Organization.id))
    email: Mapped[str] = mapped_column(Text)
    role_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey(Role.id))
    token_hash: Mapped[bytes] = mapped_column(LargeBinary)
    invited_by: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey(User.id), default=None
    )
    invited_by_name: Mapped[str] = mapped_column(Text, default="")
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    accepted_by: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey(User.id), default=None
    )
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)

    organization: Mapped[Organization] = relationship(lazy="joined")
    role: Mapped[Role] = relationship(lazy="joined")

    @property
    def status(self) -> str:
        if self.accepted_at is not None:
            return "accepted"
        if self.revoked_at is not None:
            return "revoked"
        return "pending" if self.expires_at > utcnow() else "expired"
