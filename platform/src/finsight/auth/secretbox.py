"""Sealing small secrets at rest (TOTP secrets) with AES-256-GCM.

One small interface, `seal` / `unseal`, so a stronger scheme (the `trust` work on secrets at
rest: versioned keys, a post-quantum hybrid) can replace it without touching callers. A sealed
value is `version byte || 96-bit nonce || ciphertext+tag`; the purpose (e.g. the user id) is
bound as associated data, so a sealed value copied to another row does not open.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from finsight.config import get_settings

VERSION = b"\x01"


class SealBroken(Exception):
    """The value was sealed with another key, or altered."""


def _keys() -> list[bytes]:
    """The current key first, then those derived from retired JWT secrets (still opening)."""
    settings = get_settings()
    if settings.secrets_encryption_key is not None:
        materials = [settings.secrets_encryption_key.get_secret_value()]
    else:
        materials = [settings.signing_secret()] + [
            previous.get_secret_value() for previous in settings.jwt_previous_secrets
        ]
    return [
        HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"finsight secretbox v1").derive(
            material.encode()
        )
        for material in materials
    ]


def seal(plaintext: bytes, purpose: str) -> bytes:
    nonce = os.urandom(12)
    return VERSION + nonce + AESGCM(_keys()[0]).encrypt(nonce, plaintext, purpose.encode())


def unseal(sealed: bytes, purpose: str) -> bytes:
    if sealed[:1] != VERSION:
        raise SealBroken("unknown sealed-value version")
    nonce, body = sealed[1:13], sealed[13:]
    for key in _keys():
        try:
            return AESGCM(key).decrypt(nonce, body, purpose.encode())
        except InvalidTag:
            continue
    raise SealBroken("the value does not open with any configured key")
