"""`finsight seed` and `finsight shell`."""

from __future__ import annotations

import subprocess

import pytest
from typer.testing import CliRunner

from finsight.auth.passwords import verify_password
from finsight.cli import app
from finsight.db import platform_session
from finsight.users.service import get_user_by_email

from support.processes import finsight_command

pytestmark = pytest.mark.integration

runner = CliRunner()


def test_seed_creates_the_demo_once(test_env):
    # The only test that uses the slug `demo` (roles are cluster-wide).
    first = runner.invoke(app, ["seed"], env={"DEMO_PASSWORD": "demo-password-123"})
    assert first.exit_code == 0, first.output
    assert first.stdout.strip() == (
        "demo organization ready: sign in as demo@example.com with DEMO_PASSWORD"
    )
    with platform_session() as session:
        owner = get_user_by_email(session, "demo@example.com")
        assert verify_password(owner.password_hash, "demo-password-123")
    again = runner.invoke(app, ["seed"])
    assert again.exit_code == 0, again.output
    assert again.stdout.strip() == "demo organization exists: sign in as demo@example.com"


def test_shell_has_a_session_and_the_models(test_env, unique_slug):
    created = runner.invoke(
        app,
        [
            "org",
            "create",
            unique_slug,
            "--name",
            "Shell",
            "--owner-email",
            f"owner@{unique_slug}.example.com",
        ],
    )
    assert created.exit_code == 0, created.output
    script = (
        "from sqlalchemy import select\n"
        f"org = session.scalar(select(Organization).where(Organization.slug == '{unique_slug}'))\n"
        "print('found', org.name, org.schema_name)\n"
    )
    done = subprocess.run(
        finsight_command("shell"),
        env=test_env,
        input=script,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert f"found Shell org_{unique_slug}" in done.stdout
