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


def test_development_generates_a_secret_when_unset():
    settings = Settings(environment="development", jwt_secret=None)
    assert len(settings.signing_secret()) >= 32


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
