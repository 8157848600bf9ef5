"""Settings guards and feature flags."""

from __future__ import annotations

import pytest

from finsight.config import InsecureConfiguration, Settings
from finsight.crypto.keys import generate_symmetric
from finsight.crypto.signing import generate_ed25519


def test_production_refuses_a_missing_short_or_default_secret():
    for secret in (None, "short", "change-me-" + "x" * 40):
        settings = Settings(
            environment="production", database_url="postgresql://x/y", jwt_secret=secret
        )
        with pytest.raises(InsecureConfiguration, match="JWT_SECRET"):
            settings.require_safe_secrets()
    Settings(
        environment="production",
        database_url="postgresql://x/y",
        jwt_secret="k" * 48,
        data_encryption_keys={"k1": generate_symmetric()},
        audit_signing_key=generate_ed25519(),
    ).require_safe_secrets()


def test_development_keeps_one_secret_in_the_data_dir_when_unset(tmp_path):
    settings = Settings(environment="development", jwt_secret=None, data_dir=tmp_path)
    secret = settings.signing_secret()
    assert len(secret) >= 32
    # Every process of the install (api, worker, CLI) signs with the same key.
    again = Settings(environment="development", jwt_secret=None, data_dir=tmp_path)
    assert again.signing_secret() == secret
    assert (tmp_path / "jwt-secret").stat().st_mode & 0o777 == 0o600


def test_production_requires_a_database_url():
    with pytest.raises(ValueError, match="DATABASE_URL"):
        Settings(environment="production", jwt_secret="k" * 48, database_url=None)


def test_create_app_refuses_to_start_in_production_with_a_weak_secret(monkeypatch):
    from finsight.app import create_app
    from finsight.config import get_settings

    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("DATABASE_URL", "postgresql://nowhere/db")
    monkeypatch.setenv("JWT_SECRET", "too-short")
    get_settings.cache_clear()
    try:
        with pytest.raises(InsecureConfiguration):
            create_app()
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
