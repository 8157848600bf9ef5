"""Manual entry goes through the ledger: POST /api/transactions moves the balance, pairs
transfers, is audited, and the "rows landed" event starts analytics, as an import does."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import pytest

from support.api import Member, add_user, create_org, login

pytestmark = pytest.mark.integration


def _account(client: httpx.Client, member: Member, name: str, kind: str = "checking") -> str:
    made = client.post(
        "/api/accounts",
        headers=member.headers,
        json={"name": name, "type": kind, "currency": "USD", "opening_balance": "100.00"},
    )
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def _enter(client: httpx.Client, member: Member, **fields: Any) -> httpx.Response:
    body = {"transaction_date": "2024-03-01", "amount": "-12.50", "description": "Cash"}
    return client.post("/api/transactions", headers=member.headers, json={**body, **fields})


@pytest.fixture
def owner(client: httpx.Client, unique_slug: str) -> Member:
    return login(client, create_org(unique_slug), unique_slug)


def test_an_entry_lands_in_the_books(client: httpx.Client, owner: Member, worker_process):
    account = _account(client, owner, "Wallet")
    category = client.get("/api/categories", headers=owner.headers).json()[0]["id"]
    made = _enter(client, owner, account_id=account, category_id=category, notes="farmers market")
    assert made.status_code == 201, made.text
    row = made.json()
    assert (row["amount"], row["currency"], row["category_id"]) == ("-12.50", "USD", category)
    assert row["category_source"] == "user" and "category_id" in row["user_fields"]
    balance = client.get(f"/api/accounts/{account}", headers=owner.headers).json()
    assert balance["current_balance"] == "87.50"
    # Two identical entries are two transactions (a person's entries have no bank id).
    assert _enter(client, owner, account_id=account).status_code == 201
    listed = client.get("/api/transactions", headers=owner.headers).json()["items"]
    assert len(listed) == 2
    audit = client.get(
        "/api/audit", headers=owner.headers, params={"action": "transaction.create"}
    ).json()
    assert len(audit["items"]) == 2
    # Analytics follows, as after an import.
    deadline, runs = time.monotonic() + 60, []
    while time.monotonic() < deadline:
        runs = client.get("/api/analytics/runs", headers=owner.headers).json()["items"]
        if runs and runs[0]["status"] in ("succeeded", "failed"):
            break
        time.sleep(0.2)
    assert runs and runs[0]["parameters"]["trigger"] == "manual", runs
    assert runs[0]["status"] == "succeeded", runs[0]


def test_a_transfer_entered_on_both_sides_is_paired(client: httpx.Client, owner: Member):
    checking = _account(client, owner, "Checking")
    savings = _account(client, owner, "Savings", "savings")
    out = _enter(client, owner, account_id=checking, amount="-500.00", description="To savings")
    into = _enter(client, owner, account_id=savings, amount="500.00", description="From checking")
    assert out.status_code == into.status_code == 201
    pair = client.get(f"/api/transactions/{into.json()['id']}", headers=owner.headers).json()
    assert pair["transfer_id"] is not None


def test_bad_entries_are_refused_naming_the_field(
    client: httpx.Client, owner: Member, unique_slug: str
):
    account = _account(client, owner, "Wallet")
    missing = _enter(client, owner, account_id=str(uuid.uuid4()))
    assert missing.status_code == 404
    wrong_category = _enter(client, owner, account_id=account, category_id=str(uuid.uuid4()))
    assert wrong_category.status_code == 422
    assert wrong_category.json()["errors"][0]["field"] == "category_id"
    empty = _enter(client, owner, account_id=account, description="  ")
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "description"
    viewer = login(client, add_user(unique_slug, "viewer"), unique_slug)
    assert _enter(client, viewer, account_id=account).status_code == 403
    # Another organization's account is not found.
    other = f"{unique_slug}z"
    stranger = login(client, create_org(other), other)
    assert _enter(client, stranger, account_id=account).status_code == 404
