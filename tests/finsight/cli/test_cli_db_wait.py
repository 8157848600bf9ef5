"""`finsight db wait`: what the chart's init containers run until the migration Job is done."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy.engine import make_url

from finsight.embedded import free_port
from finsight.tenancy.migrations import head

from support.processes import finsight_command

pytestmark = pytest.mark.integration


@pytest.fixture
def empty_database(test_env: dict[str, str], unique_slug: str) -> Iterator[dict[str, str]]:
    """A database of its own on the suite's server, with nothing migrated in it: the
    application's URL of it and its owner's (who migrates it)."""
    owner = make_url(test_env["MIGRATION_DATABASE_URL"])
    admin = owner.set(drivername="postgresql", database="postgres")
    name = f"wait_{unique_slug}"
    dsn = admin.render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {
            "DATABASE_URL": make_url(test_env["DATABASE_URL"])
            .set(database=name)
            .render_as_string(hide_password=False),
            "MIGRATION_DATABASE_URL": owner.set(database=name).render_as_string(
                hide_password=False
            ),
        }
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _wait(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        finsight_command("db", "wait", *args), env=env, capture_output=True, text=True, timeout=120
    )


def test_returns_at_once_when_the_platform_is_at_head(test_env):
    done = _wait(test_env, "--timeout", "30")
    assert done.returncode == 0, done.stderr
    assert f"platform schema at head ({head('platform')})" in done.stdout


def test_times_out_with_one_error_line_on_an_unmigrated_database(test_env, empty_database):
    done = _wait({**test_env, **empty_database}, "--timeout", "1", "--interval", "0.2")
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"error: platform schema not at head {head('platform')} after 1s: "
        "platform schema at nothing (not migrated)"
    ]


def test_an_unreachable_database_is_waited_for_then_named(test_env):
    nowhere = make_url(test_env["DATABASE_URL"]).set(host="127.0.0.1", port=free_port())
    env = {**test_env, "DATABASE_URL": nowhere.render_as_string(hide_password=False)}
    done = _wait(env, "--timeout", "1", "--interval", "0.2")
    assert done.returncode == 1
    [line] = done.stderr.splitlines()
    assert line.startswith(f"error: platform schema not at head {head('platform')} after 1s: ")
    assert "database unreachable" in line


def test_returns_once_the_migration_job_has_run(test_env, empty_database):
    env = {**test_env, **empty_database}
    waiting = subprocess.Popen(
        finsight_command("db", "wait", "--timeout", "120", "--interval", "0.2"),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        migrated = subprocess.run(
            finsight_command("db", "upgrade"), env=env, capture_output=True, text=True, timeout=120
        )
        assert migrated.returncode == 0, migrated.stderr
        stdout, stderr = waiting.communicate(timeout=120)
    finally:
        if waiting.poll() is None:
            waiting.kill()
            waiting.wait()
    assert waiting.returncode == 0, stderr
    assert f"platform schema at head ({head('platform')})" in stdout
