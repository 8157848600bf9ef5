from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import CHAR, Date, Float, ForeignKey, LargeBinary, Numeric, SmallInteger, Text
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from finsight.accounts.models import Account
from finsight.categories.models import Category
from finsight.kit.models import IdMixin, MetadataMixin, SoftDeleteMixin, TenantBase, TimestampMixin

# Fields a person may set on a transaction; once set, rules and models leave them alone.
USER_FIELDS = ("category_id", "notes", "tags", "excluded", "merchant")


class Transaction(IdMixin, TimestampMixin, SoftDeleteMixin, MetadataMixin, TenantBase):
    __tablename__ = "transactions"

    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey(Account.id))
    # The import batch that brought the row (ingestion's, a domain above the books): the
    # tenant migration's foreign key enforces it; the model does not name ingestion's table.
    import_batch_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), default=None)
    transaction_date: Mapped[date] = mapped_column(Date)
    posted_date: Mapped[date | None] = mapped_column(Date, default=None)
    amount: Mapped[Decimal] = mapped_column(Numeric(19, 4))
    currency: Mapped[str] = mapped_column(CHAR(3))
    description_raw: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    merchant: Mapped[str | None] = mapped_column(Text, default=None)
    original_category: Mapped[str | None] = mapped_column(Text, default=None)
    category_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey(Category.id), default=None
    )
    category_source: Mapped[str | None] = mapped_column(Text, default=None)
    bank_id: Mapped[str | None] = mapped_column(Text, default=None)
    bank_type: Mapped[str | None] = mapped_column(Text, default=None)
    check_number: Mapped[str | None] = mapped_column(Text, default=None)
    fingerprint: Mapped[bytes] = mapped_column(LargeBinary)
    # A source's own id for the row (Plaid's transaction_id): later changes find it by this.
    source_key: Mapped[str | None] = mapped_column(Text, default=None)
    pending: Mapped[bool] = mapped_column(default=False)
    notes: Mapped[str | None] = mapped_column(Text, default=None)
    tags: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    excluded: Mapped[bool] = mapped_column(default=False)
    transfer_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), default=None)
    user_fields: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    # Set by analytics runs: the cleaned descriptor key and the merchant it belongs to.
    merchant_key: Mapped[str | None] = mapped_column(Text, default=None)
    merchant_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), default=None)
    # The merchant's name as Merchants shows it (a person's rename or merge included), written
    # by analytics with merchant_id: lists, search and exports show it without reading
    # analytics' tables.
    merchant_name: Mapped[str | None] = mapped_column(Text, default=None)
    category_confidence: Mapped[float | None] = mapped_column(Float, default=None)
    category_rule_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), default=None)
    mcc: Mapped[int | None] = mapped_column(SmallInteger, default=None)

    def audit_summary(self) -> dict[str, Any]:
        return {"account_id": self.account_id, "amount": self.amount}
