"""Ed25519 and hybrid Ed25519 + ML-DSA-65 signatures: both halves must verify."""

from __future__ import annotations

import pytest

from finsight.config import InsecureConfiguration, Settings
from finsight.crypto.encoding import b64decode, b64encode
from finsight.crypto.signing import (
    InvalidSignature,
    generate_ed25519,
    generate_ml_dsa_65,
    parse_signing_key,
    signing_key_from_settings,
    trusted_verify_keys,
)

MESSAGE = b'{"chains": [{"org_id": null, "seq": 7, "hash": "ab"}]}'


@pytest.fixture(scope="module")
def hybrid():
    return parse_signing_key(generate_ed25519(), generate_ml_dsa_65())


def _corrupt(signature: str) -> str:
    raw = bytearray(b64decode(signature, what="test"))
    raw[len(raw) // 2] ^= 0x01
    return b64encode(bytes(raw))


def test_ed25519_signature(hybrid):
    key = hybrid.classical_only()
    signature = key.sign(MESSAGE)
    assert set(signature) == {"key_id", "ed25519"} and signature["key_id"].startswith("ed25519-")
    key.verify_key.verify(MESSAGE, signature)
    with pytest.raises(InvalidSignature, match="Ed25519"):
        key.verify_key.verify(MESSAGE + b" ", signature)


def test_hybrid_needs_both_halves(hybrid):
    signature = hybrid.sign(MESSAGE)
    assert set(signature) == {"key_id", "ed25519", "ml_dsa_65"}
    assert signature["key_id"].startswith("hybrid-")
    hybrid.verify_key.verify(MESSAGE, signature)
    with pytest.raises(InvalidSignature, match="ML-DSA-65"):
        hybrid.verify_key.verify(
            MESSAGE, {**signature, "ml_dsa_65": _corrupt(signature["ml_dsa_65"])}
        )
    with pytest.raises(InvalidSignature, match="ML-DSA-65"):
        hybrid.verify_key.verify(MESSAGE, {k: v for k, v in signature.items() if k != "ml_dsa_65"})
    with pytest.raises(InvalidSignature, match="Ed25519"):
        hybrid.verify_key.verify(MESSAGE, {**signature, "ed25519": _corrupt(signature["ed25519"])})
    # The Ed25519 half alone is a different key: a stripped signature is not the hybrid's.
    with pytest.raises(InvalidSignature, match="signed by key"):
        hybrid.classical_only().verify_key.verify(MESSAGE, signature)


def test_settings_choose_the_kind_and_production_needs_the_keys(tmp_path):
    base = {"environment": "production", "database_url": "postgresql://x/y", "data_dir": tmp_path}
    with pytest.raises(InsecureConfiguration, match="AUDIT_SIGNING_KEY is required"):
        signing_key_from_settings(Settings(**base))
    ed25519, ml_dsa = generate_ed25519(), generate_ml_dsa_65()
    with pytest.raises(InsecureConfiguration, match="needs AUDIT_SIGNING_PQ_KEY"):
        signing_key_from_settings(
            Settings(**base, audit_signing_key=ed25519, enable_post_quantum_crypto=True)
        )
    with pytest.raises(InsecureConfiguration, match="must start with 'ed25519:'"):
        signing_key_from_settings(Settings(**base, audit_signing_key="AAAA"))
    plain = signing_key_from_settings(
        Settings(**base, audit_signing_key=ed25519, audit_signing_pq_key=ml_dsa)
    )
    assert plain.verify_key.key_id.startswith("ed25519-")  # the option is off
    on = Settings(
        **base,
        audit_signing_key=ed25519,
        audit_signing_pq_key=ml_dsa,
        enable_post_quantum_crypto=True,
    )
    assert signing_key_from_settings(on).verify_key.key_id.startswith("hybrid-")
    assert [k.key_id for k in trusted_verify_keys(on)] == [
        signing_key_from_settings(on).verify_key.key_id,
        plain.verify_key.key_id,
    ]


def test_a_verifier_needs_only_public_keys(tmp_path, hybrid):
    from finsight.crypto.signing import parse_verify_key, written_verify_key

    for key in (hybrid.verify_key, hybrid.classical_only().verify_key):
        assert parse_verify_key(written_verify_key(key)) == key
    auditor = Settings(
        environment="production",
        database_url="postgresql://x/y",
        audit_verify_keys=[written_verify_key(hybrid.verify_key)],
    )
    [trusted] = trusted_verify_keys(auditor)  # no signing key needed, none derived
    trusted.verify(MESSAGE, hybrid.sign(MESSAGE))
    for bad, message in (
        ("ed25519:AAAA", "32 bytes"),
        ("rsa:AAAA", "a verify key is"),
        ("hybrid:" + b64encode(b"k" * 32) + ":AAAA", "wrong length"),
    ):
        with pytest.raises(InsecureConfiguration, match=f"AUDIT_VERIFY_KEYS: .*{message}"):
            trusted_verify_keys(auditor.model_copy(update={"audit_verify_keys": [bad]}))
