"""The installed entry points as real processes."""

from __future__ import annotations

import subprocess

import pytest
from typer.testing import CliRunner

from finsight.cli import app

from support.processes import bare_environment, finsight_command, run_finsight

runner = CliRunner()

COMMANDS = [
    [],
    ["dev"],
    ["seed"],
    ["shell"],
    ["serve"],
    ["serve", "api"],
    ["serve", "worker"],
    ["serve", "beat"],
    ["serve", "operator"],
    ["db"],
    ["db", "upgrade"],
    ["db", "current"],
    ["db", "shell"],
    ["org"],
    ["org", "create"],
    ["org", "list"],
    ["org", "delete"],
    ["org", "suspend"],
    ["org", "resume"],
    ["org", "ping"],
    ["user"],
    ["user", "create"],
    ["user", "set-password"],
    ["audit"],
    ["audit", "verify"],
    ["audit", "checkpoint"],
    ["audit", "generate-key"],
    ["secrets"],
    ["secrets", "generate-key"],
    ["secrets", "rotate"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "finsight")
def test_every_command_has_help(command):
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.stdout


def test_module_entry_point_help():
    done = subprocess.run(finsight_command("--help"), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    for group in ("dev", "serve", "db", "org", "user", "audit", "seed", "shell"):
        assert group in done.stdout


@pytest.mark.integration
def test_failing_command_exits_1_with_one_line(test_env):
    done = subprocess.run(
        finsight_command(
            "org", "create", "Bad_Slug", "--name", "x", "--owner-email", "a@b.example"
        ),
        env=test_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "error: invalid organization slug 'Bad_Slug': 3-32 characters: lowercase letters, digits "
        "and hyphens, starting with a letter and ending with a letter or digit"
    ]


def test_production_without_database_url_is_one_line(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "ENVIRONMENT": "production", "HOME": str(tmp_path)}
    done = subprocess.run(
        finsight_command("org", "list"),
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "error: invalid configuration: DATABASE_URL is required when ENVIRONMENT=production"
    ]


def test_serve_api_refuses_insecure_production_secret(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "ENVIRONMENT": "production",
        "HOME": str(tmp_path),
        "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
        "JWT_SECRET": "change-me",
    }
    done = run_finsight("serve", "api", env=env, cwd=tmp_path)
    assert done.returncode == 1
    assert len(done.stderr.splitlines()) == 1
    assert done.stderr.startswith("error: JWT_SECRET must be a random value of at least 32 bytes")


def test_worker_without_redis_url_is_one_line(tmp_path):
    env = bare_environment(tmp_path, ENVIRONMENT="development")
    done = run_finsight("serve", "worker", env=env, cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "error: REDIS_URL is not set: the worker, beat and task senders need Redis "
        "(`finsight dev` runs an embedded one; otherwise set REDIS_URL)"
    ]
