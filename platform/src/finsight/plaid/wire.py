"""The /transactions/sync answer, validated by these models rather than plaid-python's.

The call itself is plaid-python's (`_preload_content=False`: its HTTP response, unparsed): its
model layer checks every field of every transaction in Python, about 4 ms per transaction here
(2 s for a page of 500), which would make a large first sync spend minutes validating. These
pydantic models parse the JSON and validate what the sync reads, with Plaid's required and
nullable fields, at a small fraction of that."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, ConfigDict


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Category(_Wire):
    primary: str
    detailed: str


class Transaction(_Wire):
    transaction_id: str
    account_id: str
    amount: Decimal
    iso_currency_code: str | None
    date: dt.date
    authorized_date: dt.date | None = None
    name: str
    merchant_name: str | None = None
    pending: bool
    pending_transaction_id: str | None = None
    personal_finance_category: Category | None = None
    category: list[str] | None = None
    check_number: str | None = None

    @property
    def bank_category(self) -> str | None:
        """The bank's category as Plaid names it: "PRIMARY > DETAILED" (legacy: its path)."""
        pfc = self.personal_finance_category
        if pfc is not None:
            return f"{pfc.primary} > {pfc.detailed}"
        return " > ".join(self.category) if self.category else None


class Removed(_Wire):
    transaction_id: str
    account_id: str | None = None


class Balances(_Wire):
    current: float | None
    iso_currency_code: str | None


class Account(_Wire):
    account_id: str
    name: str
    mask: str | None
    type: str
    subtype: str | None
    balances: Balances


class SyncPage(_Wire):
    added: list[Transaction]
    modified: list[Transaction]
    removed: list[Removed]
    accounts: list[Account]
    next_cursor: str
    has_more: bool
    request_id: str
    transactions_update_status: str
