"""Request and response bodies of the merchants API."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from finsight.analytics.merchant_store import MAX_NAME


class MerchantOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    name_source: str = Field(description="`cleaner` (from the descriptors) or `user` (renamed)")
    keys: list[str] = Field(description="The cleaned descriptor keys grouped into this merchant")
    transactions: int = Field(description="Live transactions of this merchant")
    last_seen: date | None = Field(description="Date of its latest transaction")


class MerchantKeyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    key: str
    display: str = Field(description="The cleaner's spelling of the key")
    pinned: bool = Field(description="Placed by a person's merge or split; runs never move it")


class MerchantDetailOut(MerchantOut):
    key_details: list[MerchantKeyOut]


class MerchantRenameIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=MAX_NAME)


class MerchantMergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source_ids: list[uuid.UUID] = Field(
        min_length=1, max_length=200, description="Merchants merged into the target, then deleted"
    )
    target_id: uuid.UUID


class MerchantSplitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    keys: list[str] = Field(
        min_length=1, max_length=1000, description="Keys of this merchant that become a new one"
    )
    name: str | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_NAME,
        description="The new merchant's name; the first key's display when absent",
    )
