"""Transactions inserted straight into a tenant's tables (the import pipeline is tested on its
own), and accounts made through the API."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest

from finsight.accounts.service import recompute_balance
from finsight.tenancy import tenant_session
from finsight.transactions.models import Transaction

from support.api import Member

Ledger = Callable[..., list[uuid.UUID]]
NewAccount = Callable[..., dict[str, Any]]


def insert_transactions(
    slug: str, account_id: uuid.UUID | str, rows: list[dict[str, Any]]
) -> list[uuid.UUID]:
    """rows: dicts with `day` (date or ISO string), `amount` (str) and any Transaction column."""
    account = uuid.UUID(str(account_id))
    ids = []
    with tenant_session(slug) as session:
        for row in rows:
            values = dict(row)
            day = values.pop("day")
            description = values.pop("description", "COFFEE SHOP")
            transaction = Transaction(
                account_id=account,
                transaction_date=day if isinstance(day, date) else date.fromisoformat(day),
                amount=Decimal(values.pop("amount")),
                currency=values.pop("currency", "USD"),
                description_raw=description,
                description=description,
                fingerprint=uuid.uuid4().bytes,
                **values,
            )
            session.add(transaction)
            session.flush()
            ids.append(transaction.id)
        recompute_balance(session, account)
    return ids


@pytest.fixture
def ledger(owner: Member) -> Ledger:
    def add(account_id: uuid.UUID | str, rows: list[dict[str, Any]], slug: str | None = None):
        return insert_transactions(slug or str(owner.org_slug), account_id, rows)

    return add


@pytest.fixture
def new_account(client: httpx.Client, owner: Member) -> NewAccount:
    def create(name: str = "Checking", member: Member | None = None, **fields: Any):
        body = {"name": name, "type": "checking", "currency": "USD", **fields}
        response = client.post("/api/accounts", json=body, headers=(member or owner).headers)
        assert response.status_code == 201, response.text
        return dict(response.json())

    return create
