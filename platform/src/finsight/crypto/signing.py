"""Signatures: Ed25519, or hybrid Ed25519 + ML-DSA-65 where both must verify.

A hybrid signature stays unforgeable as long as either scheme holds. The signing key id is a
digest of the public key(s), so a verifier knows which key (and which kind) signed.

Settings (development generates both once under DATA_DIR/keys):
- AUDIT_SIGNING_KEY: `ed25519:<base64 of the 32-byte private key>`;
- AUDIT_SIGNING_PQ_KEY: `ml-dsa-65:<base64 of secret key || public key>`, used with
  ENABLE_POST_QUANTUM_CRYPTO=true.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature as Ed25519Invalid
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pqcrypto import InvalidSignatureError as MlDsaInvalid
from pqcrypto.sign import ml_dsa_65

from finsight.config import InsecureConfiguration, Settings, get_settings
from finsight.crypto import keyfiles
from finsight.crypto.encoding import MalformedKey, b64decode, b64encode

ED25519_PREFIX = "ed25519:"
ML_DSA_PREFIX = "ml-dsa-65:"
# ML-DSA's context string: a signature made for one purpose never verifies for another.
ML_DSA_CONTEXT = b"finsight audit checkpoint v1"
DEV_KEY_FILE = "keys/audit-signing.json"


class InvalidSignature(ValueError):
    pass


@dataclass(frozen=True)
class VerifyKey:
    """Public half: Ed25519, and ML-DSA-65 for a hybrid key."""

    ed25519: bytes
    ml_dsa_65: bytes | None = None

    @property
    def key_id(self) -> str:
        material = self.ed25519 + (self.ml_dsa_65 or b"")
        kind = "hybrid" if self.ml_dsa_65 else "ed25519"
        return f"{kind}-{hashlib.sha256(material).hexdigest()[:16]}"

    def verify(self, message: bytes, signature: dict[str, str]) -> None:
        """Raise InvalidSignature unless every part this key has verifies."""
        if signature.get("key_id") != self.key_id:
            raise InvalidSignature(f"signed by key {signature.get('key_id')!r}, not {self.key_id}")
        try:
            Ed25519PublicKey.from_public_bytes(self.ed25519).verify(
                b64decode(signature.get("ed25519", ""), what="ed25519 signature"), message
            )
        except (Ed25519Invalid, MalformedKey):
            raise InvalidSignature("Ed25519 signature does not verify") from None
        if self.ml_dsa_65 is None:
            return
        try:
            ml_dsa_65.verify(
                self.ml_dsa_65,
                message,
                b64decode(signature.get("ml_dsa_65", ""), what="ML-DSA-65 signature"),
                ML_DSA_CONTEXT,
            )
        except (MlDsaInvalid, MalformedKey, ValueError):
            raise InvalidSignature("ML-DSA-65 signature does not verify") from None


def parse_verify_key(written: str) -> VerifyKey:
    """`ed25519:<b64 public>` or `hybrid:<b64 Ed25519 public>:<b64 ML-DSA-65 public>`."""
    kind, _, rest = written.strip().partition(":")
    parts = rest.split(":")
    if kind == "ed25519" and len(parts) == 1:
        key = VerifyKey(b64decode(parts[0], what="Ed25519 public key"))
    elif kind == "hybrid" and len(parts) == 2:
        key = VerifyKey(
            b64decode(parts[0], what="Ed25519 public key"),
            b64decode(parts[1], what="ML-DSA-65 public key"),
        )
        if len(key.ml_dsa_65 or b"") != ml_dsa_65.PUBLIC_KEY_SIZE:
            raise MalformedKey("an ML-DSA-65 public key has the wrong length")
    else:
        raise MalformedKey("a verify key is `ed25519:<base64>` or `hybrid:<base64>:<base64>`")
    if len(key.ed25519) != 32:
        raise MalformedKey("an Ed25519 public key is 32 bytes")
    return key


def written_verify_key(key: VerifyKey) -> str:
    if key.ml_dsa_65 is None:
        return "ed25519:" + b64encode(key.ed25519)
    return f"hybrid:{b64encode(key.ed25519)}:{b64encode(key.ml_dsa_65)}"


@dataclass(frozen=True, repr=False)
class SigningKey:
    ed25519_private: bytes
    ml_dsa_65_secret: bytes | None = None
    ml_dsa_65_public: bytes | None = None

    @property
    def verify_key(self) -> VerifyKey:
        public = Ed25519PrivateKey.from_private_bytes(self.ed25519_private).public_key()
        return VerifyKey(public.public_bytes_raw(), self.ml_dsa_65_public)

    def sign(self, message: bytes) -> dict[str, str]:
        signature = {
            "key_id": self.verify_key.key_id,
            "ed25519": b64encode(
                Ed25519PrivateKey.from_private_bytes(self.ed25519_private).sign(message)
            ),
        }
        if self.ml_dsa_65_secret is not None:
            signature["ml_dsa_65"] = b64encode(
                ml_dsa_65.sign(self.ml_dsa_65_secret, message, ML_DSA_CONTEXT)
            )
        return signature

    def classical_only(self) -> SigningKey:
        return SigningKey(self.ed25519_private)

    def __repr__(self) -> str:
        return f"SigningKey({self.verify_key.key_id})"


def generate_ed25519() -> str:
    return ED25519_PREFIX + b64encode(Ed25519PrivateKey.generate().private_bytes_raw())


def generate_ml_dsa_65() -> str:
    public, secret = ml_dsa_65.keygen()
    return ML_DSA_PREFIX + b64encode(secret + public)


def parse_signing_key(ed25519: str, ml_dsa: str | None) -> SigningKey:
    if not ed25519.startswith(ED25519_PREFIX):
        raise MalformedKey(f"AUDIT_SIGNING_KEY must start with {ED25519_PREFIX!r}")
    private = b64decode(ed25519.removeprefix(ED25519_PREFIX), what="AUDIT_SIGNING_KEY")
    if len(private) != 32:
        raise MalformedKey("AUDIT_SIGNING_KEY: an Ed25519 private key is 32 bytes")
    if ml_dsa is None:
        return SigningKey(private)
    if not ml_dsa.startswith(ML_DSA_PREFIX):
        raise MalformedKey(f"AUDIT_SIGNING_PQ_KEY must start with {ML_DSA_PREFIX!r}")
    raw = b64decode(ml_dsa.removeprefix(ML_DSA_PREFIX), what="AUDIT_SIGNING_PQ_KEY")
    if len(raw) != ml_dsa_65.SECRET_KEY_SIZE + ml_dsa_65.PUBLIC_KEY_SIZE:
        raise MalformedKey("AUDIT_SIGNING_PQ_KEY: an ML-DSA-65 keypair has the wrong length")
    return SigningKey(private, raw[: ml_dsa_65.SECRET_KEY_SIZE], raw[ml_dsa_65.SECRET_KEY_SIZE :])


def signing_key_from_settings(settings: Settings) -> SigningKey:
    """The audit signing key: hybrid with ENABLE_POST_QUANTUM_CRYPTO, else Ed25519 only."""
    if settings.audit_signing_key is not None:
        ed25519 = settings.audit_signing_key.get_secret_value()
        pq = settings.audit_signing_pq_key
        ml_dsa = pq.get_secret_value() if pq is not None else None
    elif settings.is_development:
        document = keyfiles.load_or_create(
            settings.data_dir / DEV_KEY_FILE,
            lambda: {"ed25519": generate_ed25519(), "ml_dsa_65": generate_ml_dsa_65()},
        )
        ed25519, ml_dsa = document["ed25519"], document["ml_dsa_65"]
    else:
        raise InsecureConfiguration(
            "AUDIT_SIGNING_KEY is required when ENVIRONMENT=production (audit checkpoints are "
            "signed with it; generate one with `finsight audit generate-key`)"
        )
    if settings.enable_post_quantum_crypto and ml_dsa is None:
        raise InsecureConfiguration(
            "ENABLE_POST_QUANTUM_CRYPTO=true needs AUDIT_SIGNING_PQ_KEY (an ML-DSA-65 keypair; "
            "`finsight audit generate-key` prints one)"
        )
    try:
        key = parse_signing_key(ed25519, ml_dsa)
    except MalformedKey as exc:
        raise InsecureConfiguration(str(exc)) from exc
    return key if settings.enable_post_quantum_crypto else key.classical_only()


def trusted_verify_keys(settings: Settings) -> list[VerifyKey]:
    """Keys whose checkpoints `audit verify` accepts: AUDIT_VERIFY_KEYS (public keys: an auditor
    needs no signing key; retired keys stay trusted), and the configured signing key with, when
    it is hybrid, its Ed25519 half (checkpoints from before ENABLE_POST_QUANTUM_CRYPTO)."""
    try:
        keys = [parse_verify_key(written) for written in settings.audit_verify_keys]
    except MalformedKey as exc:
        raise InsecureConfiguration(f"AUDIT_VERIFY_KEYS: {exc}") from exc
    if keys and settings.audit_signing_key is None and not settings.is_development:
        return keys
    key = signing_key_from_settings(settings)
    keys += [key.verify_key]
    if key.ml_dsa_65_public is not None:
        keys.append(key.classical_only().verify_key)
    return keys


_cache: list[tuple[Settings, SigningKey]] = []


def audit_signing_key() -> SigningKey:
    """The signing key of the current settings (parsed once per settings object)."""
    settings = get_settings()
    if not _cache or _cache[0][0] is not settings:
        _cache[:] = [(settings, signing_key_from_settings(settings))]
    return _cache[0][1]
