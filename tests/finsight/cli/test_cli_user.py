"""`finsight user ...` in-process against this worker's real database."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from finsight.auth.passwords import verify_password
from finsight.cli import app
from finsight.db import get_engine, platform_session
from finsight.kit.identity import Actor
from finsight.organizations.invitations import accept_with_new_account
from finsight.users.service import create_user

from support.mail import text_of

pytestmark = pytest.mark.integration

runner = CliRunner()


@pytest.fixture
def registered(org) -> str:
    """An account of its own (its owner chose the password)."""
    email = f"self@{org}.example.com"
    with platform_session() as session:
        create_user(session, email, "my-own-password-1", actor=Actor.cli())
    return email


@pytest.fixture
def org(test_env, unique_slug) -> str:
    result = runner.invoke(
        app,
        [
            "org",
            "create",
            unique_slug,
            "--name",
            "Users Inc.",
            "--owner-email",
            f"owner@{unique_slug}.example.com",
        ],
    )
    assert result.exit_code == 0, result.output
    return unique_slug


def _user(email: str):
    with get_engine().connect() as conn:
        return conn.execute(
            text(
                "SELECT u.password_hash, u.is_platform_admin, "
                "  (SELECT array_agg(r.name) FROM platform.memberships m "
                "     JOIN platform.roles r ON r.id = m.role_id WHERE m.user_id = u.id) AS roles "
                "FROM platform.users u WHERE u.email = :e"
            ),
            {"e": email},
        ).one()


def test_create_invites_and_prints_the_link_once(org, mail_sink, worker_process):
    email = f"analyst@{org}.example.com"
    result = runner.invoke(app, ["user", "create", email, "--org", org, "--role", "analyst"])
    assert result.exit_code == 0, result.output
    assert "password" not in result.stdout
    link = result.stdout.split("invitation link: ")[1].split()[0]
    with get_engine().connect() as conn:  # nobody has an account yet: the invitee makes it
        assert (
            conn.execute(
                text("SELECT count(*) FROM platform.users WHERE email = :e"), {"e": email}
            ).scalar_one()
            == 0
        )
    [mail] = mail_sink.wait_for(email)
    assert link in text_of(mail)
    with platform_session() as session:
        accept_with_new_account(
            session,
            link.split("token=")[1],
            password="the analyst's own",
            full_name="",
            actor=Actor.cli(),
        )
    row = _user(email)
    assert verify_password(row.password_hash, "the analyst's own")
    assert row.roles == ["analyst"] and row.is_platform_admin is False


def test_password_option_is_gone(org):
    result = runner.invoke(
        app,
        [
            "user",
            "create",
            f"x@{org}.example.com",
            "--org",
            org,
            "--role",
            "viewer",
            "--password",
            "chosen-by-someone-else",
        ],
    )
    assert result.exit_code != 0


def test_unknown_role_is_one_line_error(org):
    result = runner.invoke(
        app, ["user", "create", f"x@{org}.example.com", "--org", org, "--role", "wizard"]
    )
    assert result.exit_code == 1
    assert result.stderr.strip().startswith("error: no role named 'wizard'")
    assert len(result.stderr.strip().splitlines()) == 1


def test_org_is_required_unless_platform_admin(test_env, unique_slug):
    result = runner.invoke(app, ["user", "create", f"x@{unique_slug}.example.com"])
    assert result.exit_code == 1
    assert "--org is required" in result.stderr


def test_platform_admin_without_org(test_env, unique_slug):
    email = f"admin@{unique_slug}.example.com"
    result = runner.invoke(
        app,
        ["user", "create", email, "--platform-admin", "--password-stdin"],
        input="admin-password-123\n",
    )
    assert result.exit_code == 0, result.output
    assert "password:" not in result.stdout
    row = _user(email)
    assert row.is_platform_admin is True and row.roles is None
    assert verify_password(row.password_hash, "admin-password-123")


def test_set_password_from_stdin(registered):
    email = registered
    result = runner.invoke(
        app, ["user", "set-password", email, "--password-stdin"], input="brand-new-password-1\n"
    )
    assert result.exit_code == 0, result.output
    assert verify_password(_user(email).password_hash, "brand-new-password-1")


def test_set_password_prompt_asks_twice(registered):
    email = registered
    result = runner.invoke(
        app, ["user", "set-password", email], input="prompted-password-1\nprompted-password-1\n"
    )
    assert result.exit_code == 0, result.output
    assert verify_password(_user(email).password_hash, "prompted-password-1")


def test_set_password_too_short_and_unknown_user(org, registered):
    short = runner.invoke(
        app,
        ["user", "set-password", registered, "--password-stdin"],
        input="short\n",
    )
    assert short.exit_code == 1
    assert short.stderr.strip() == "error: password must be at least 10 characters"
    unknown = runner.invoke(
        app,
        ["user", "set-password", f"nobody@{org}.example.com", "--password-stdin"],
        input="whatever-password\n",
    )
    assert unknown.exit_code == 1
    assert unknown.stderr.strip() == f"error: no user with email 'nobody@{org}.example.com'"
