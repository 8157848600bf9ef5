"""Access tokens (JWT, HS256, `kid` for key rotation) and opaque refresh tokens.

Decoding pins the algorithm and looks the key up by `kid`, so `alg=none`, RS/HS confusion and
tokens signed with a retired key are refused before any claim is read.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from finsight.config import Settings, get_settings
from finsight.errors import NotAuthenticated

ALGORITHM = "HS256"
ISSUER = "finsight"
AUDIENCE = "finsight-api"
REQUIRED_CLAIMS = ["sub", "sid", "jti", "iat", "exp", "iss", "aud"]


def key_id(secret: str) -> str:
    """A public, stable name for a secret: a digest prefix, never the secret itself."""
    return hashlib.sha256(secret.encode()).hexdigest()[:16]


def _verification_keys(settings: Settings) -> dict[str, str]:
    secrets_in_use = [settings.signing_secret()] + [
        previous.get_secret_value() for previous in settings.jwt_previous_secrets
    ]
    return {key_id(secret): secret for secret in secrets_in_use}


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    session_id: uuid.UUID
    org_id: uuid.UUID | None
    role: str | None
    jti: str


def issue_access_token(
    *,
    user_id: uuid.UUID,
    session_id: uuid.UUID,
    org_id: uuid.UUID | None,
    role: str | None,
    now: datetime,
) -> tuple[str, int]:
    settings = get_settings()
    secret = settings.signing_secret()
    ttl = settings.access_token_ttl_seconds
    claims = {
        "sub": str(user_id),
        "sid": str(session_id),
        "org": str(org_id) if org_id else None,
        "role": role,
        "jti": secrets.token_urlsafe(12),
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=ttl)).timestamp()),
        "iss": ISSUER,
        "aud": AUDIENCE,
    }
    token = jwt.encode(claims, secret, algorithm=ALGORITHM, headers={"kid": key_id(secret)})
    return token, ttl


def decode_access_token(token: str) -> AccessClaims:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise NotAuthenticated("malformed access token") from exc
    key = _verification_keys(get_settings()).get(str(header.get("kid")))
    if key is None:
        raise NotAuthenticated("access token signed with an unknown key")
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": REQUIRED_CLAIMS},
        )
        return AccessClaims(
            user_id=uuid.UUID(claims["sub"]),
            session_id=uuid.UUID(claims["sid"]),
            org_id=uuid.UUID(claims["org"]) if claims.get("org") else None,
            role=claims.get("role"),
            jti=claims["jti"],
        )
    except jwt.ExpiredSignatureError as exc:
        raise NotAuthenticated("access token expired") from exc
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        raise NotAuthenticated("invalid access token") from exc


def new_refresh_token() -> tuple[str, bytes]:
    """An opaque token for the client and the digest we store (a leaked table grants nothing)."""
    token = secrets.token_urlsafe(32)
    return token, hash_refresh_token(token)


def hash_refresh_token(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()
