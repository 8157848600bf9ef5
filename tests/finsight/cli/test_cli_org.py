"""`finsight org ...` in-process against this worker's real database."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from finsight.cli import app
from finsight.db import get_engine

pytestmark = pytest.mark.integration

runner = CliRunner()


def _create(slug: str, *extra: str):
    return runner.invoke(
        app,
        [
            "org",
            "create",
            slug,
            "--name",
            f"Org {slug}",
            "--owner-email",
            f"owner@{slug}.example.com",
            *extra,
        ],
    )


def _schema_exists(name: str) -> bool:
    with get_engine().connect() as conn:
        return bool(
            conn.execute(
                text("SELECT count(*) FROM pg_namespace WHERE nspname = :n"), {"n": name}
            ).scalar()
        )


def test_create_prints_generated_password_once_and_lists(test_env, unique_slug):
    result = _create(unique_slug, "--plan", "enterprise")
    assert result.exit_code == 0, result.output
    assert f"created organization {unique_slug} (schema org_{unique_slug})" in result.stdout
    assert "owner password:" in result.stdout
    assert _schema_exists(f"org_{unique_slug}")

    listed = runner.invoke(app, ["org", "list"], env={"COLUMNS": "200"})
    assert listed.exit_code == 0, listed.output
    row = next(line for line in listed.stdout.splitlines() if unique_slug in line)
    assert "enterprise" in row and "active" in row
    assert row.split("│")[5].strip() == "default"  # the database cluster
    assert row.split("│")[6].strip() == "1"  # members: the owner


def test_create_with_given_password_prints_none(test_env, unique_slug):
    result = _create(unique_slug, "--owner-password", "a-long-enough-password")
    assert result.exit_code == 0, result.output
    assert "password" not in result.stdout


def test_invalid_slug_is_one_line_error_naming_it(test_env):
    result = _create("Bad_Slug!")
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: invalid organization slug 'Bad_Slug!'")
    assert "Traceback" not in result.output


def test_existing_slug_is_a_conflict(test_env, unique_slug):
    assert _create(unique_slug).exit_code == 0
    again = _create(unique_slug)
    assert again.exit_code == 1
    assert again.stderr.strip() == f"error: organization '{unique_slug}' exists"


def test_unknown_plan_names_the_choices(test_env, unique_slug):
    result = _create(unique_slug, "--plan", "platinum")
    assert result.exit_code == 1
    assert result.stderr.strip() == "error: plan must be one of free, standard, enterprise"


def test_suspend_and_resume(test_env, unique_slug):
    assert _create(unique_slug).exit_code == 0
    assert runner.invoke(app, ["org", "suspend", unique_slug]).exit_code == 0
    with get_engine().connect() as conn:
        status = conn.execute(
            text("SELECT status FROM platform.orgs WHERE slug = :s AND deleted_at IS NULL"),
            {"s": unique_slug},
        ).scalar_one()
    assert status == "suspended"
    resumed = runner.invoke(app, ["org", "resume", unique_slug])
    assert resumed.exit_code == 0 and f"resumed organization {unique_slug}" in resumed.stdout
    missing = runner.invoke(app, ["org", "suspend", unique_slug + "x"])
    assert missing.exit_code == 1
    assert missing.stderr.strip() == f"error: no organization '{unique_slug}x'"


def test_delete_retain_archives_the_schema(test_env, unique_slug):
    assert _create(unique_slug).exit_code == 0
    result = runner.invoke(app, ["org", "delete", unique_slug, "--yes"])
    assert result.exit_code == 0, result.output
    archived = result.stdout.split("kept in schema ")[1].strip()
    assert archived.startswith(f"archived_org_{unique_slug}_")
    assert _schema_exists(archived)
    assert not _schema_exists(f"org_{unique_slug}")
    listed = runner.invoke(app, ["org", "list"], env={"COLUMNS": "200"})
    assert unique_slug not in listed.stdout


def test_delete_purge_drops_the_schema(test_env, unique_slug):
    assert _create(unique_slug).exit_code == 0
    result = runner.invoke(app, ["org", "delete", unique_slug, "--purge", "--yes"])
    assert result.exit_code == 0, result.output
    assert "its data was dropped" in result.stdout
    assert not _schema_exists(f"org_{unique_slug}")
    with get_engine().connect() as conn:
        leftovers = conn.execute(
            text("SELECT count(*) FROM pg_namespace WHERE nspname LIKE :p"),
            {"p": f"archived_org_{unique_slug}%"},
        ).scalar()
    assert leftovers == 0


def test_delete_without_yes_and_without_a_terminal_refuses(test_env, unique_slug):
    assert _create(unique_slug).exit_code == 0
    result = runner.invoke(app, ["org", "delete", unique_slug])
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"error: refusing to delete '{unique_slug}' without confirmation: pass --yes"
    )
    assert _schema_exists(f"org_{unique_slug}")
