"""`finsight db upgrade|current|shell` against this worker's real database."""

from __future__ import annotations

import subprocess

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from finsight.cli import app
from finsight.db import get_engine
from finsight.tenancy.migrations import head

from support.processes import finsight_command

pytestmark = pytest.mark.integration

runner = CliRunner()


def _create(slug: str) -> None:
    result = runner.invoke(
        app, ["org", "create", slug, "--name", slug, "--owner-email", f"owner@{slug}.example.com"]
    )
    assert result.exit_code == 0, result.output


def _unmigrate(slug: str) -> None:
    """Leave the tenant as a release before its first migration would: schema, no tables."""
    with get_engine().begin() as conn:
        conn.execute(text(f"DROP SCHEMA org_{slug} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA org_{slug} AUTHORIZATION org_{slug}"))


def test_upgrade_migrates_every_tenant_and_current_reports(test_env, unique_slug):
    a, b = unique_slug + "a", unique_slug + "b"
    _create(a)
    _create(b)
    _unmigrate(a)
    behind = runner.invoke(app, ["db", "current"], env={"COLUMNS": "200"})
    assert behind.exit_code == 0, behind.output
    assert f"platform: {head('platform')} at head" in behind.stdout
    row_a = next(line for line in behind.stdout.splitlines() if a in line)
    assert "behind" in row_a
    assert "run `finsight db upgrade`" in behind.stdout

    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert f"platform schema at {head('platform')}" in result.stdout
    assert "upgraded" in result.stdout and "0 failed" in result.stdout
    with get_engine().connect() as conn:
        assert conn.execute(text(f"SELECT count(*) FROM org_{a}.categories")).scalar() > 10
        migrated = conn.execute(
            text(
                "SELECT a.details FROM platform.audit_log a JOIN platform.orgs o "
                "ON o.id = a.org_id WHERE o.slug = :s AND a.action = 'tenant.migrate'"
            ),
            {"s": a},
        ).scalar_one()
    assert migrated == {"from": None, "to": head("tenant")}

    after = runner.invoke(app, ["db", "current"], env={"COLUMNS": "200"})
    for slug in (a, b):
        row = next(line for line in after.stdout.splitlines() if slug in line)
        assert head("tenant") in row and "at head" in row


def test_one_broken_tenant_is_named_and_the_rest_upgrade(test_env, unique_slug):
    broken, healthy = unique_slug + "x", unique_slug + "y"
    _create(broken)
    _create(healthy)
    _unmigrate(healthy)
    # Tables without a version record: the first migration's CREATE TABLE collides.
    with get_engine().begin() as conn:
        conn.execute(text(f"DROP TABLE org_{broken}.alembic_version"))
    try:
        result = runner.invoke(app, ["db", "upgrade"])
        assert result.exit_code == 1
        assert f"tenant {broken}: FAILED:" in result.stdout
        assert "already exists" in result.stdout
        assert result.stderr.strip() == f"error: tenant schema upgrade failed for: {broken}"
        with get_engine().connect() as conn:
            assert conn.execute(text(f"SELECT count(*) FROM org_{healthy}.categories")).scalar()
    finally:  # later upgrades in this database must not trip on it
        assert runner.invoke(app, ["org", "delete", broken, "--purge", "--yes"]).exit_code == 0


def test_db_shell_runs_psql_on_the_database(test_env):
    done = subprocess.run(
        finsight_command("db", "shell"),
        env=test_env,
        input="SELECT 'answer:' || 6 * 7;\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "answer:42" in done.stdout


def test_parallel_upgrade_migrates_each_tenant_once_and_a_rerun_resumes(test_env, unique_slug):
    slugs = [f"{unique_slug}p{i}" for i in range(4)]
    for slug in slugs:
        _create(slug)
        _unmigrate(slug)
    first = runner.invoke(app, ["db", "upgrade", "--jobs", "3"])
    assert first.exit_code == 0, first.output
    # A rerun passes over every tenant at head: nothing is migrated (or audited) twice.
    again = runner.invoke(app, ["db", "upgrade", "--jobs", "3"])
    assert again.exit_code == 0, again.output
    assert " 0 upgraded," in again.stdout and "0 failed" in again.stdout
    with get_engine().connect() as conn:
        migrations = dict(
            conn.execute(
                text(
                    "SELECT o.slug, count(*) FROM platform.audit_log a JOIN platform.orgs o "
                    "ON o.id = a.org_id WHERE o.slug LIKE :p AND a.action = 'tenant.migrate' "
                    "GROUP BY o.slug"
                ),
                {"p": f"{unique_slug}p%"},
            ).all()
        )
        for slug in slugs:
            assert conn.execute(text(f"SELECT count(*) FROM org_{slug}.categories")).scalar()
    assert migrations == dict.fromkeys(slugs, 1)
    refused = runner.invoke(app, ["db", "upgrade", "--jobs", "0"])
    assert refused.exit_code != 0 and "jobs" in refused.output
