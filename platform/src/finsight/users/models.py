from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, LargeBinary, Text
from sqlalchemy.orm import Mapped, mapped_column

from finsight.kit.models import (
    IdMixin,
    MetadataMixin,
    PlatformBase,
    SoftDeleteMixin,
    TimestampMixin,
)


class User(IdMixin, TimestampMixin, SoftDeleteMixin, MetadataMixin, PlatformBase):
    __tablename__ = "users"

    email: Mapped[str] = mapped_column(Text)
    full_name: Mapped[str] = mapped_column(Text, default="")
    password_hash: Mapped[str | None] = mapped_column(Text, default=None)
    is_active: Mapped[bool] = mapped_column(default=True)
    is_platform_admin: Mapped[bool] = mapped_column(default=False)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    password_changed_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), default=None
    )
    # Two-factor sign-in (finsight.auth.two_factor); TOTP secrets encrypted (finsight.crypto).
    totp_secret: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    totp_pending_secret: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    totp_enabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger, default=None)

    @property
    def two_factor_enabled(self) -> bool:
        return self.totp_enabled_at is not None
