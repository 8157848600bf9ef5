"""Backups of the platform and its tenants with PostgreSQL's own pg_dump / pg_restore.

A backup is a pg_dump directory (`--format=directory`) plus `roles.json`: the cluster-global
roles the dump's ownerships and grants name (`finsight_tenant`, each tenant's `org_<slug>` and
`org_<slug>_worker`), which pg_dump does not carry. Restoring creates those roles first (no
passwords: the operator sets the worker logins' again), then pg_restore: one organization's in
one transaction (a failed restore leaves its schema as it was), a whole backup statement by
statement into its empty database (see `run_pg_restore`). Ownership is kept (a tenant's objects
belong to its role: that is the isolation), so backup and restore run as the schema owner
(MIGRATION_DATABASE_URL, else DATABASE_URL), and the target cluster has the same owner and
application login roles; the login is then made the application's role again
(finsight.tenancy.app_login).

- Whole (platform and every tenant): the database, every schema.
- One organization (`--org`): its schema `org_<slug>` and its roles. Restoring it needs the
  organization's platform records (the organization, its users) to exist: restore a whole
  backup, or recreate the organization, first; its schema is then replaced by the backup's.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url

from finsight.errors import FinsightError, InvalidInput
from finsight.tenancy.app_login import APP_GROUP_ROLE
from finsight.tenancy.names import TENANT_GROUP_ROLE, TenantNames

ROLES_FILE = "roles.json"
TENANT_ROLE_PATTERN = re.compile(r"^org_[a-z][a-z0-9_]*$")


class BackupFailed(FinsightError):
    status = 500
    code = "backup_failed"
    title = "Backup or restore failed"


@dataclass(frozen=True)
class Role:
    name: str
    login: bool
    member_of: list[str]


def pg_binary(name: str) -> str:
    """pg_dump / pg_restore: the embedded server's (PostgreSQL 16) first, else PATH's."""
    try:
        import pgserver

        bundled = Path(pgserver.__file__).parent / "pginstall" / "bin" / name
        if bundled.exists():
            return str(bundled)
    except ImportError:
        pass
    found = shutil.which(name)
    if not found:
        raise BackupFailed(f"{name} not found: install PostgreSQL's client programs")
    return found


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection string without the password, and the environment carrying it (so
    it never shows in a process list)."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(args: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines() or ["no message"]
        # pg_restore follows its error with the failing statement: the error line says more.
        errors = [line for line in lines if "error:" in line]
        raise BackupFailed(f"{Path(args[0]).name} failed: {(errors or lines)[0]}")


def tenant_roles(connection: Connection, slug: str | None = None) -> list[Role]:
    """The finsight roles of every tenant of this database (or of one), and the group role."""
    tenant = TenantNames.for_slug(slug) if slug is not None else None
    rows = connection.execute(
        text(
            "SELECT r.rolname, r.rolcanlogin, COALESCE(array_agg(g.rolname ORDER BY g.rolname) "
            "FILTER (WHERE g.rolname IS NOT NULL), '{}') "
            "FROM pg_roles r LEFT JOIN pg_auth_members m ON m.member = r.oid "
            "LEFT JOIN pg_roles g ON g.oid = m.roleid "
            "WHERE r.rolname = :group OR r.rolname IN (:role, :worker) "
            # Every tenant of this database (roles are the cluster's, schemas the database's).
            "OR (:every AND r.rolname IN (SELECT n.nspname FROM pg_namespace n "
            "WHERE n.nspname LIKE 'org\\_%' UNION SELECT n.nspname || '_worker' "
            "FROM pg_namespace n WHERE n.nspname LIKE 'org\\_%')) "
            "GROUP BY r.rolname, r.rolcanlogin ORDER BY r.rolname"
        ),
        {
            "group": TENANT_GROUP_ROLE,
            "role": tenant.role if tenant else "",
            "worker": tenant.worker_role if tenant else "",
            "every": tenant is None,
        },
    )
    return [Role(name, bool(login), list(groups)) for name, login, groups in rows]


def backup(connection: Connection, url: str, target: Path, slug: str | None = None) -> Path:
    """Dump the database (or one tenant's schema) into the new directory `target`."""
    if target.exists():
        raise InvalidInput(f"{target} exists: a backup goes into a new directory", field="output")
    roles = tenant_roles(connection, slug)
    if slug is not None and not any(r.name == TenantNames.for_slug(slug).role for r in roles):
        raise InvalidInput(f"no organization {slug!r} in this database", field="org")
    dsn, env = _libpq(url)
    args = [pg_binary("pg_dump"), "--format=directory", f"--file={target}", f"--dbname={dsn}"]
    if slug is not None:
        args.append(f"--schema={TenantNames.for_slug(slug).schema}")
    _run(args, env)
    (target / ROLES_FILE).write_text(
        json.dumps([r.__dict__ for r in roles], indent=2, sort_keys=True) + "\n"
    )
    return target


def _read_roles(source: Path) -> list[Role]:
    try:
        data = json.loads((source / ROLES_FILE).read_text())
        roles = [
            Role(str(r["name"]), bool(r["login"]), [str(g) for g in r["member_of"]]) for r in data
        ]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InvalidInput(f"{source} is not a finsight backup: {exc}", field="backup") from exc
    for role in roles:
        for name in (role.name, *role.member_of):
            if name != TENANT_GROUP_ROLE and not TENANT_ROLE_PATTERN.match(name):
                raise InvalidInput(f"{source}: unexpected role {name!r}", field="backup")
    return roles


def restore_roles(connection: Connection, source: Path) -> list[str]:
    """Create the backup's roles that this cluster lacks; the current user may SET ROLE to
    each tenant role. Returns the roles created."""
    roles = _read_roles(source)
    created = []
    # The application's group role: the platform schema's grants name it (two-role installs).
    if not connection.execute(
        text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": APP_GROUP_ROLE}
    ).first():
        connection.execute(text(f"CREATE ROLE {APP_GROUP_ROLE} NOLOGIN"))
        created.append(APP_GROUP_ROLE)
    for role in sorted(roles, key=lambda r: r.name != TENANT_GROUP_ROLE):
        exists = connection.execute(
            text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role.name}
        ).first()
        if not exists:
            login = "LOGIN" if role.login else "NOLOGIN"
            connection.execute(text(f'CREATE ROLE "{role.name}" {login}'))
            created.append(role.name)
    for role in roles:
        for group in role.member_of:
            connection.execute(text(f'GRANT "{group}" TO "{role.name}"'))
        if not role.login and role.name != TENANT_GROUP_ROLE:
            connection.execute(text(f'GRANT "{role.name}" TO CURRENT_USER'))
    return created


def restore(
    connection: Connection,
    url: str,
    source: Path,
    slug: str | None = None,
) -> None:
    """Restore a backup into the database at `url`: whole into an empty database, or one
    tenant's schema in place of the current one. `connection` (to the same database) creates
    the roles and, for one tenant, drops its schema; the caller commits it before pg_restore
    runs (which uses a connection of its own, in one transaction)."""
    if not (source / "toc.dat").exists():
        raise InvalidInput(f"{source} is not a pg_dump directory", field="backup")
    restore_roles(connection, source)
    if slug is None:
        tables = connection.execute(
            text(
                "SELECT count(*) FROM pg_tables "
                "WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
            )
        ).scalar_one()
        if tables:
            raise InvalidInput(
                "a whole backup is restored into an empty database; this one has tables",
                field="database",
            )
    else:
        schema = TenantNames.for_slug(slug).schema
        connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))


def run_pg_restore(url: str, source: Path, slug: str | None = None) -> None:
    """One organization is restored in one transaction (its schema replaced, or nothing). A
    whole backup goes statement by statement into its empty database: in one transaction it
    would hold a lock on every object of every tenant, more than PostgreSQL's lock table holds
    (max_locks_per_transaction) past a few dozen organizations. It stops at the first error;
    the database is then dropped and the restore run again."""
    dsn, env = _libpq(url)
    args = [pg_binary("pg_restore"), "--exit-on-error", f"--dbname={dsn}"]
    if slug is not None:
        args.insert(1, "--single-transaction")
        _require_only_schema(source, TenantNames.for_slug(slug).schema)
    # No --schema here: pg_restore's filter would leave out the schema itself.
    _run([*args, str(source)], env)


def _require_only_schema(source: Path, schema: str) -> None:
    """A one-organization restore must not touch anything but that organization's schema."""
    listing = subprocess.run(
        [pg_binary("pg_restore"), "--list", str(source)],
        capture_output=True,
        text=True,
        check=False,
    )
    schemas = {
        fields[5]
        for line in listing.stdout.splitlines()
        if not line.startswith(";") and (fields := line.split()) and len(fields) > 5
        if fields[3] == "SCHEMA"
    }
    if listing.returncode != 0 or schemas != {schema}:
        raise InvalidInput(
            f"{source} is not a backup of {schema} alone (schemas: {sorted(schemas)})",
            field="backup",
        )
