from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import CHAR, Date, ForeignKey, Numeric
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from finsight.categories.models import Category
from finsight.kit.models import IdMixin, MetadataMixin, SoftDeleteMixin, TenantBase, TimestampMixin


class Budget(IdMixin, TimestampMixin, SoftDeleteMixin, MetadataMixin, TenantBase):
    """A monthly spending limit for a category (its subcategories included) in one currency."""

    __tablename__ = "budgets"

    category_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey(Category.id))
    currency: Mapped[str] = mapped_column(CHAR(3))
    amount: Mapped[Decimal] = mapped_column(Numeric(19, 4))
    rollover: Mapped[bool] = mapped_column(default=False)
    start_month: Mapped[date] = mapped_column(Date)

    def audit_summary(self) -> dict[str, Any]:
        return {
            "category_id": self.category_id,
            "currency": self.currency,
            "amount": self.amount,
            "rollover": self.rollover,
        }
