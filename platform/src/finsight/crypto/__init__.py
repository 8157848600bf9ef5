"""Cryptography of the platform, one job per module.

- `keys`: key-encryption keys (a symmetric AES-256 key, or a hybrid X25519 + ML-KEM-768 keypair)
  parsed from settings, and how new ones are generated;
- `keyring`: the configured keys (DATA_ENCRYPTION_KEYS / DATA_ENCRYPTION_KEY_ID, or a file
  generated once under DATA_DIR in development);
- `hybrid_kem`: X25519 + ML-KEM-768 encapsulation combined with HKDF-SHA256;
- `envelope`: envelope encryption of secrets at rest (`fs1:` / `fs2:` self-describing strings),
  and `rewrap` for key rotation;
- `signing`: Ed25519 signatures, and hybrid Ed25519 + ML-DSA-65 ones;
- `secret_columns`: the registry of encrypted columns that `finsight secrets rotate` rewraps.
"""
