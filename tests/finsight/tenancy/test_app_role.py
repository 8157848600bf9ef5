"""The application logs in as a role that does not own the audit log (issue 19, item 4): no SQL
it runs, in a tenant's transaction or out of one, can rewrite the chain or switch its triggers
off. The schema owner (MIGRATION_DATABASE_URL) only runs migrations."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from finsight.config import Settings
from finsight.db import get_engine, get_migration_engine
from finsight.embedded import APP_LOGIN_ROLE
from finsight.tenancy import TenantNames, provision_tenant, scope_to_tenant
from finsight.tenancy.app_login import AppLoginMisconfigured, grant_app_login

pytestmark = pytest.mark.integration

# What SQL injected into the application's transaction would try against the audit trail.
ATTACKS = (
    ("ALTER TABLE platform.audit_log DISABLE TRIGGER audit_log_append_only", "must be owner"),
    ("ALTER TABLE platform.audit_log DISABLE ROW LEVEL SECURITY", "must be owner"),
    ("UPDATE platform.audit_log SET details = '{}'", "permission denied"),
    ("DELETE FROM platform.audit_log", "permission denied"),
    ("TRUNCATE platform.audit_log", "permission denied"),
    ("DROP TABLE platform.audit_log", "must be owner"),
    (
        "CREATE OR REPLACE FUNCTION platform.audit_entry_hash(e platform.audit_log) RETURNS text "
        "LANGUAGE sql AS $$ SELECT 'x' $$",
        "permission denied for schema",
    ),
    ("SET ROLE postgres", "permission denied to set role"),
    ("GRANT postgres TO CURRENT_USER", "permission denied to grant role"),
    ("ALTER ROLE CURRENT_USER SUPERUSER", "permission denied"),
)


def _refused(connection: Connection, statement: str, message: str) -> None:
    connection.execute(text("SAVEPOINT attack"))
    with pytest.raises(DBAPIError, match=message):
        connection.execute(text(statement))
    connection.execute(text("ROLLBACK TO SAVEPOINT attack"))


def test_the_application_login_neither_owns_nor_can_become_the_audit_owner(test_env):
    with get_engine().connect() as connection:
        row = connection.execute(
            text(
                "SELECT current_user AS me, r.rolsuper, t.tableowner,"
                " pg_has_role(current_user, t.tableowner, 'MEMBER') AS member_of_owner"
                " FROM pg_tables t, pg_roles r"
                " WHERE t.schemaname = 'platform' AND t.tablename = 'audit_log'"
                " AND r.rolname = current_user"
            )
        ).one()
    assert row.me == APP_LOGIN_ROLE and row.tableowner != APP_LOGIN_ROLE
    assert not row.rolsuper and not row.member_of_owner


def test_sql_run_by_the_application_cannot_touch_the_audit_trail(test_env):
    with get_engine().connect() as connection:
        for statement, message in ATTACKS:
            _refused(connection, statement, message)
        connection.rollback()


def test_nor_on_another_cluster(test_env, unique_slug):
    """A cluster of DATABASE_CLUSTERS runs two roles as well (MIGRATION_DATABASE_CLUSTERS): its
    platform schema, made at its first organization's provisioning, is the owner's."""
    from finsight.tenancy.migrations import upgrade_cluster_platform

    upgrade_cluster_platform("second")
    with get_engine("second").connect() as connection:
        owner = connection.execute(
            text(
                "SELECT tableowner FROM pg_tables "
                "WHERE schemaname = 'platform' AND tablename = 'audit_log'"
            )
        ).scalar_one()
        assert connection.execute(text("SELECT current_user")).scalar_one() == APP_LOGIN_ROLE
        assert owner != APP_LOGIN_ROLE
        for statement, message in ATTACKS:
            _refused(connection, statement, message)
        connection.rollback()


def test_nor_after_leaving_a_tenant_scope(test_env, unique_slug):
    with get_engine().begin() as connection:
        names = provision_tenant(connection, unique_slug)
    with get_engine().connect() as connection:
        scope_to_tenant(connection, names)
        connection.execute(text("RESET ROLE"))  # as injected SQL could
        for statement, message in ATTACKS:
            _refused(connection, statement, message)
        connection.rollback()


def test_tenant_roles_made_by_the_owner_before_the_split_are_handed_over(test_env, unique_slug):
    names = TenantNames.for_slug(unique_slug)
    with get_migration_engine().begin() as owner:  # as a release before the split did
        owner.execute(text(f"CREATE ROLE {names.role} NOLOGIN"))
        owner.execute(text(f"GRANT finsight_tenant TO {names.role}"))
        owner.execute(text(f"CREATE ROLE {names.worker_role} LOGIN"))
        owner.execute(text(f"GRANT {names.role} TO {names.worker_role}"))
    with get_engine().connect() as connection:
        _refused(connection, f"SET ROLE {names.role}", "permission denied to set role")
    with get_migration_engine().begin() as owner:
        grant_app_login(owner, APP_LOGIN_ROLE)
        grant_app_login(owner, APP_LOGIN_ROLE)  # idempotent
    with get_engine().begin() as connection:
        provision_tenant(connection, unique_slug)  # completes it, as the application
        connection.execute(text(f"ALTER ROLE {names.worker_role} PASSWORD 'rotated'"))


def test_a_missing_or_powerless_login_is_named(test_env, unique_slug):
    with get_migration_engine().connect() as owner:
        with pytest.raises(AppLoginMisconfigured, match="does not exist: create it first"):
            grant_app_login(owner, f"{unique_slug}_nobody")
        owner.execute(text(f"CREATE ROLE {unique_slug}_weak LOGIN"))
        with pytest.raises(AppLoginMisconfigured, match="needs CREATEROLE"):
            grant_app_login(owner, f"{unique_slug}_weak")
        owner.rollback()


def test_single_role_installs_are_warned_outside_development():
    production = {"environment": "production", "database_url": "postgresql://app@db/finsight"}
    single = Settings(**production, migration_database_url=None)
    assert "MIGRATION_DATABASE_URL is not set" in (single.single_role_warning() or "")
    assert (
        Settings(
            **production, migration_database_url="postgresql://owner@db/finsight"
        ).single_role_warning()
        is None
    )
    assert Settings(environment="development").single_role_warning() is None
