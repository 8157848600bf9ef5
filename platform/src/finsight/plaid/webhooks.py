"""Plaid's webhooks: verified before anything else is read, then routed to the item's
organization through the platform index (a webhook names no tenant).

Verification (Plaid's scheme): the `Plaid-Verification` header is a JWT signed with ES256 (no
other algorithm is accepted); its `kid` names a key fetched with /webhook_verification_key/get
and cached (an expired key is refused); its `iat` is at most five minutes old; and its
`request_body_sha256` equals the SHA-256 of the raw body (compared in constant time).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass
from typing import Any

import jwt
from jwt.algorithms import ECAlgorithm
from plaid.model.webhook_verification_key_get_request import WebhookVerificationKeyGetRequest
from sqlalchemy import select

from finsight.audit.service import record
from finsight.errors import FinsightError
from finsight.kit.identity import Actor, OrgRef
from finsight.observability.logging import get_logger
from finsight.plaid import client, health, index
from finsight.plaid.models import HEALTHY, PlaidItem
from finsight.plaid.service import request_sync
from finsight.tenancy import tenant_unit

log = get_logger(__name__)

MAX_AGE_SECONDS = 300
# Clocks differ a little; a token from further in the future than this is refused.
FUTURE_SKEW_SECONDS = 30
KEY_CACHE_SECONDS = 3600
WEBHOOK_ACTOR = Actor.system("plaid-webhook")
SYNC_CODES = frozenset(
    {
        "SYNC_UPDATES_AVAILABLE",
        "DEFAULT_UPDATE",
        "INITIAL_UPDATE",
        "HISTORICAL_UPDATE",
        "TRANSACTIONS_REMOVED",
    }
)


class WebhookRefused(FinsightError):
    status = 401
    code = "webhook_refused"
    title = "Webhook refused"


@dataclass
class _CachedKey:
    jwk: dict[str, Any]
    fetched: float


_keys: dict[str, _CachedKey] = {}
_keys_lock = threading.Lock()


def forget_keys() -> None:
    with _keys_lock:
        _keys.clear()


def _key(kid: str) -> dict[str, Any]:
    with _keys_lock:
        cached = _keys.get(kid)
    if cached is None or time.monotonic() - cached.fetched > KEY_CACHE_SECONDS:
        try:
            answer = client.call(
                "webhook_verification_key_get",
                client.api().webhook_verification_key_get,
                WebhookVerificationKeyGetRequest(key_id=kid),
            )
        except client.PlaidCallError as error:
            raise WebhookRefused(f"unknown verification key ({error.error_code})") from None
        cached = _CachedKey(answer.key.to_dict(), time.monotonic())
        with _keys_lock:
            _keys[kid] = cached
    expired_at = cached.jwk.get("expired_at")
    if expired_at is not None and expired_at <= time.time():
        raise WebhookRefused("the verification key has expired")
    return cached.jwk


def verify(body: bytes, header: str | None) -> None:
    """Raise WebhookRefused unless `body` is a webhook Plaid signed just now."""
    if not header:
        raise WebhookRefused("the Plaid-Verification header is missing")
    try:
        unverified = jwt.get_unverified_header(header)
    except jwt.PyJWTError:
        raise WebhookRefused("the Plaid-Verification header is not a JWT") from None
    if unverified.get("alg") != "ES256":
        raise WebhookRefused("the webhook is not signed with ES256")
    kid = unverified.get("kid")
    if not isinstance(kid, str) or not kid:
        raise WebhookRefused("the webhook's signature names no key")
    jwk = _key(kid)
    if jwk.get("alg", "ES256") != "ES256" or jwk.get("crv") != "P-256":
        raise WebhookRefused("the verification key is not an ES256 key")
    public_key = ECAlgorithm.from_jwk(json.dumps(jwk))
    try:
        claims = jwt.decode(
            header,
            key=public_key,  # type: ignore[arg-type]
            algorithms=["ES256"],
            options={"require": ["iat"], "verify_iat": False},
        )
    except jwt.PyJWTError as exc:
        raise WebhookRefused(f"the webhook's signature is not valid ({exc})") from None
    age = time.time() - float(claims["iat"])
    if age > MAX_AGE_SECONDS or age < -FUTURE_SKEW_SECONDS:
        raise WebhookRefused("the webhook was signed more than five minutes ago")
    claimed = claims.get("request_body_sha256")
    actual = hashlib.sha256(body).hexdigest()
    if not isinstance(claimed, str) or not hmac.compare_digest(claimed.encode(), actual.encode()):
        raise WebhookRefused("the webhook's body does not match its signature")


def handle(body: bytes, header: str | None) -> str:
    """Verify, then act; returns what was done (for the log and the response)."""
    verify(body, header)
    try:
        payload = json.loads(body)
    except ValueError:
        raise WebhookRefused("the webhook's body is not JSON") from None
    if not isinstance(payload, dict):
        raise WebhookRefused("the webhook's body is not a JSON object")
    kind, code = str(payload.get("webhook_type")), str(payload.get("webhook_code"))
    item_id = str(payload.get("item_id") or "")
    slug = index.organization_of(item_id) if item_id else None
    if slug is None:
        log.warning("plaid.webhook.unknown_item", item_id=item_id, type=kind, code=code)
        return "unknown item"
    with tenant_unit(slug) as unit:
        session = unit.session
        item = session.scalar(
            select(PlaidItem).where(PlaidItem.item_id == item_id, PlaidItem.deleted_at.is_(None))
        )
        if item is None:
            log.warning("plaid.webhook.unknown_item", item_id=item_id, org=slug, code=code)
            return "unknown item"
        org = OrgRef(unit.org_id, slug, slug, unit.location.cluster)
        outcome = _act(session, org, item, kind, code, payload)
    log.info("plaid.webhook", org=slug, item_id=item_id, type=kind, code=code, outcome=outcome)
    return outcome


def _act(
    session: Any, org: OrgRef, item: PlaidItem, kind: str, code: str, payload: dict[str, Any]
) -> str:
    if kind == "TRANSACTIONS" and code in SYNC_CODES:
        return (
            "sync queued"
            if request_sync(session, org, item, WEBHOOK_ACTOR, reason=f"webhook {code}")
            else "sync running"
        )
    if kind != "ITEM":
        return "ignored"
    if code == "ERROR":
        error = payload.get("error") or {}
        code = str(error.get("error_code") or "ERROR")
        message = str(error.get("error_message") or "")
    else:
        message = str(payload.get("reason") or code.replace("_", " ").lower())
    if code not in health.STATUS_OF_CODE and payload.get("webhook_code") != "ERROR":
        return "ignored"  # WEBHOOK_UPDATE_ACKNOWLEDGED and the like
    status = health.status_for(code)
    changed = health.set_status(session, org.slug, item, status, code=code, message=message)
    if changed:
        record(
            session,
            org_id=org.id,
            actor=WEBHOOK_ACTOR,
            action="plaid.item.status",
            target_type="plaid_item",
            target_id=item.id,
            details={"status": status, "code": code},
        )
    if status == HEALTHY:
        request_sync(session, org, item, None, reason="login repaired")
    return f"status {status}"
