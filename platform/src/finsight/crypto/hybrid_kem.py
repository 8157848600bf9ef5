"""Hybrid key encapsulation: X25519 and ML-KEM-768, combined with HKDF-SHA256.

The derived key stays secret as long as either X25519 (classical) or ML-KEM-768 (post-quantum)
holds. The KDF input binds both ciphertexts and the recipient's public keys (as X-Wing does), so
a ciphertext cannot be replayed against another key.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pqcrypto.kem import ml_kem_768

from finsight.crypto.keys import X25519_KEY_BYTES, HybridKeypair

ENCAPSULATION_BYTES = X25519_KEY_BYTES + ml_kem_768.CIPHERTEXT_SIZE
_LABEL = b"finsight hybrid-x25519-mlkem768 v1"


@dataclass(frozen=True)
class Encapsulation:
    ciphertext: bytes  # ephemeral X25519 public key || ML-KEM-768 ciphertext
    key: bytes  # 32 bytes, for AES-256-GCM


def _combine(
    x25519_secret: bytes,
    mlkem_secret: bytes,
    ciphertext: bytes,
    recipient: HybridKeypair,
    info: bytes,
) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=_LABEL + b"|" + info,
    ).derive(
        mlkem_secret + x25519_secret + ciphertext + recipient.x25519_public + recipient.mlkem_public
    )


def encapsulate(recipient: HybridKeypair, info: bytes) -> Encapsulation:
    """A fresh key for `recipient`, and the ciphertext from which only it can recover the key."""
    ephemeral = X25519PrivateKey.generate()
    x25519_secret = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient.x25519_public))
    mlkem_ciphertext, mlkem_secret = ml_kem_768.encaps(recipient.mlkem_public)
    ciphertext = ephemeral.public_key().public_bytes_raw() + mlkem_ciphertext
    return Encapsulation(
        ciphertext, _combine(x25519_secret, mlkem_secret, ciphertext, recipient, info)
    )


def decapsulate(recipient: HybridKeypair, ciphertext: bytes, info: bytes) -> bytes:
    if len(ciphertext) != ENCAPSULATION_BYTES:
        raise ValueError("hybrid encapsulation has the wrong length")
    ephemeral_public = X25519PublicKey.from_public_bytes(ciphertext[:X25519_KEY_BYTES])
    private = X25519PrivateKey.from_private_bytes(recipient.x25519_private)
    x25519_secret = private.exchange(ephemeral_public)
    mlkem_secret = ml_kem_768.decaps(recipient.mlkem_secret, ciphertext[X25519_KEY_BYTES:])
    return _combine(x25519_secret, mlkem_secret, ciphertext, recipient, info)
