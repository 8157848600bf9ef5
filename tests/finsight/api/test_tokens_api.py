"""Forged and stale access tokens are refused with 401."""

from __future__ import annotations

import base64
import json
import time

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from finsight.auth.tokens import AUDIENCE, ISSUER, key_id

from support.api import Member

pytestmark = pytest.mark.integration


def _claims(owner: Member) -> tuple[dict, dict]:
    header = jwt.get_unverified_header(owner.token)
    claims = jwt.decode(owner.token, options={"verify_signature": False})
    return header, claims


def _me(client: httpx.Client, token: str) -> httpx.Response:
    return client.get("/api/users/me", headers={"Authorization": f"Bearer {token}"})


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def test_valid_token_is_accepted(client: httpx.Client, owner: Member):
    assert _me(client, owner.token).status_code == 200


def test_expired_token(client: httpx.Client, owner: Member, test_env):
    header, claims = _claims(owner)
    claims.update(iat=int(time.time()) - 7200, exp=int(time.time()) - 3600)
    token = jwt.encode(claims, test_env["JWT_SECRET"], algorithm="HS256", headers=header)
    response = _me(client, token)
    assert response.status_code == 401 and "expired" in response.json()["detail"]


def test_tampered_payload(client: httpx.Client, owner: Member):
    head, payload, signature = owner.token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["role"] = "owner"
    claims["org"] = "00000000-0000-0000-0000-000000000000"
    assert _me(client, f"{head}.{_b64(claims)}.{signature}").status_code == 401


def test_alg_none(client: httpx.Client, owner: Member):
    header, claims = _claims(owner)
    forged = f"{_b64({'alg': 'none', 'typ': 'JWT', 'kid': header['kid']})}.{_b64(claims)}."
    assert _me(client, forged).status_code == 401


def test_unknown_kid(client: httpx.Client, owner: Member, test_env):
    _, claims = _claims(owner)
    token = jwt.encode(
        claims, test_env["JWT_SECRET"], algorithm="HS256", headers={"kid": "not-a-known-key"}
    )
    response = _me(client, token)
    assert response.status_code == 401 and "unknown key" in response.json()["detail"]


def test_signed_with_another_secret_under_the_right_kid(client: httpx.Client, owner: Member):
    header, claims = _claims(owner)
    token = jwt.encode(claims, "an-attacker-secret-" + "y" * 40, algorithm="HS256", headers=header)
    assert _me(client, token).status_code == 401


def test_rs256_and_hs_rs_confusion(client: httpx.Client, owner: Member):
    header, claims = _claims(owner)
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    rs_token = jwt.encode(claims, private, algorithm="RS256", headers={"kid": header["kid"]})
    assert _me(client, rs_token).status_code == 401
    # The classic confusion: an HS256 token keyed with a public key the server might hold.
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = f"{_b64({'alg': 'HS256', 'kid': header['kid']})}.{_b64(claims)}"
    import hashlib
    import hmac

    mac = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    confused = f"{signing_input}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"
    assert _me(client, confused).status_code == 401


def test_missing_and_malformed_credentials(client: httpx.Client):
    assert client.get("/api/users/me").status_code == 401
    assert (
        client.get("/api/users/me", headers={"Authorization": "Bearer abc.def"}).status_code == 401
    )
    assert (
        client.get("/api/users/me", headers={"Authorization": "Basic Zm9vOmJhcg=="}).status_code
        == 401
    )


def test_previous_secret_still_verifies_during_rotation(monkeypatch):
    """Unit: a token signed with a retired secret listed in JWT_PREVIOUS_SECRETS still decodes."""
    import uuid
    from datetime import UTC, datetime

    from finsight.auth.tokens import decode_access_token, issue_access_token
    from finsight.config import get_settings

    old_secret, new_secret = "old-secret-" + "a" * 40, "new-secret-" + "b" * 40
    monkeypatch.setenv("JWT_SECRET", old_secret)
    get_settings.cache_clear()
    user, session = uuid.uuid4(), uuid.uuid4()
    token, _ = issue_access_token(
        user_id=user, session_id=session, org_id=None, role=None, now=datetime.now(UTC)
    )
    monkeypatch.setenv("JWT_SECRET", new_secret)
    monkeypatch.setenv("JWT_PREVIOUS_SECRETS", json.dumps([old_secret]))
    get_settings.cache_clear()
    try:
        assert decode_access_token(token).user_id == user
        assert jwt.get_unverified_header(token)["kid"] == key_id(old_secret)
        assert ISSUER and AUDIENCE
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
