"""Request and response bodies of the categorization API (rules, review, proposals, models)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from finsight.accounts.money import Money
from finsight.transactions.schemas import MAX_BULK, TransactionOut

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Amount = Annotated[Decimal, Field(ge=0, max_digits=19, decimal_places=4)]


class Conditions(BaseModel):
    """All present conditions must hold."""

    model_config = ConfigDict(extra="forbid")

    description_contains: Text | list[Text] | None = Field(
        default=None,
        description="Case-insensitive substring of the description; a list matches any of them",
    )
    description_regex: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = (
        Field(
            default=None,
            description="Python regular expression searched in the description, ignoring case",
        )
    )
    merchant_ids: list[uuid.UUID] | None = Field(default=None, min_length=1, max_length=100)
    amount_min: Amount | None = Field(default=None, description="On the absolute amount")
    amount_max: Amount | None = Field(default=None, description="On the absolute amount")
    account_ids: list[uuid.UUID] | None = Field(default=None, min_length=1, max_length=100)
    direction: Literal["expense", "income"] | None = Field(
        default=None, description="expense: money out (amount < 0); income: money in"
    )


class Actions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category_id: uuid.UUID | None = None
    add_tags: list[Tag] | None = Field(default=None, max_length=20)


def stored(model: BaseModel) -> dict[str, Any]:
    """The body as plain JSON values, unset fields left out, for the service to validate."""
    return model.model_dump(mode="json", exclude_none=True)


class RuleIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Coffee",
                    "conditions": {"description_contains": ["coffee"], "direction": "expense"},
                    "actions": {"category_id": "0190c0de-0000-7000-8000-000000000000"},
                }
            ]
        },
    )

    name: Text
    enabled: bool = True
    stop_processing: bool = Field(
        default=False, description="When this rule matches, rules after it do not apply"
    )
    conditions: Conditions
    actions: Actions


class RuleUpdate(BaseModel):
    """Only the fields sent change; conditions and actions are replaced whole."""

    model_config = ConfigDict(extra="forbid")

    name: Text | None = None
    enabled: bool | None = None
    stop_processing: bool | None = None
    conditions: Conditions | None = None
    actions: Actions | None = None


class RuleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    position: int = Field(description="Rules apply in ascending position")
    enabled: bool
    stop_processing: bool
    conditions: dict[str, Any]
    actions: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class ReorderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: list[uuid.UUID] = Field(
        min_length=1, max_length=1000, description="Every rule, once, in the new order"
    )


class DryRunIn(BaseModel):
    """A rule to try (conditions and actions, placed last), a stored one (rule_id), or a stored
    one edited (rule_id with conditions and actions: judged in the stored rule's place)."""

    model_config = ConfigDict(extra="forbid")

    conditions: Conditions | None = None
    actions: Actions | None = None
    rule_id: uuid.UUID | None = None


class DryRunSample(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    transaction_id: uuid.UUID
    date: date
    description: str
    amount: Money
    currency: str = Field(description="ISO 4217, the transaction's")
    current_category_id: uuid.UUID | None
    new_category_id: uuid.UUID | None


class DryRunOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    matched: int = Field(description="Transactions the conditions match")
    would_change: int = Field(
        description="Of those, how many the actions would change (a person's category and "
        "tags are never changed)"
    )
    preempted: int = Field(
        description="Of those matched, how many an earlier rule takes first: it sets their "
        "category, or it matches them and stops the list"
    )
    sample: list[DryRunSample] = Field(description="The newest matches, at most 20")


class ReviewItem(TransactionOut):
    suggested_category_id: uuid.UUID | None = Field(
        description="The model's best guess (for a row it categorized: that category)"
    )
    confidence: float | None = Field(description="The model's confidence in the suggestion")


class ResolveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    transaction_ids: list[uuid.UUID] = Field(min_length=1, max_length=MAX_BULK)
    category_id: uuid.UUID


class ProposalOut(BaseModel):
    id: uuid.UUID
    merchant_id: uuid.UUID
    merchant: str = Field(description="The merchant's name")
    category_id: uuid.UUID
    support: int = Field(description="Rows a person categorized this way")
    status: str = Field(description="proposed, accepted or dismissed")
    rule_id: uuid.UUID | None = Field(description="The rule accepting it created")
    created_at: datetime
    decided_at: datetime | None


class ModelOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    version: int
    labels: int = Field(description="Labelled transactions it learnt from")
    classes: int = Field(description="Categories it can predict")
    metrics: dict[str, Any]
    created_at: datetime
