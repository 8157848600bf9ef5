from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from finsight.accounts.currencies import normalize_currency
from finsight.accounts.money import Money, MoneyIn

AccountType = Literal["checking", "savings", "credit_card", "loan", "investment", "cash", "other"]
InstitutionCode = Literal["chase", "discover", "capital_one"]

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Currency = Annotated[
    str,
    Field(description="ISO 4217 code", examples=["USD"]),
    AfterValidator(normalize_currency),
]
Mask = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[0-9A-Za-z]{2,8}$"),
    Field(description="The account number's last 2-8 characters", examples=["4821"]),
]
Website = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)]


class InstitutionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    code: str | None = Field(
        description="Set on the banks whose statement formats finsight reads "
        "(chase, discover, capital_one): an import refuses another bank's file"
    )
    website: str | None
    created_at: datetime
    updated_at: datetime


class InstitutionCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"name": "Ally Bank", "website": "https://ally.com"}]},
    )

    name: Name
    code: InstitutionCode | None = None
    website: Website | None = None


class InstitutionUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    code: InstitutionCode | None = None
    website: Website | None = None


class BankBalanceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    stated: Money = Field(description="The balance the bank's statement states, end of as_of")
    as_of: date
    balance: Money = Field(description="stated plus our transactions dated after as_of")
    ours_then: Money = Field(description="Our running balance at the end of as_of")
    difference: Money = Field(
        description="ours_then minus stated: not zero when our running balance disagrees "
        "with the bank's (an opening balance not set, a statement missing)"
    )


class AccountOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    type: AccountType
    currency: str
    institution_id: uuid.UUID | None
    mask: str | None
    opening_balance: Money
    current_balance: Money = Field(
        description="opening_balance plus every live (not deleted) transaction, pending included"
    )
    bank_balance: BankBalanceOut | None = Field(
        default=None,
        description="The latest balance a bank statement stated (OFX LEDGERBAL, a Balance "
        "column), carried to today, beside ours; null when no file stated one",
    )
    created_at: datetime
    updated_at: datetime


class AccountCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Chase Sapphire",
                    "type": "credit_card",
                    "currency": "USD",
                    "mask": "4821",
                    "opening_balance": "0.00",
                }
            ]
        },
    )

    name: Name
    type: AccountType
    currency: Currency = "USD"
    institution_id: uuid.UUID | None = None
    mask: Mask | None = None
    opening_balance: MoneyIn = Decimal(0)


class AccountUpdate(BaseModel):
    """Only the fields sent change; null clears institution_id and mask."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    type: AccountType | None = None
    currency: Currency | None = Field(
        default=None, description="Only while the account has no transactions"
    )
    institution_id: uuid.UUID | None = None
    mask: Mask | None = None
    opening_balance: MoneyIn | None = Field(
        default=None, description="current_balance moves by the same difference"
    )
