"""Key-encryption keys: what they are, how they are written down, how new ones are made.

A key id (kid) names each key; ciphertexts carry the kid of the key that wrapped them, so old
keys stay usable for decryption while a new one is active (rotation).

Written forms (the values of DATA_ENCRYPTION_KEYS):
- `<base64 of 32 bytes>`: a symmetric AES-256 key (wraps in format `fs1`);
- `hybrid-x25519-mlkem768:<base64 of x25519 private || ML-KEM-768 secret || ML-KEM-768
  public>`: a hybrid keypair (wraps in format `fs2`). Wrapping needs only its public half.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from pqcrypto.kem import ml_kem_768

from finsight.crypto.encoding import MalformedKey, b64decode, b64encode

SYMMETRIC_KEY_BYTES = 32
HYBRID_PREFIX = "hybrid-x25519-mlkem768:"
X25519_KEY_BYTES = 32
# Key ids travel inside ciphertexts between ':' separators.
KID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


@dataclass(frozen=True)
class SymmetricKey:
    kid: str
    key: bytes = b""

    def __repr__(self) -> str:  # never print key material
        return f"SymmetricKey(kid={self.kid!r})"


@dataclass(frozen=True)
class HybridKeypair:
    kid: str
    x25519_private: bytes = b""
    mlkem_secret: bytes = b""
    mlkem_public: bytes = b""

    @property
    def x25519_public(self) -> bytes:
        return (
            X25519PrivateKey.from_private_bytes(self.x25519_private).public_key().public_bytes_raw()
        )

    def __repr__(self) -> str:
        return f"HybridKeypair(kid={self.kid!r})"


KeyEncryptionKey = SymmetricKey | HybridKeypair


def validate_kid(kid: str) -> str:
    if not KID_PATTERN.fullmatch(kid):
        raise MalformedKey(f"key id {kid!r}: use 1-64 letters, digits, '.', '_' or '-'")
    return kid


def parse_key(kid: str, written: str) -> KeyEncryptionKey:
    """Read one key in its written form; errors name the key id, never the key."""
    validate_kid(kid)
    written = written.strip()
    if written.startswith(HYBRID_PREFIX):
        raw = b64decode(written.removeprefix(HYBRID_PREFIX), what=f"key {kid!r}")
        secret_end = X25519_KEY_BYTES + ml_kem_768.SECRET_KEY_SIZE
        if len(raw) != secret_end + ml_kem_768.PUBLIC_KEY_SIZE:
            raise MalformedKey(f"key {kid!r}: a hybrid keypair has the wrong length")
        return HybridKeypair(
            kid, raw[:X25519_KEY_BYTES], raw[X25519_KEY_BYTES:secret_end], raw[secret_end:]
        )
    raw = b64decode(written, what=f"key {kid!r}")
    if len(raw) != SYMMETRIC_KEY_BYTES:
        raise MalformedKey(f"key {kid!r}: a symmetric key is {SYMMETRIC_KEY_BYTES} bytes")
    return SymmetricKey(kid, raw)


def generate_symmetric() -> str:
    """A new symmetric key, in its written form."""
    return b64encode(os.urandom(SYMMETRIC_KEY_BYTES))


def generate_hybrid() -> str:
    """A new X25519 + ML-KEM-768 keypair, in its written form."""
    x25519 = X25519PrivateKey.generate().private_bytes_raw()
    mlkem_public, mlkem_secret = ml_kem_768.keygen()
    return HYBRID_PREFIX + b64encode(x25519 + mlkem_secret + mlkem_public)
