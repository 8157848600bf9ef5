from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from finsight.transactions.schemas import MAX_TAGS, Tag


class ManualTransaction(BaseModel):
    """A transaction a person enters by hand (cash, a correction): it enters the books through
    the ledger like any imported row (balance, transfer pairing, analytics)."""

    model_config = ConfigDict(extra="forbid")

    account_id: uuid.UUID
    transaction_date: date
    amount: Decimal = Field(
        max_digits=19, decimal_places=4, description="Signed: negative when money leaves"
    )
    description: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)
    ]
    category_id: uuid.UUID | None = None
    notes: Annotated[str, StringConstraints(max_length=2000)] | None = None
    tags: list[Tag] = Field(default_factory=list, max_length=MAX_TAGS)
