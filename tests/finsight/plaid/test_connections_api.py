"""Connections over HTTP (a real api process with bank sync on, calling the local Plaid)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select, text

from finsight.accounts.models import Account
from finsight.audit.models import AuditEntry
from finsight.crypto.envelope import key_id
from finsight.plaid.models import PlaidAccount, PlaidItem, PlaidItemIndex
from finsight.plaid.sync import run_sync
from finsight.tenancy import tenant_session
from finsight.transactions.models import Transaction

from support.api import add_user, create_org, login

pytestmark = pytest.mark.integration


def _connect(api, member, institution="ins_109508"):
    return api.post(
        "/api/plaid/test-bank", json={"institution_id": institution}, headers=member.headers
    )


def test_connect_a_test_bank_maps_accounts_and_never_shows_the_token(api, owner, org, emulator):
    response = _connect(api, owner)
    assert response.status_code == 201, response.text
    item = response.json()
    assert item["institution_name"] == "First Platypus Bank"
    assert item["status"] == "healthy" and item["needs_attention"] is False
    assert item["sync_state"] == "queued"
    assert len(item["accounts"]) == 2
    bank = emulator.banks.items[item["item_id"]]
    assert bank.access_token not in response.text
    assert "access_token" not in item
    listed = api.get("/api/plaid/items", headers=owner.headers)
    assert listed.status_code == 200
    assert bank.access_token not in listed.text
    assert [i["id"] for i in listed.json()["items"]] == [item["id"]]

    with tenant_session(org) as session:
        stored = session.get(PlaidItem, uuid.UUID(item["id"]))
        assert stored is not None
        # Encrypted at rest, the key's id beside it.
        assert stored.access_token.startswith(("fs1:", "fs2:"))
        assert bank.access_token not in stored.access_token
        assert stored.access_token_key_id == key_id(stored.access_token)
        accounts = session.scalars(
            select(Account.name).join(PlaidAccount, PlaidAccount.account_id == Account.id)
        ).all()
        assert sorted(accounts) == [
            "First Platypus Bank Plaid Checking 0000",
            f"First Platypus Bank Plaid Credit Card {bank.accounts[1].mask}",
        ]
        actions = session.scalars(select(AuditEntry.action)).all()
        assert "plaid.item.connect" in actions
        assert actions.count("account.create") >= 2
    from finsight.db import platform_session

    with platform_session() as session:
        indexed = session.get(PlaidItemIndex, item["item_id"])
        assert indexed is not None


def test_the_same_institution_twice_is_refused_before_plaid_makes_an_item(api, owner, emulator):
    assert _connect(api, owner).status_code == 201
    second = emulator.banks.create_item("ins_109508")  # what Link made for the second attempt
    public_token = emulator.banks.public_token_for(second)
    again = api.post(
        "/api/plaid/items",
        json={"public_token": public_token, "institution": {"institution_id": "ins_109508"}},
        headers=owner.headers,
    )
    assert again.status_code == 409, again.text
    assert "already connected" in again.json()["detail"]
    assert public_token in emulator.banks.public_tokens  # refused before the exchange
    # Without Link's hint it is found after the exchange: refused, and removed at Plaid.
    unhinted = api.post(
        "/api/plaid/items", json={"public_token": public_token}, headers=owner.headers
    )
    assert unhinted.status_code == 409, unhinted.text
    assert second.removed
    assert len(api.get("/api/plaid/items", headers=owner.headers).json()["items"]) == 1


def test_link_tokens_new_and_update_mode(api, owner):
    fresh = api.post("/api/plaid/link-token", json={}, headers=owner.headers)
    assert fresh.status_code == 200, fresh.text
    assert fresh.json()["link_token"].startswith("link-")
    assert fresh.json()["update_mode"] is False
    item = _connect(api, owner).json()
    update = api.post("/api/plaid/link-token", json={"item_id": item["id"]}, headers=owner.headers)
    assert update.status_code == 200 and update.json()["update_mode"] is True
    missing = api.post(
        "/api/plaid/link-token", json={"item_id": str(uuid.uuid4())}, headers=owner.headers
    )
    assert missing.status_code == 404


def test_bad_public_token_is_a_clear_422(api, owner):
    response = api.post(
        "/api/plaid/items", json={"public_token": "public-nope"}, headers=owner.headers
    )
    assert response.status_code == 422, response.text
    assert "INVALID_PUBLIC_TOKEN" in response.json()["detail"]


def test_remove_keeps_the_transactions_and_tolerates_an_item_plaid_forgot(
    api, owner, org, emulator
):
    item = _connect(api, owner).json()
    assert run_sync(org, uuid.UUID(item["id"])) == "succeeded"
    with tenant_session(org) as session:
        rows = session.scalar(text("SELECT count(*) FROM transactions WHERE deleted_at IS NULL"))
    assert rows and rows > 0
    emulator.banks.items[item["item_id"]].removed = True  # gone at Plaid already
    response = api.delete(f"/api/plaid/items/{item['id']}", headers=owner.headers)
    assert response.status_code == 204, response.text
    assert api.get(f"/api/plaid/items/{item['id']}", headers=owner.headers).status_code == 404
    with tenant_session(org) as session:
        left = session.scalar(
            select(text("count(*)"))
            .select_from(Transaction)
            .where(Transaction.deleted_at.is_(None))
        )
        assert left == rows
        stored = session.get(PlaidItem, uuid.UUID(item["id"]))
        assert stored is not None and stored.deleted_at is not None
    # Connecting it again is allowed once removed.
    assert _connect(api, owner).status_code == 201


def test_sync_now_queues_a_sync(api, owner, org):
    item = _connect(api, owner).json()
    assert run_sync(org, uuid.UUID(item["id"])) == "succeeded"
    response = api.post(f"/api/plaid/items/{item['id']}/sync", headers=owner.headers)
    assert response.status_code == 202, response.text
    assert response.json() == {"queued": True, "sync_state": "queued"}


def test_viewers_see_connections_but_cannot_change_them(api, owner, org):
    item = _connect(api, owner).json()
    viewer = login(api, add_user(org, "viewer"), org)
    assert api.get("/api/plaid/items", headers=viewer.headers).status_code == 200
    assert _connect(api, viewer).status_code == 403
    assert (
        api.post(f"/api/plaid/items/{item['id']}/sync", headers=viewer.headers).status_code == 403
    )
    assert api.delete(f"/api/plaid/items/{item['id']}", headers=viewer.headers).status_code == 403


def test_one_organization_never_sees_or_touches_anothers_items(api, owner, unique_slug):
    item = _connect(api, owner).json()
    other_slug = "t" + uuid.uuid4().hex[:12]
    other = login(api, create_org(other_slug), other_slug)
    assert api.get("/api/plaid/items", headers=other.headers).json()["items"] == []
    assert api.get(f"/api/plaid/items/{item['id']}", headers=other.headers).status_code == 404
    assert api.delete(f"/api/plaid/items/{item['id']}", headers=other.headers).status_code == 404
    assert api.post(f"/api/plaid/items/{item['id']}/sync", headers=other.headers).status_code == 404
    # The other organization may connect the same institution: items are per organization.
    assert _connect(api, other).status_code == 201
    # And its tenant role cannot read the first one's tokens at all.
    with pytest.raises(Exception, match="permission denied"), tenant_session(other_slug) as session:
        session.execute(text(f"SELECT access_token FROM org_{unique_slug}.plaid_items"))


def test_reconnect_clears_needs_attention_only_when_plaid_says_healthy(api, owner, emulator):
    item = _connect(api, owner).json()
    bank = emulator.banks.items[item["item_id"]]
    bank.error = "ITEM_LOGIN_REQUIRED"
    body = emulator.webhook_body(
        bank, "ITEM", "ERROR", error={"error_code": "ITEM_LOGIN_REQUIRED", "error_message": "x"}
    )
    webhook = api.post(
        "/api/plaid/webhook",
        content=body,
        headers={"plaid-verification": emulator.sign_webhook(body)},
    )
    assert webhook.status_code == 200
    path = f"/api/plaid/items/{item['id']}/reconnected"
    still = api.post(path, headers=owner.headers)
    assert still.status_code == 200, still.text
    assert (still.json()["status"], still.json()["needs_attention"]) == ("login_required", True)
    bank.error = None  # the person signed in again through Link's update mode
    fixed = api.post(path, headers=owner.headers).json()
    assert (fixed["status"], fixed["needs_attention"]) == ("healthy", False)
    assert fixed["sync_state"] == "queued"


def test_switched_off_bank_sync_mounts_nothing(monkeypatch):
    from fastapi.testclient import TestClient

    from finsight.app import create_app
    from finsight.config import get_settings

    monkeypatch.setenv("ENABLE_PLAID_INTEGRATION", "false")
    monkeypatch.setenv("JWT_SECRET", "x" * 48)
    get_settings.cache_clear()
    try:
        paths = create_app().openapi()["paths"]
        assert not [p for p in paths if p.startswith("/api/plaid")]
        with TestClient(create_app()) as local:
            assert local.post("/api/plaid/webhook", content=b"{}").status_code == 404
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
