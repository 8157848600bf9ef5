"""A tenant's database objects: create, check, archive or drop (DESIGN §4).

Every function runs on the caller's connection and transaction: PostgreSQL DDL is transactional,
so a crash half-way leaves nothing behind, and each step also checks before it acts, so running
a function again on a complete tenant changes nothing.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, text

from finsight.kit.query import advisory_xact_lock
from finsight.tenancy.migrations import head, upgrade_tenant
from finsight.tenancy.names import TENANT_GROUP_ROLE, TenantNames


class DeletionPolicy(enum.StrEnum):
    RETAIN = "Retain"
    DELETE = "Delete"


@dataclass(frozen=True)
class TenantState:
    role_exists: bool
    schema_exists: bool
    worker_role_exists: bool
    revision: str | None

    @property
    def ready(self) -> bool:
        return self.role_exists and self.schema_exists and self.revision == head("tenant")


def _lock(connection: Connection, names: TenantNames) -> None:
    """Serialize work on one tenant (operator replicas, CLI and API may race)."""
    advisory_xact_lock(connection, f"finsight.tenant:{names.slug}")


def _role_exists(connection: Connection, role: str) -> bool:
    found = connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role})
    return found.first() is not None


def _schema_exists(connection: Connection, schema: str) -> bool:
    found = connection.execute(text("SELECT 1 FROM pg_namespace WHERE nspname = :s"), {"s": schema})
    return found.first() is not None


def inspect_tenant(connection: Connection, slug: str) -> TenantState:
    names = TenantNames.for_slug(slug)
    row = connection.execute(
        text(
            "SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = :role) AS role_exists, "
            "EXISTS (SELECT FROM pg_namespace WHERE nspname = :schema) AS schema_exists, "
            "EXISTS (SELECT FROM pg_roles WHERE rolname = :worker) AS worker_role_exists, "
            "to_regclass(:versions) IS NOT NULL AS versioned"
        ),
        {
            "role": names.role,
            "schema": names.schema,
            "worker": names.worker_role,
            "versions": f"{names.schema}.alembic_version",
        },
    ).one()
    revision = None
    if row.versioned:
        # The schema name comes from TenantNames (validated slug), never from input.
        revision = connection.execute(
            text(f"SELECT version_num FROM {names.schema}.alembic_version")  # noqa: S608
        ).scalar()
    return TenantState(
        role_exists=row.role_exists,
        schema_exists=row.schema_exists,
        worker_role_exists=row.worker_role_exists,
        revision=revision,
    )


def migrate_tenant(connection: Connection, slug: str) -> None:
    """Migrate a tenant whose role and schema exist to head, and nothing else: the step a fleet
    upgrade repeats for every tenant (provision_tenant also checks and repairs the rest)."""
    names = TenantNames.for_slug(slug)
    _lock(connection, names)
    upgrade_tenant(connection, names)


def provision_tenant(connection: Connection, slug: str) -> TenantNames:
    """Create (or complete) the tenant's role, schema and tables, and migrate it to head."""
    names = TenantNames.for_slug(slug)
    _lock(connection, names)
    if not _role_exists(connection, names.role):
        connection.execute(text(f"CREATE ROLE {names.role} NOLOGIN"))
    # The application's user must be able to SET ROLE to it; the group role carries what every
    # tenant may use in the platform schema (appending to and reading its own audit trail).
    connection.execute(text(f"GRANT {names.role} TO CURRENT_USER"))
    connection.execute(text(f"GRANT {TENANT_GROUP_ROLE} TO {names.role}"))
    connection.execute(
        text(f"CREATE SCHEMA IF NOT EXISTS {names.schema} AUTHORIZATION {names.role}")
    )
    connection.execute(text(f"REVOKE ALL ON SCHEMA {names.schema} FROM PUBLIC"))
    upgrade_tenant(connection, names)
    return names


def ensure_worker_login(connection: Connection, slug: str, password: str) -> str:
    """Create or update the LOGIN role the tenant's own workers connect as; returns its name.

    It inherits exactly the tenant role's privileges and nothing else.
    """
    names = TenantNames.for_slug(slug)
    _lock(connection, names)
    verb = "ALTER" if _role_exists(connection, names.worker_role) else "CREATE"
    # Passwords cannot be bind parameters in DDL; quote_literal escapes them server-side.
    quoted = connection.execute(text("SELECT quote_literal(:p)"), {"p": password}).scalar_one()
    connection.execute(text(f"{verb} ROLE {names.worker_role} LOGIN INHERIT PASSWORD {quoted}"))
    connection.execute(text(f"GRANT {names.role} TO {names.worker_role}"))
    connection.execute(text(f"ALTER ROLE {names.worker_role} SET search_path TO {names.schema}"))
    return names.worker_role


def _drop_role(connection: Connection, role: str) -> None:
    if _role_exists(connection, role):
        # REASSIGN needs the role's privileges: the application administers the roles it made
        # (ADMIN OPTION) without being a member of each (a worker login), so it joins first.
        connection.execute(text(f"GRANT {role} TO CURRENT_USER"))
        # Ownership of anything left moves to the application's user; grants held are dropped.
        connection.execute(text(f"REASSIGN OWNED BY {role} TO CURRENT_USER"))
        connection.execute(text(f"DROP OWNED BY {role}"))
        connection.execute(text(f"DROP ROLE {role}"))


def deprovision_tenant(
    connection: Connection, slug: str, policy: DeletionPolicy, *, now: datetime | None = None
) -> str | None:
    """Remove the tenant's access. `Retain` keeps its data in a renamed schema owned by the
    platform (returned); `Delete` drops the data. Safe to run again after a crash or on a
    tenant that is already gone."""
    names = TenantNames.for_slug(slug)
    _lock(connection, names)
    archived: str | None = None
    if _schema_exists(connection, names.schema):
        if policy is DeletionPolicy.RETAIN:
            stamp = (now or datetime.now(UTC)).strftime("%Y%m%d%H%M%S")
            archived = names.archived_schema(stamp)
            connection.execute(text(f"ALTER SCHEMA {names.schema} RENAME TO {archived}"))
        else:
            connection.execute(text(f"DROP SCHEMA {names.schema} CASCADE"))
    _drop_role(connection, names.worker_role)
    _drop_role(connection, names.role)
    return archived
