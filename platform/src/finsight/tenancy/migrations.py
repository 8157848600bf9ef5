"""Alembic, driven from code: the `platform` tree once, the `tenant` tree in every tenant schema."""

from __future__ import annotations

import functools
import os
import threading
from pathlib import Path
from typing import Any, Literal

from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text

from finsight.tenancy.names import TenantNames
from finsight.tenancy.session import scope_to_tenant, unscope

Tree = Literal["platform", "tenant"]
# Alembic keeps the running migration in a process-wide `context`: one migration at a time per
# process (the operator provisions several tenants at once on threads).
_alembic = threading.Lock()
PLATFORM_SCHEMA = "platform"


def migrations_dir() -> Path:
    """MIGRATIONS_DIR where set (a container image copies the folder), else the repository's."""
    configured = os.environ.get("MIGRATIONS_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[4] / "migrations"


def _config(tree: Tree, connection: Connection, schema: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir() / tree))
    config.attributes["connection"] = connection
    config.attributes["schema"] = schema
    return config


@functools.cache
def _scripts(location: str) -> ScriptDirectory:
    """A migration tree, read once per process: Alembic's commands read and import every
    version file again on each call, which would dominate a fleet upgrade."""
    return ScriptDirectory(location)


def _upgrade_to_head(tree: Tree, connection: Connection, schema: str) -> None:
    """What `alembic upgrade head` with our env.py does, on a tree read once."""
    script = _scripts(str(migrations_dir() / tree))

    def steps(revision: Any, _context: Any) -> Any:
        return script._upgrade_revs("head", revision)

    with (
        _alembic,
        EnvironmentContext(
            _config(tree, connection, schema), script, fn=steps, destination_rev="head"
        ) as environment,
    ):
        environment.configure(
            connection=connection,
            target_metadata=None,
            version_table_schema=schema,
            transactional_ddl=True,
        )
        with environment.begin_transaction():
            environment.run_migrations()


@functools.cache
def head(tree: Tree) -> str:
    script = _scripts(str(migrations_dir() / tree))
    heads = script.get_heads()
    if len(heads) != 1:
        raise RuntimeError(f"the {tree} migration tree has {len(heads)} heads: {heads}")
    return heads[0]


def current_revision(connection: Connection, schema: str) -> str | None:
    context = MigrationContext.configure(connection, opts={"version_table_schema": schema})
    return context.get_current_revision()


def upgrade_platform(connection: Connection, *, app_login: str | None = None) -> None:
    """Run as the platform schema's owner; `app_login`, when another role, becomes the
    application's (finsight.tenancy.app_login)."""
    connection.execute(text(f"CREATE SCHEMA IF NOT EXISTS {PLATFORM_SCHEMA}"))
    _upgrade_to_head("platform", connection, PLATFORM_SCHEMA)
    if app_login:
        from finsight.tenancy.app_login import grant_app_login

        grant_app_login(connection, app_login)


def upgrade_cluster_platform(cluster: str) -> str | None:
    """Bring another cluster's platform schema (its tenants' audit chains, the organizations
    mirror) to head as its owner (MIGRATION_DATABASE_CLUSTERS), granting the application's
    login its role there; returns the revision before. In a transaction of its own."""
    from finsight.db import app_login, get_migration_engine

    with get_migration_engine(cluster).begin() as connection:
        before = current_revision(connection, PLATFORM_SCHEMA)
        upgrade_platform(connection, app_login=app_login(cluster))
    return before


def upgrade_tenant(connection: Connection, names: TenantNames) -> None:
    """Run the tenant tree as the tenant's own role, so everything it creates belongs to it."""
    scope_to_tenant(connection, names)
    # Not in a `finally`: after a failure the transaction is aborted, and RESET ROLE there would
    # replace the real error with "current transaction is aborted".
    _upgrade_to_head("tenant", connection, names.schema)
    unscope(connection)
