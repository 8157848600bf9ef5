"""Envelope encryption of secrets at rest: formats, keys, rotation, the post-quantum option."""

from __future__ import annotations

import json

import pytest

from finsight.config import InsecureConfiguration, Settings
from finsight.crypto.envelope import DecryptionFailed, Envelope, Sealed, key_id
from finsight.crypto.keyring import Keyring, keyring_from_settings
from finsight.crypto.keys import generate_hybrid, generate_symmetric, parse_key

SECRET = "access-sandbox-6f1e2d3c-plaid-token"


def _keyring(active: str, **written: str) -> Keyring:
    return Keyring({kid: parse_key(kid, value) for kid, value in written.items()}, active)


@pytest.fixture(scope="module")
def written() -> dict[str, str]:
    return {
        "old": generate_symmetric(),
        "new": generate_symmetric(),
        "pq-1": generate_hybrid(),
        "pq-2": generate_hybrid(),
    }


def test_symmetric_roundtrip_with_a_fresh_data_key_each_time(written):
    envelope = Envelope(_keyring("old", **written))
    first, second = envelope.encrypt(SECRET), envelope.encrypt(SECRET)
    assert first.startswith("fs1:old:") and second.startswith("fs1:old:")
    assert first != second and SECRET not in first
    assert Sealed.parse(first).wrapped_key != Sealed.parse(second).wrapped_key
    assert envelope.decrypt_text(first) == SECRET


def test_hybrid_roundtrip_is_its_own_format(written):
    envelope = Envelope(_keyring("pq-1", **written))
    sealed = envelope.encrypt(SECRET)
    assert sealed.startswith("fs2:pq-1:")
    # X25519 ephemeral public key + ML-KEM-768 ciphertext + nonce + wrapped 32-byte key + tag
    assert len(Sealed.parse(sealed).wrapped_key) == 32 + 1088 + 12 + 32 + 16
    assert envelope.decrypt_text(sealed) == SECRET


@pytest.mark.parametrize("active", ["old", "pq-1"])
def test_tampering_and_wrong_places_are_refused(written, active):
    envelope = Envelope(_keyring(active, **written))
    sealed = envelope.encrypt(SECRET, context=b"plaid_items.access_token")
    version, kid, wrapped, payload = sealed.split(":")
    flipped = payload[:-6] + ("A" if payload[-6] != "A" else "B") + payload[-5:]
    for bad in (
        f"{version}:{kid}:{wrapped}:{flipped}",  # secret altered
        f"{version}:{'new' if active == 'old' else 'pq-2'}:{wrapped}:{payload}",  # other key
        f"{version}:nobody:{wrapped}:{payload}",  # unknown key id
        "plaintext",
    ):
        with pytest.raises(DecryptionFailed):
            envelope.decrypt(bad, context=b"plaid_items.access_token")
    with pytest.raises(DecryptionFailed, match="authentication failed"):
        envelope.decrypt(sealed, context=b"webhooks.secret")  # copied to another column
    assert envelope.decrypt_text(sealed, context=b"plaid_items.access_token") == SECRET


def test_rewrap_moves_between_keys_and_formats_keeping_the_secret(written):
    envelope = Envelope(_keyring("old", **written))
    sealed = envelope.encrypt(SECRET)
    chain = [sealed]
    for kid in ("new", "pq-1", "pq-2", "old"):
        chain.append(envelope.rewrap(chain[-1], kid))
        assert key_id(chain[-1]) == kid
        assert Sealed.parse(chain[-1]).payload == Sealed.parse(sealed).payload
        assert envelope.decrypt_text(chain[-1]) == SECRET
    assert [c.split(":")[0] for c in chain] == ["fs1", "fs1", "fs2", "fs2", "fs1"]
    # A retired key removed from the keyring: what it wrapped no longer opens.
    without_old = Envelope(_keyring("new", new=written["new"]))
    with pytest.raises(DecryptionFailed, match="no data encryption key 'old'"):
        without_old.decrypt(sealed)


def test_production_refuses_to_start_without_keys(tmp_path):
    base = {"environment": "production", "database_url": "postgresql://x/y", "data_dir": tmp_path}
    with pytest.raises(InsecureConfiguration, match="DATA_ENCRYPTION_KEYS must hold"):
        keyring_from_settings(Settings(**base))
    with pytest.raises(InsecureConfiguration, match="DATA_ENCRYPTION_KEY_ID must name"):
        keyring_from_settings(
            Settings(
                **base, data_encryption_keys={"a": generate_symmetric(), "b": generate_symmetric()}
            )
        )
    with pytest.raises(InsecureConfiguration, match="key 'a': a symmetric key is 32 bytes"):
        keyring_from_settings(Settings(**base, data_encryption_keys={"a": "c2hvcnQ="}))
    with pytest.raises(
        InsecureConfiguration, match="ENABLE_POST_QUANTUM_CRYPTO=true needs a hybrid"
    ):
        keyring_from_settings(
            Settings(
                **base,
                data_encryption_keys={"a": generate_symmetric()},
                enable_post_quantum_crypto=True,
            )
        )
    ring = keyring_from_settings(Settings(**base, data_encryption_keys={"a": generate_symmetric()}))
    assert ring.active_kid == "a"
    assert not any(tmp_path.iterdir())  # production never writes keys to disk


def test_development_generates_keys_once_and_the_flag_picks_the_hybrid_one(tmp_path):
    plain = keyring_from_settings(Settings(environment="development", data_dir=tmp_path))
    again = keyring_from_settings(Settings(environment="development", data_dir=tmp_path))
    pq = keyring_from_settings(
        Settings(environment="development", data_dir=tmp_path, enable_post_quantum_crypto=True)
    )
    key_file = tmp_path / "keys" / "data-encryption.json"
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert set(json.loads(key_file.read_text())["keys"]) == {"dev-1", "dev-pq-1"}
    sealed = Envelope(plain).encrypt(SECRET)
    assert Envelope(again).decrypt_text(sealed) == SECRET
    sealed_pq = Envelope(pq).encrypt(SECRET)
    assert sealed_pq.startswith("fs2:dev-pq-1:")
    # Turning the option on or off later: both kinds still decrypt.
    assert Envelope(plain).decrypt_text(sealed_pq) == SECRET
    assert Envelope(pq).decrypt_text(sealed) == SECRET


def test_keys_never_show_in_repr(written):
    ring = _keyring("pq-1", **written)
    assert written["old"] not in repr(ring) and "kid='old'" in repr(ring)


def test_serve_api_stops_at_start_without_encryption_keys(tmp_path):
    from support.processes import bare_environment, run_finsight

    env = bare_environment(
        tmp_path,
        ENVIRONMENT="production",
        DATABASE_URL="postgresql://nobody@127.0.0.1:1/none",
        JWT_SECRET="k" * 48,
    )
    done = run_finsight("serve", "api", env=env, cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "error: DATA_ENCRYPTION_KEYS must hold at least one key when ENVIRONMENT=production "
        "(JSON key id -> key; generate one with `finsight secrets generate-key "
        "[--post-quantum]`) and DATA_ENCRYPTION_KEY_ID name the active one"
    ]
