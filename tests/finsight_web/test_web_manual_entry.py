"""The dashboard's manual entry form, against real api and web processes."""

from __future__ import annotations

import httpx
import pytest

from support.accounts import make_account
from support.api import create_org, login
from support.web import WebClient

pytestmark = pytest.mark.integration


def test_a_person_adds_a_cash_transaction(web: WebClient, client: httpx.Client, unique_slug):
    email = create_org(unique_slug)
    owner = login(client, email)
    account = make_account(unique_slug, name="Wallet", bank=None)
    web.sign_in(email)
    listing = web.get("/transactions")
    assert 'href="/transactions/new"' in listing.text
    form = web.get("/transactions/new")
    assert form.status_code == 200 and "Add a transaction" in form.text
    assert f'value="{account}" selected' in form.text  # the only account is chosen

    refused = web.post(
        "/transactions/new",
        {
            "account_id": str(account),
            "transaction_date": "2026-03-02",
            "direction": "out",
            "amount": "12.50",
            "description": "",
        },
        csrf_from="/transactions/new",
    )
    assert refused.status_code == 422 and 'aria-invalid="true"' in refused.text

    added = web.post(
        "/transactions/new",
        {
            "account_id": str(account),
            "transaction_date": "2026-03-02",
            "direction": "out",
            "amount": "12.50",
            "description": "Farmers market",
            "tags": "cash, weekend",
        },
        csrf_from="/transactions/new",
    )
    assert added.status_code == 303 and added.headers["location"] == "/transactions"
    assert "Added Farmers market" in web.follow(added).text
    rows = client.get("/api/transactions", headers=owner.headers).json()["items"]
    assert [(r["description"], r["amount"], r["tags"]) for r in rows] == [
        ("Farmers market", "-12.50", ["cash", "weekend"])
    ]
