"""`finsight backup` and `finsight restore`: pg_dump / pg_restore of the platform and every
tenant, or of one organization's schema (finsight.tenancy.backup)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import select

from finsight.audit.service import record
from finsight.cli.common import console, use_database
from finsight.db import app_login, get_migration_engine, platform_session
from finsight.errors import InvalidInput
from finsight.kit.identity import Actor
from finsight.organizations.models import Organization
from finsight.tenancy import backup as backups
from finsight.tenancy.app_login import grant_app_login

Org = Annotated[
    str | None,
    typer.Option("--org", help="One organization's schema only (default: everything)."),
]


def backup(
    output: Annotated[Path, typer.Argument(help="A new directory for the backup.")],
    org: Org = None,
) -> None:
    """Back up the platform and every tenant (or one organization) with pg_dump."""
    current = use_database()
    url = current.migration_database_url or current.database_url
    assert url is not None
    with get_migration_engine().connect() as connection:  # the owner reads every row
        backups.backup(connection, url, output, org)
    console.print(f"backed up {'organization ' + org if org else 'everything'} to {output}")


def restore(
    source: Annotated[Path, typer.Argument(help="A directory written by `finsight backup`.")],
    org: Org = None,
) -> None:
    """Restore a backup: everything into an empty database, or one organization's schema in
    place of its current one (its platform records must exist)."""
    current = use_database()
    url = current.migration_database_url or current.database_url
    assert url is not None
    if org is not None:
        with platform_session() as session:
            org_id = session.scalar(
                select(Organization.id).where(
                    Organization.slug == org, Organization.deleted_at.is_(None)
                )
            )
        if org_id is None:
            raise InvalidInput(
                f"no organization {org!r}: create it (or restore a whole backup) first",
                field="org",
            )
    with get_migration_engine().begin() as connection:  # as the owner of what is restored
        backups.restore(connection, url, source, org)
    backups.run_pg_restore(url, source, org)
    login = app_login()
    if login:  # two roles: the application's login acts as the restored tenants again
        with get_migration_engine().begin() as connection:
            grant_app_login(connection, login)
    with platform_session() as session:
        org_id = (
            session.scalar(select(Organization.id).where(Organization.slug == org)) if org else None
        )
        record(
            session,
            org_id=org_id,
            actor=Actor.cli(),
            action="organization.restore" if org else "platform.restore",
            target_type="organization" if org else "platform",
            target_id=org_id,
            details={"backup": str(source.resolve())},
        )
    console.print(f"restored {'organization ' + org if org else 'everything'} from {source}")
