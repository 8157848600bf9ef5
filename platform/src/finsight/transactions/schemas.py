from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from finsight.accounts.money import Money

Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
MAX_TAGS = 20
MAX_BULK = 1000


class TransactionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    account_id: uuid.UUID
    import_batch_id: uuid.UUID | None
    transaction_date: date
    posted_date: date | None
    amount: Money = Field(description="Signed: negative when money leaves the account")
    currency: str
    description: str
    description_raw: str
    merchant: str | None
    merchant_id: uuid.UUID | None = Field(description="The merchant analytics grouped it under")
    merchant_name: str | None = Field(
        default=None,
        description="That merchant's name as Merchants shows it (after a rename or merge); "
        "null until analytics has grouped the row, or when a person typed the merchant",
    )
    mcc: int | None = Field(description="Merchant category code, where the source has one")
    original_category: str | None = Field(description="The bank's own category, as exported")
    category_id: uuid.UUID | None
    category_source: str | None = Field(description="bank, rule, model or user")
    category_confidence: float | None = Field(
        description="The model's confidence in category_id (1 for a rule); null otherwise"
    )
    category_rule_id: uuid.UUID | None = Field(description="The rule that set the category")
    bank_id: str | None
    bank_type: str | None
    check_number: str | None
    pending: bool
    notes: str | None
    tags: list[str]
    excluded: bool = Field(description="Left out of reports and analytics")
    transfer_id: uuid.UUID | None = Field(
        description="Shared by the two sides of a transfer between the organization's accounts"
    )
    user_fields: list[str] = Field(
        description="Fields a person set; rules and models leave them alone"
    )
    deleted_at: datetime | None
    created_at: datetime
    updated_at: datetime


class TransactionUpdate(BaseModel):
    """Only the fields sent change; each becomes a user field (rules no longer touch it)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"category_id": "0190c0de-0000-7000-8000-000000000000", "tags": ["trip"]}]
        },
    )

    category_id: uuid.UUID | None = Field(default=None, description="null: uncategorized")
    notes: Annotated[str, StringConstraints(max_length=2000)] | None = None
    tags: list[Tag] | None = Field(default=None, max_length=MAX_TAGS)
    excluded: bool | None = None
    merchant: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None


class BulkRecategorize(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: list[uuid.UUID] = Field(min_length=1, max_length=MAX_BULK)
    category_id: uuid.UUID | None = Field(description="null: uncategorized")


class BulkResult(BaseModel):
    requested: int = Field(description="Distinct ids sent")
    updated: int
    not_found: list[uuid.UUID] = Field(
        description="Ids that are not live transactions of this organization"
    )


class TotalOut(BaseModel):
    key: str = Field(description='"YYYY-MM"; or a category id ("" = uncategorized)')
    label: str = Field(examples=["2026-03", "Groceries", "Uncategorized"])
    currency: str
    income: Money = Field(description="Money in")
    spending: Money = Field(description="Money out, as a positive number")
    net: Money = Field(description="income - spending")
    count: int


class SummaryOut(BaseModel):
    group_by: str
    totals: list[TotalOut]
