"""Envelope encryption of secrets at rest (bank access tokens, webhook secrets, TOTP secrets).

Every secret gets its own random 256-bit data key; AES-256-GCM encrypts the secret with it, and
the key-encryption key named by `kid` wraps the data key. The result is one self-describing
string, so old and new formats and keys decrypt side by side:

    fs1:<kid>:<b64 nonce || AES-GCM(kek, data key)>:<b64 nonce || AES-GCM(data key, secret)>
    fs2:<kid>:<b64 X25519 eph. public || ML-KEM-768 ct || nonce || AES-GCM(kem key, data key)>:<...>

`fs1` wraps with a symmetric key, `fs2` with a hybrid X25519 + ML-KEM-768 keypair (a writer
needs only its public half). Rotation (`rewrap`) rewraps the data key only; the encrypted secret
is untouched. An optional `context` (say, the table and column) is bound to the secret, so a
ciphertext copied to another place fails to decrypt.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from finsight.crypto import hybrid_kem
from finsight.crypto.encoding import MalformedKey, b64decode, b64encode
from finsight.crypto.keyring import Keyring, UnknownKeyId, get_keyring
from finsight.crypto.keys import HybridKeypair, KeyEncryptionKey, SymmetricKey

SYMMETRIC_FORMAT = "fs1"
HYBRID_FORMAT = "fs2"
NONCE_BYTES = 12
DATA_KEY_BYTES = 32


class DecryptionFailed(ValueError):
    """The ciphertext is malformed, names an unknown key, or fails authentication."""


@dataclass(frozen=True)
class Sealed:
    """A parsed ciphertext string."""

    version: str
    kid: str
    wrapped_key: bytes
    payload: bytes

    @classmethod
    def parse(cls, text: str) -> Sealed:
        parts = text.split(":")
        if len(parts) != 4 or parts[0] not in (SYMMETRIC_FORMAT, HYBRID_FORMAT):
            raise DecryptionFailed("not an encrypted secret (expected fs1:… or fs2:…)")
        try:
            wrapped = b64decode(parts[2], what="wrapped key")
            payload = b64decode(parts[3], what="ciphertext")
        except MalformedKey as exc:
            raise DecryptionFailed(str(exc)) from exc
        return cls(parts[0], parts[1], wrapped, payload)

    def __str__(self) -> str:
        return ":".join(
            (self.version, self.kid, b64encode(self.wrapped_key), b64encode(self.payload))
        )


def _seal(key: bytes, data: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, data, aad)


def _open(key: bytes, sealed: bytes, aad: bytes) -> bytes:
    if len(sealed) < NONCE_BYTES + 16:
        raise DecryptionFailed("ciphertext too short")
    try:
        return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], aad)
    except InvalidTag:
        raise DecryptionFailed("authentication failed (wrong key, or altered)") from None


def _key_aad(version: str, kid: str) -> bytes:
    return f"finsight data key|{version}|{kid}".encode()


def _wrap(kek: KeyEncryptionKey, data_key: bytes) -> tuple[str, bytes]:
    if isinstance(kek, SymmetricKey):
        return SYMMETRIC_FORMAT, _seal(kek.key, data_key, _key_aad(SYMMETRIC_FORMAT, kek.kid))
    aad = _key_aad(HYBRID_FORMAT, kek.kid)
    encapsulation = hybrid_kem.encapsulate(kek, aad)
    return HYBRID_FORMAT, encapsulation.ciphertext + _seal(encapsulation.key, data_key, aad)


def _unwrap(kek: KeyEncryptionKey, sealed: Sealed) -> bytes:
    aad = _key_aad(sealed.version, sealed.kid)
    expected = SYMMETRIC_FORMAT if isinstance(kek, SymmetricKey) else HYBRID_FORMAT
    if sealed.version != expected:
        raise DecryptionFailed(f"key {sealed.kid!r} cannot open format {sealed.version}")
    if isinstance(kek, SymmetricKey):
        return _open(kek.key, sealed.wrapped_key, aad)
    assert isinstance(kek, HybridKeypair)
    split = hybrid_kem.ENCAPSULATION_BYTES
    try:
        kem_key = hybrid_kem.decapsulate(kek, sealed.wrapped_key[:split], aad)
    except ValueError as exc:
        raise DecryptionFailed(str(exc)) from exc
    return _open(kem_key, sealed.wrapped_key[split:], aad)


def _payload_aad(context: bytes) -> bytes:
    # Not the kid or format: rewrapping must leave the payload valid.
    return b"finsight secret|" + context


class Envelope:
    """Encrypts with the keyring's active key; decrypts and rewraps with any of its keys."""

    def __init__(self, keyring: Keyring) -> None:
        self.keyring = keyring

    def encrypt(self, secret: str | bytes, *, context: bytes = b"") -> str:
        data = secret.encode() if isinstance(secret, str) else secret
        data_key = os.urandom(DATA_KEY_BYTES)
        kek = self.keyring.active
        version, wrapped = _wrap(kek, data_key)
        return str(Sealed(version, kek.kid, wrapped, _seal(data_key, data, _payload_aad(context))))

    def _data_key(self, sealed: Sealed) -> bytes:
        try:
            kek = self.keyring.key(sealed.kid)
        except UnknownKeyId as exc:
            raise DecryptionFailed(str(exc)) from exc
        return _unwrap(kek, sealed)

    def decrypt(self, ciphertext: str, *, context: bytes = b"") -> bytes:
        sealed = Sealed.parse(ciphertext)
        return _open(self._data_key(sealed), sealed.payload, _payload_aad(context))

    def decrypt_text(self, ciphertext: str, *, context: bytes = b"") -> str:
        return self.decrypt(ciphertext, context=context).decode()

    def rewrap(self, ciphertext: str, new_kid: str | None = None) -> str:
        """The same secret under key `new_kid` (default: the active key); the data key and the
        encrypted secret stay as they are. Format follows the new key (fs1 <-> fs2)."""
        sealed = Sealed.parse(ciphertext)
        try:
            kek = self.keyring.key(new_kid or self.keyring.active_kid)
        except UnknownKeyId as exc:
            raise DecryptionFailed(str(exc)) from exc
        version, wrapped = _wrap(kek, self._data_key(sealed))
        return str(Sealed(version, kek.kid, wrapped, sealed.payload))


def key_id(ciphertext: str) -> str:
    return Sealed.parse(ciphertext).kid


def envelope() -> Envelope:
    """The envelope of the configured keys."""
    return Envelope(get_keyring())


def encrypt_secret(secret: str, *, context: bytes = b"") -> str:
    return envelope().encrypt(secret, context=context)


def decrypt_secret(ciphertext: str, *, context: bytes = b"") -> str:
    return envelope().decrypt_text(ciphertext, context=context)
