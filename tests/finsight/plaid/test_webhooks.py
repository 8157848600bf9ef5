"""POST /api/plaid/webhook: verified first (ES256 JWT, Plaid's key by kid, fresh iat, body hash),
then routed to the item's organization by the platform index."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from sqlalchemy import update

from finsight.plaid.models import PlaidItem
from finsight.tenancy import tenant_session

from support.api import create_org, login
from support.plaid import item_row

pytestmark = pytest.mark.integration


@pytest.fixture
def connected(api, owner, emulator):
    item = api.post("/api/plaid/test-bank", json={}, headers=owner.headers).json()
    return item, emulator.banks.items[item["item_id"]]


def _post(api, body: bytes, header: str | None):
    headers = {"content-type": "application/json"}
    if header is not None:
        headers["plaid-verification"] = header
    return api.post("/api/plaid/webhook", content=body, headers=headers)


def _settle(org: str, item_id: str) -> None:
    """As after a finished sync: so a queued sync is plainly the webhook's doing."""
    with tenant_session(org) as session:
        session.execute(
            update(PlaidItem)
            .where(PlaidItem.id == uuid.UUID(item_id))
            .values(sync_state="succeeded")
        )


def test_sync_updates_available_queues_a_sync(api, org, emulator, connected):
    item, bank = connected
    _settle(org, item["id"])
    body = emulator.webhook_body(bank, "TRANSACTIONS", "SYNC_UPDATES_AVAILABLE")
    response = _post(api, body, emulator.sign_webhook(body))
    assert response.status_code == 200, response.text
    assert response.json() == {"outcome": "sync queued"}
    assert item_row(org, uuid.UUID(item["id"])).sync_state == "queued"


def test_every_forgery_is_refused_before_anything_happens(api, org, emulator, connected):
    item, bank = connected
    _settle(org, item["id"])
    body = emulator.webhook_body(bank, "TRANSACTIONS", "SYNC_UPDATES_AVAILABLE")
    tampered = body.replace(b"SYNC_UPDATES_AVAILABLE", b"DEFAULT_UPDATE")
    stale = emulator.sign_webhook(body, iat=datetime.now(UTC) - timedelta(minutes=6))
    hmac_signed = jwt.encode(
        {"iat": int(datetime.now(UTC).timestamp()), "request_body_sha256": "x"},
        "a-shared-secret-of-thirty-two-bytes!",
        algorithm="HS256",
        headers={"kid": emulator.current_key.kid},
    )
    unsigned = jwt.encode(
        {"iat": int(datetime.now(UTC).timestamp())},
        None,
        algorithm="none",
        headers={"kid": emulator.current_key.kid},
    )
    stranger = emulator.add_key()
    unknown_kid = emulator.sign_webhook(body, key=stranger)
    del emulator.keys[stranger.kid]  # Plaid never published it
    expired = emulator.sign_webhook(body, key=emulator.add_key(expired=True))
    attempts = {
        "tampered body": (tampered, emulator.sign_webhook(body)),
        "stale iat": (body, stale),
        "wrong algorithm": (body, hmac_signed),
        "no algorithm": (body, unsigned),
        "unknown kid": (body, unknown_kid),
        "expired key": (body, expired),
        "no header": (body, None),
        "not a JWT": (body, "hello"),
    }
    for name, (sent, header) in attempts.items():
        response = _post(api, sent, header)
        assert response.status_code == 401, f"{name}: {response.text}"
    assert item_row(org, uuid.UUID(item["id"])).sync_state == "succeeded"


def test_unknown_items_answer_200_and_are_logged(api, emulator):
    body = json.dumps(
        {
            "webhook_type": "TRANSACTIONS",
            "webhook_code": "SYNC_UPDATES_AVAILABLE",
            "item_id": "item-nobody",
        }
    ).encode()
    response = _post(api, body, emulator.sign_webhook(body))
    assert response.status_code == 200
    assert response.json() == {"outcome": "unknown item"}


@pytest.mark.parametrize(
    ("webhook_code", "error_code", "status"),
    [
        ("ERROR", "ITEM_LOGIN_REQUIRED", "login_required"),
        ("PENDING_EXPIRATION", None, "pending_expiration"),
        ("PENDING_DISCONNECT", None, "pending_disconnect"),
        ("USER_PERMISSION_REVOKED", None, "permission_revoked"),
        ("USER_ACCOUNT_REVOKED", None, "account_revoked"),
        ("NEW_ACCOUNTS_AVAILABLE", None, "new_accounts_available"),
    ],
)
def test_item_webhooks_change_the_items_health_and_login_repaired_clears_it(
    api, owner, org, emulator, connected, webhook_code, error_code, status
):
    item, bank = connected
    extra = (
        {"error": {"error_code": error_code, "error_message": "sign in again"}}
        if error_code
        else {}
    )
    body = emulator.webhook_body(bank, "ITEM", webhook_code, **extra)
    response = _post(api, body, emulator.sign_webhook(body))
    assert response.status_code == 200, response.text
    shown = api.get(f"/api/plaid/items/{item['id']}", headers=owner.headers).json()
    assert shown["status"] == status
    assert shown["needs_attention"] is True
    assert shown["status_text"] and "Reconnect" in shown["status_text"]

    _settle(org, item["id"])
    repaired = emulator.webhook_body(bank, "ITEM", "LOGIN_REPAIRED")
    assert _post(api, repaired, emulator.sign_webhook(repaired)).status_code == 200
    shown = api.get(f"/api/plaid/items/{item['id']}", headers=owner.headers).json()
    assert (shown["status"], shown["needs_attention"]) == ("healthy", False)
    assert shown["sync_state"] == "queued"  # repaired: caught up at once


def test_a_webhook_reaches_only_its_own_organization(api, org, emulator, connected):
    item, bank = connected
    other_slug = "t" + uuid.uuid4().hex[:12]
    other = login(api, create_org(other_slug), other_slug)
    theirs = api.post("/api/plaid/test-bank", json={}, headers=other.headers).json()
    body = emulator.webhook_body(bank, "ITEM", "PENDING_EXPIRATION")
    assert _post(api, body, emulator.sign_webhook(body)).status_code == 200
    assert item_row(org, uuid.UUID(item["id"])).status == "pending_expiration"
    assert item_row(other_slug, uuid.UUID(theirs["id"])).status == "healthy"
