from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import CHAR, ForeignKey, Numeric, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from finsight.kit.models import IdMixin, MetadataMixin, SoftDeleteMixin, TenantBase, TimestampMixin

ACCOUNT_TYPES = ("checking", "savings", "credit_card", "loan", "investment", "cash", "other")
INSTITUTION_CODES = ("chase", "discover", "capital_one")


class FinancialInstitution(TimestampMixin, SoftDeleteMixin, MetadataMixin, TenantBase):
    __tablename__ = "financial_institutions"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(Text)
    code: Mapped[str | None] = mapped_column(Text, default=None)
    website: Mapped[str | None] = mapped_column(Text, default=None)

    def audit_summary(self) -> dict[str, Any]:
        return {"name": self.name}


class Account(IdMixin, TimestampMixin, SoftDeleteMixin, MetadataMixin, TenantBase):
    __tablename__ = "accounts"

    institution_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey(FinancialInstitution.id), default=None
    )
    name: Mapped[str] = mapped_column(Text)
    type: Mapped[str] = mapped_column(Text)
    currency: Mapped[str] = mapped_column(CHAR(3))
    mask: Mapped[str | None] = mapped_column(Text, default=None)
    opening_balance: Mapped[Decimal] = mapped_column(Numeric(19, 4), default=Decimal(0))
    current_balance: Mapped[Decimal] = mapped_column(Numeric(19, 4), default=Decimal(0))

    def audit_summary(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type}
