"""`finsight audit verify` against real chains, one of them tampered with."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from finsight.cli import app
from finsight.db import get_engine

pytestmark = pytest.mark.integration

runner = CliRunner()


def _superuser_dsn(test_env) -> str:
    url = make_url(test_env["MIGRATION_DATABASE_URL"]).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


@pytest.fixture
def org(test_env, unique_slug) -> str:
    result = runner.invoke(
        app,
        [
            "org",
            "create",
            unique_slug,
            "--name",
            "Audited",
            "--owner-email",
            f"owner@{unique_slug}.example.com",
        ],
    )
    assert result.exit_code == 0, result.output
    assert runner.invoke(app, ["org", "suspend", unique_slug]).exit_code == 0
    assert runner.invoke(app, ["org", "resume", unique_slug]).exit_code == 0
    return unique_slug


def test_every_chain_intact(org):
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert any(
        line.startswith("platform: ") and line.endswith(" entries, intact") for line in lines
    )
    assert f"{org}: 3 entries, intact" in lines  # create, suspend, resume


def test_edited_entry_is_named(test_env, org):
    with get_engine().connect() as conn:
        org_id, seq, details = conn.execute(
            text(
                "SELECT a.org_id, a.seq, a.details::text FROM platform.audit_log a "
                "JOIN platform.orgs o ON o.id = a.org_id WHERE o.slug = :s AND a.seq = 2"
            ),
            {"s": org},
        ).one()
    with psycopg.connect(_superuser_dsn(test_env), autocommit=True) as conn:
        conn.execute("ALTER TABLE platform.audit_log DISABLE TRIGGER audit_log_append_only")
        try:
            conn.execute(
                "UPDATE platform.audit_log SET details = '{\"forged\": true}' "
                "WHERE org_id = %s AND seq = %s",
                (org_id, seq),
            )
        finally:
            conn.execute("ALTER TABLE platform.audit_log ENABLE TRIGGER audit_log_append_only")
    try:
        result = runner.invoke(app, ["audit", "verify", "--org", org])
        assert result.exit_code == 1
        assert result.stdout.splitlines()[1:] == [
            f"{org}: BROKEN at seq 2: entry content does not match its hash (edited)"
        ]
        assert result.stderr.strip() == f"error: audit chain broken: {org}"
    finally:  # put it back, so a verify of every chain elsewhere in this database stays clean
        with psycopg.connect(_superuser_dsn(test_env), autocommit=True) as conn:
            conn.execute("ALTER TABLE platform.audit_log DISABLE TRIGGER audit_log_append_only")
            try:
                conn.execute(
                    "UPDATE platform.audit_log SET details = %s::jsonb "
                    "WHERE org_id = %s AND seq = %s",
                    (details, org_id, seq),
                )
            finally:
                conn.execute("ALTER TABLE platform.audit_log ENABLE TRIGGER audit_log_append_only")
    assert runner.invoke(app, ["audit", "verify", "--org", org]).exit_code == 0


def test_unknown_org(test_env):
    result = runner.invoke(app, ["audit", "verify", "--org", "no-such-org"])
    assert result.exit_code == 1
    assert result.stderr.strip() == "error: no organization 'no-such-org'"
