"""The configured key-encryption keys: DATA_ENCRYPTION_KEYS (JSON kid -> key) and
DATA_ENCRYPTION_KEY_ID (the one that wraps new secrets). In development, when unset, a
symmetric and a hybrid key are generated once under DATA_DIR/keys."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from finsight.config import InsecureConfiguration, Settings, get_settings
from finsight.crypto import keyfiles
from finsight.crypto.encoding import MalformedKey
from finsight.crypto.keys import (
    HybridKeypair,
    KeyEncryptionKey,
    generate_hybrid,
    generate_symmetric,
    parse_key,
)

DEV_KEY_FILE = "keys/data-encryption.json"
_GENERATE_HINT = "generate one with `finsight secrets generate-key [--post-quantum]`"


class UnknownKeyId(LookupError):
    pass


@dataclass(frozen=True)
class Keyring:
    keys: Mapping[str, KeyEncryptionKey]
    active_kid: str

    def key(self, kid: str) -> KeyEncryptionKey:
        try:
            return self.keys[kid]
        except KeyError:
            raise UnknownKeyId(
                f"no data encryption key {kid!r} (DATA_ENCRYPTION_KEYS has "
                f"{', '.join(sorted(self.keys)) or 'none'})"
            ) from None

    @property
    def active(self) -> KeyEncryptionKey:
        return self.key(self.active_kid)


def _dev_keys(settings: Settings) -> tuple[dict[str, str], str]:
    document = keyfiles.load_or_create(
        settings.data_dir / DEV_KEY_FILE,
        lambda: {
            "keys": {"dev-1": generate_symmetric(), "dev-pq-1": generate_hybrid()},
            "active": "dev-1",
            "active_post_quantum": "dev-pq-1",
        },
    )
    active_field = "active_post_quantum" if settings.enable_post_quantum_crypto else "active"
    return dict(document["keys"]), str(document[active_field])


def keyring_from_settings(settings: Settings) -> Keyring:
    """Parse and check the keys; a problem is an InsecureConfiguration naming the setting."""
    if settings.data_encryption_keys:
        written = {kid: s.get_secret_value() for kid, s in settings.data_encryption_keys.items()}
        active_kid = settings.data_encryption_key_id or (
            next(iter(written)) if len(written) == 1 else ""
        )
    elif settings.is_development:
        written, active_kid = _dev_keys(settings)
    else:
        raise InsecureConfiguration(
            "DATA_ENCRYPTION_KEYS must hold at least one key when ENVIRONMENT=production "
            f"(JSON key id -> key; {_GENERATE_HINT}) and DATA_ENCRYPTION_KEY_ID name the active one"
        )
    try:
        keys = {kid: parse_key(kid, value) for kid, value in written.items()}
    except MalformedKey as exc:
        raise InsecureConfiguration(f"DATA_ENCRYPTION_KEYS: {exc}") from exc
    if active_kid not in keys:
        raise InsecureConfiguration(
            f"DATA_ENCRYPTION_KEY_ID must name one of DATA_ENCRYPTION_KEYS ({', '.join(keys)})"
        )
    if settings.enable_post_quantum_crypto and not isinstance(keys[active_kid], HybridKeypair):
        raise InsecureConfiguration(
            "ENABLE_POST_QUANTUM_CRYPTO=true needs a hybrid X25519 + ML-KEM-768 key as "
            f"DATA_ENCRYPTION_KEY_ID ({_GENERATE_HINT})"
        )
    return Keyring(keys, active_kid)


_cache: list[tuple[Settings, Keyring]] = []


def get_keyring() -> Keyring:
    """The keyring of the current settings (parsed once per settings object)."""
    settings = get_settings()
    if not _cache or _cache[0][0] is not settings:
        _cache[:] = [(settings, keyring_from_settings(settings))]
    return _cache[0][1]
