"""finsight.tenancy against a real PostgreSQL: isolation is PostgreSQL's doing, not ours."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import ProgrammingError

from finsight.db import get_engine
from finsight.tenancy import (
    DeletionPolicy,
    TenantNames,
    deprovision_tenant,
    inspect_tenant,
    provision_tenant,
    scope_to_tenant,
)
from finsight.tenancy import migrations as tenant_migrations

pytestmark = pytest.mark.integration


@pytest.fixture
def conn(test_env: dict[str, str]) -> Connection:
    with get_engine().connect() as connection:
        yield connection
        connection.rollback()


def _provision(slug: str) -> TenantNames:
    with get_engine().begin() as connection:
        return provision_tenant(connection, slug)


def _catalog(connection: Connection, names: TenantNames) -> tuple[object, ...]:
    return tuple(
        connection.execute(
            text(
                "SELECT (SELECT count(*) FROM pg_roles WHERE rolname = :role),"
                " (SELECT count(*) FROM pg_namespace WHERE nspname = :schema),"
                " (SELECT count(*) FROM pg_tables WHERE schemaname = :schema),"
                " (SELECT count(*) FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid"
                "   WHERE r.rolname = :role)"
            ),
            {"role": names.role, "schema": names.schema},
        ).one()
    )


def test_provision_creates_owned_schema_with_default_categories(conn, unique_slug):
    names = _provision(unique_slug)
    state = inspect_tenant(conn, unique_slug)
    assert state.ready
    owner = conn.execute(
        text("SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = :s"),
        {"s": names.schema},
    ).scalar_one()
    assert owner == names.role
    rolcanlogin = conn.execute(
        text("SELECT rolcanlogin FROM pg_roles WHERE rolname = :r"), {"r": names.role}
    ).scalar_one()
    assert rolcanlogin is False
    scope_to_tenant(conn, names)
    assert (
        conn.execute(text("SELECT count(*) FROM categories WHERE parent_id IS NULL")).scalar() > 10
    )


def test_provision_twice_changes_nothing(conn, unique_slug):
    names = _provision(unique_slug)
    before = _catalog(conn, names)
    _provision(unique_slug)
    assert _catalog(conn, names) == before


def test_crash_half_way_rolls_back_and_rerun_completes(conn, unique_slug, monkeypatch):
    names = TenantNames.for_slug(unique_slug)

    def crash(*args, **kwargs):
        raise RuntimeError("killed during migrations")

    monkeypatch.setattr("finsight.tenancy.provisioning.upgrade_tenant", crash)
    with pytest.raises(RuntimeError), get_engine().begin() as connection:
        provision_tenant(connection, unique_slug)
    assert _catalog(conn, names)[:2] == (0, 0)  # nothing half-made survives
    monkeypatch.undo()
    _provision(unique_slug)
    assert inspect_tenant(conn, unique_slug).ready


def test_resume_from_partial_state_left_by_an_older_run(conn, unique_slug):
    """A role and schema without tables (as a run on another cluster could leave) completes."""
    names = TenantNames.for_slug(unique_slug)
    with get_engine().begin() as connection:
        connection.execute(text(f"CREATE ROLE {names.role} NOLOGIN"))
        connection.execute(text(f"GRANT {names.role} TO CURRENT_USER"))
        connection.execute(text(f"CREATE SCHEMA {names.schema} AUTHORIZATION {names.role}"))
    assert not inspect_tenant(conn, unique_slug).ready
    _provision(unique_slug)
    assert inspect_tenant(conn, unique_slug).ready


def test_scoped_session_cannot_touch_another_tenant_even_schema_qualified(conn, unique_slug):
    a = _provision(unique_slug + "a")
    b = _provision(unique_slug + "b")
    scope_to_tenant(conn, a)
    assert conn.execute(text("SELECT count(*) FROM categories")).scalar() > 0
    for statement in (
        f"SELECT count(*) FROM {b.schema}.categories",
        f"INSERT INTO {b.schema}.categories (name, kind) VALUES ('x', 'expense')",
        f"DELETE FROM {b.schema}.categories",
        "SELECT count(*) FROM platform.users",
    ):
        conn.execute(text("SAVEPOINT probe"))
        with pytest.raises(ProgrammingError, match="permission denied"):
            conn.execute(text(statement))
        conn.execute(text("ROLLBACK TO SAVEPOINT probe"))


def test_deprovision_retain_archives_and_revokes(conn, unique_slug):
    names = _provision(unique_slug)
    with get_engine().begin() as connection:
        archived = deprovision_tenant(connection, unique_slug, DeletionPolicy.RETAIN)
    assert archived and archived.startswith(f"archived_{names.schema}_")
    state = inspect_tenant(conn, unique_slug)
    assert not state.role_exists and not state.schema_exists
    assert conn.execute(text(f"SELECT count(*) FROM {archived}.categories")).scalar() > 0
    with get_engine().begin() as connection:  # again: nothing left to do, no error
        assert deprovision_tenant(connection, unique_slug, DeletionPolicy.RETAIN) is None


def test_deprovision_delete_drops_everything(conn, unique_slug):
    names = _provision(unique_slug)
    with get_engine().begin() as connection:
        assert deprovision_tenant(connection, unique_slug, DeletionPolicy.DELETE) is None
    assert _catalog(conn, names)[:3] == (0, 0, 0)
    assert not conn.execute(
        text("SELECT count(*) FROM pg_namespace WHERE nspname LIKE :p"),
        {"p": f"archived_{names.schema}%"},
    ).scalar()


def test_tenant_tree_has_one_head():
    assert tenant_migrations.head("tenant") and tenant_migrations.head("platform")
