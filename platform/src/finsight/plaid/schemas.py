from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from finsight.plaid.health import STATUS_WORDS
from finsight.plaid.models import HEALTHY, PlaidAccount, PlaidItem


class LinkTokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Update mode (re-authentication): the connection to repair. Absent: a new connection.
    item_id: uuid.UUID | None = None


class LinkTokenOut(BaseModel):
    link_token: str
    expiration: datetime
    update_mode: bool


class AccountLinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    plaid_account_id: str = Field(min_length=1, max_length=200)
    # An existing finsight account to feed (e.g. one fed by statement files so far: rows
    # already there are matched, not doubled); null or absent: a new account is created.
    account_id: uuid.UUID | None = None


class InstitutionIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    institution_id: str | None = Field(default=None, max_length=100)
    name: str | None = Field(default=None, max_length=200)


class ConnectRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "public_token": "public-sandbox-...",
                    "institution": {"institution_id": "ins_109508"},
                    "accounts": [{"plaid_account_id": "...", "account_id": None}],
                }
            ]
        },
    )

    public_token: str = Field(min_length=1, max_length=500)
    # Link's metadata.institution: lets a second connection of it be refused before exchange.
    institution: InstitutionIn | None = None
    accounts: list[AccountLinkIn] = Field(default_factory=list, max_length=100)


class TestBankRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    institution_id: str | None = Field(default=None, max_length=100)


class PlaidAccountOut(BaseModel):
    plaid_account_id: str
    account_id: uuid.UUID
    account_name: str
    name: str
    mask: str | None
    type: str
    subtype: str | None


class ItemOut(BaseModel):
    id: uuid.UUID
    item_id: str
    institution_id: str | None
    institution_name: str
    status: str
    needs_attention: bool
    status_text: str
    error_code: str | None
    error_message: str | None
    sync_state: str
    sync_error: str | None
    last_synced_at: datetime | None
    sync_requested_at: datetime | None
    last_sync: dict[str, Any]
    accounts: list[PlaidAccountOut]
    created_at: datetime

    @classmethod
    def of(cls, item: PlaidItem, accounts: list[tuple[PlaidAccount, str]]) -> ItemOut:
        return cls(
            id=item.id,
            item_id=item.item_id,
            institution_id=item.institution_id,
            institution_name=item.institution_name,
            status=item.status,
            needs_attention=item.status != HEALTHY,
            status_text=STATUS_WORDS.get(item.status, item.status),
            error_code=item.error_code,
            error_message=item.error_message,
            sync_state=item.sync_state,
            sync_error=item.sync_error,
            last_synced_at=item.last_synced_at,
            sync_requested_at=item.sync_requested_at,
            last_sync=item.last_sync or {},
            accounts=[
                PlaidAccountOut(
                    plaid_account_id=a.plaid_account_id,
                    account_id=a.account_id,
                    account_name=name,
                    name=a.name,
                    mask=a.mask,
                    type=a.type,
                    subtype=a.subtype,
                )
                for a, name in accounts
                if a.item_id == item.id
            ],
            created_at=item.created_at,
        )


class ItemList(BaseModel):
    items: list[ItemOut]
    # Plaid Link can open (real Plaid); test banks can be connected without it (sandbox, or
    # `finsight dev`'s local Plaid).
    link_available: bool
    test_banks_available: bool


class SyncQueued(BaseModel):
    queued: bool
    sync_state: str


class WebhookAnswer(BaseModel):
    outcome: str
