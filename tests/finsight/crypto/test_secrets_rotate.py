"""`finsight secrets rotate` rewraps every registered column, platform and tenant, in place."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from finsight.cli import app
from finsight.config import get_settings
from finsight.crypto.envelope import envelope, key_id
from finsight.crypto.keyring import _dev_keys
from finsight.crypto.keys import generate_hybrid, generate_symmetric
from finsight.crypto.secret_columns import SecretColumn, register, unregister
from finsight.db import get_engine, get_migration_engine
from finsight.tenancy import TenantNames, scope_to_tenant

from support.api import TEST_ACTOR

pytestmark = pytest.mark.integration
runner = CliRunner()
SECRETS = ["whsec_one", "whsec_two", "access-sandbox-three"]


@pytest.fixture
def keys(test_env, monkeypatch):
    """The suite's own keys plus three of the test's: rotation also meets the secrets other
    tests sealed (two-factor secrets in the shared platform schema), and puts them back under
    the suite's key at the end, so they still open afterwards."""
    suite, suite_active = _dev_keys(get_settings())
    written = {
        **suite,
        "k-old": generate_symmetric(),
        "k-new": generate_symmetric(),
        "pq": generate_hybrid(),
    }

    def use(active: str) -> None:
        monkeypatch.setenv("DATA_ENCRYPTION_KEYS", json.dumps(written))
        monkeypatch.setenv("DATA_ENCRYPTION_KEY_ID", active)
        get_settings.cache_clear()

    use("k-old")
    yield use
    restored = runner.invoke(app, ["secrets", "rotate", "--to", suite_active])
    assert restored.exit_code == 0, restored.output
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.fixture
def org(test_env, unique_slug) -> TenantNames:
    result = runner.invoke(
        app,
        [
            "org",
            "create",
            unique_slug,
            "--name",
            "Rotating",
            "--owner-email",
            f"o@{unique_slug}.test",
        ],
    )
    assert result.exit_code == 0, result.output
    return TenantNames.for_slug(unique_slug)


def test_rotate_rewraps_registered_columns_and_nothing_else(keys, org, unique_slug):
    platform_table, tenant_table = f"test_secrets_{unique_slug}", "test_webhook_secrets"
    platform_column = SecretColumn("platform", platform_table, "token")
    tenant_column = SecretColumn("tenant", tenant_table, "secret")
    with get_migration_engine().begin() as conn:  # platform tables are the owner's to create
        conn.execute(
            text(f"CREATE TABLE platform.{platform_table} (id int PRIMARY KEY, token text)")
        )
    with get_engine().begin() as conn:
        for i, secret in enumerate(SECRETS):
            conn.execute(
                text(f"INSERT INTO platform.{platform_table} VALUES (:i, :t)"),
                {"i": i, "t": envelope().encrypt(secret)},
            )
        conn.execute(text(f"INSERT INTO platform.{platform_table} VALUES (99, NULL)"))
        scope_to_tenant(conn, org)
        conn.execute(text(f"CREATE TABLE {tenant_table} (id int PRIMARY KEY, secret text)"))
        conn.execute(
            text(f"INSERT INTO {tenant_table} VALUES (1, :t)"),
            {"t": envelope().encrypt(SECRETS[0])},
        )
    register(platform_column)
    register(tenant_column)
    try:
        keys("pq")  # a post-quantum key becomes the active one
        result = runner.invoke(app, ["secrets", "rotate"])
        assert result.exit_code == 0, result.output
        assert f"platform:{platform_table}.token: 3 rewrapped to pq" in result.stdout
        assert f"tenant:{tenant_table}.secret: 1 rewrapped to pq" in result.stdout
        with get_engine().begin() as conn:
            stored = (
                conn.execute(
                    text(f"SELECT token FROM platform.{platform_table} WHERE id < 99 ORDER BY id")
                )
                .scalars()
                .all()
            )
            scope_to_tenant(conn, org)
            stored.append(conn.execute(text(f"SELECT secret FROM {tenant_table}")).scalar_one())
        assert [key_id(s) for s in stored] == ["pq"] * 4
        assert all(s.startswith("fs2:pq:") for s in stored)
        assert [envelope().decrypt_text(s) for s in stored] == [*SECRETS, SECRETS[0]]
        again = runner.invoke(app, ["secrets", "rotate"])  # nothing left to do
        assert "0 secrets rewrapped to pq" in again.stdout
        back = runner.invoke(app, ["secrets", "rotate", "--to", "k-new"])
        assert f"platform:{platform_table}.token: 3 rewrapped to k-new" in back.stdout
        assert f"tenant:{tenant_table}.secret: 1 rewrapped to k-new" in back.stdout
        unknown = runner.invoke(app, ["secrets", "rotate", "--to", "k-gone"])
        assert unknown.exit_code == 1
        assert unknown.stderr.startswith("error: no data encryption key 'k-gone'")
    finally:
        unregister(platform_column)
        unregister(tenant_column)
        with get_migration_engine().begin() as conn:
            conn.execute(text(f"DROP TABLE platform.{platform_table}"))


def test_generate_key_prints_usable_keys(test_env):
    for args, prefix in (([], "k-"), (["--post-quantum"], "pq-")):
        result = runner.invoke(app, ["secrets", "generate-key", *args])
        kid, key = result.stdout.split()
        assert kid.startswith(prefix)
        from finsight.crypto.keys import parse_key

        assert parse_key(kid, key).kid == kid


def test_domains_declare_their_secret_columns(monkeypatch):
    from finsight import domains
    from finsight.crypto.secret_columns import registered_columns
    from finsight.kit.domain import Domain

    real = domains.all_domains()
    webhooks = Domain("webhooks", secret_columns=(("tenant", "webhook_endpoints", "secret"),))
    monkeypatch.setattr(domains, "all_domains", lambda: (*real, webhooks))
    assert SecretColumn("tenant", "webhook_endpoints", "secret") in registered_columns()
    wrong = Domain("wrong", secret_columns=(("cluster", "t", "c"),))
    monkeypatch.setattr(domains, "all_domains", lambda: (*real, wrong))
    with pytest.raises(ValueError, match="scope must be 'platform' or 'tenant'"):
        registered_columns()


def test_rotate_rewraps_two_factor_secrets(keys, test_env):
    """TOTP secrets (bytea holding the sealed string) are a registered column: rotated, they
    still open for their user, and only for them."""
    from finsight.auth.two_factor import _seal, _unseal
    from finsight.db import platform_session
    from finsight.users.models import User
    from finsight.users.service import create_user

    with platform_session() as session:
        email = f"totp-{uuid.uuid4().hex[:8]}@example.test"
        user = create_user(session, email, "pw-1234567890", actor=TEST_ACTOR)
        user.totp_secret = _seal(user, "JBSWY3DPEHPK3PXP")
        user_id = user.id
    result = runner.invoke(app, ["secrets", "rotate", "--to", "pq"])
    assert result.exit_code == 0, result.output
    assert "platform:users.totp_secret:" in result.stdout
    with platform_session() as session:
        user = session.get(User, user_id)
        assert user is not None and user.totp_secret is not None
        assert user.totp_secret.startswith(b"fs2:pq:")
        assert _unseal(user, user.totp_secret) == "JBSWY3DPEHPK3PXP"
