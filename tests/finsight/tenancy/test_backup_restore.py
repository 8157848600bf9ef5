"""`finsight backup` / `finsight restore`: a whole backup restored into an empty embedded
PostgreSQL brings back working organizations (roles, ownership, data, audit chain); one
organization's schema is restored in place."""

from __future__ import annotations

import subprocess
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.engine import make_url

from finsight.accounts.models import Account
from finsight.embedded import EmbeddedPostgres
from finsight.tenancy import tenant_session

from support.accounts import make_account
from support.api import create_org
from support.processes import finsight_command

pytestmark = pytest.mark.integration


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        finsight_command(*args),
        env={**env, "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def accounts(slug: str) -> int:
    with tenant_session(slug) as session:
        return int(session.scalar(select(func.count()).select_from(Account)) or 0)


def libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def test_whole_backup_restores_into_an_empty_cluster(test_env, unique_slug, tmp_path: Path):
    create_org(unique_slug)
    make_account(unique_slug, name="Checking")
    make_account(unique_slug, name="Savings")
    backup = tmp_path / "backup"
    made = cli(test_env, "backup", str(backup))
    assert made.returncode == 0, made.stderr
    assert (backup / "toc.dat").exists() and (backup / "roles.json").exists()

    empty = EmbeddedPostgres(tmp_path / "other-cluster")
    empty.start(scratch=True)
    try:
        # The new cluster's owner and application login, as the embedded cluster makes them.
        target = {
            **test_env,
            "DATABASE_URL": empty.app_url("finsight"),
            "MIGRATION_DATABASE_URL": empty.url("finsight"),
        }
        restored = cli(target, "restore", str(backup))
        assert restored.returncode == 0, restored.stderr

        listed = cli(target, "org", "list")
        assert listed.returncode == 0, listed.stderr
        assert unique_slug in listed.stdout
        verified = cli(target, "audit", "verify")
        assert verified.returncode == 0, verified.stdout + verified.stderr

        schema = f"org_{unique_slug.replace('-', '_')}"
        with psycopg.connect(libpq(empty.url("finsight"))) as connection:
            # As the tenant's own role: it owns its schema again, and may read and write it.
            connection.execute(f"SET ROLE {schema}")
            names = connection.execute(f"SELECT name FROM {schema}.accounts ORDER BY name")
            assert [row[0] for row in names] == ["Checking", "Savings"]
            connection.execute(
                f"UPDATE {schema}.accounts SET name = 'Everyday' WHERE name = 'Checking'"
            )
            # ...and still cannot read another schema's tables.
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                connection.execute("SELECT count(*) FROM platform.users")

        again = cli(target, "restore", str(backup))
        assert again.returncode == 1
        assert again.stderr.startswith("error: a whole backup is restored into an empty database")
    finally:
        empty.stop()


def test_one_organization_is_restored_in_place(test_env, unique_slug, tmp_path: Path):
    create_org(unique_slug)
    make_account(unique_slug)
    backup = tmp_path / "one"
    made = cli(test_env, "backup", str(backup), "--org", unique_slug)
    assert made.returncode == 0, made.stderr
    with tenant_session(unique_slug) as session:
        session.execute(delete(Account))
    assert accounts(unique_slug) == 0

    restored = cli(test_env, "restore", str(backup), "--org", unique_slug)
    assert restored.returncode == 0, restored.stderr
    assert accounts(unique_slug) == 1

    missing = cli(test_env, "restore", str(backup), "--org", "nobody-here")
    assert missing.returncode == 1
    assert missing.stderr.startswith("error: no organization 'nobody-here'")
    exists = cli(test_env, "backup", str(backup))
    assert exists.returncode == 1 and "exists" in exists.stderr
