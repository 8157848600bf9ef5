"""Transactions inserted straight into a tenant's tables (the import pipeline is tested on its
own), and accounts made through the API."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from support.api import Member
from support.ledger import insert_transactions

Ledger = Callable[..., list[uuid.UUID]]
NewAccount = Callable[..., dict[str, Any]]


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
