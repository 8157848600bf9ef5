"""`finsight db upgrade`: the platform schema, then every live organization's tenant schema.

Each tenant upgrades in its own transaction, so one failure names that tenant and the others
still upgrade. provision_tenant migrates to head and is idempotent, so a rerun resumes.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from psycopg.errors import InFailedSqlTransaction
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from finsight.audit.service import record
from finsight.db import cluster_names, get_engine, platform_session
from finsight.kit.identity import Actor
from finsight.organizations.models import Organization
from finsight.organizations.service import tenant_database
from finsight.tenancy import inspect_tenant, provision_tenant
from finsight.tenancy.migrations import PLATFORM_SCHEMA, current_revision, head, upgrade_platform

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LiveTenant:
    org_id: uuid.UUID
    slug: str
    cluster: str


@dataclass(frozen=True)
class TenantUpgrade:
    slug: str
    previous: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class TenantRevision:
    slug: str
    revision: str | None
    error: str | None = None


@dataclass
class UpgradeReport:
    platform_previous: str | None
    platform_head: str
    tenants: list[TenantUpgrade] = field(default_factory=list)

    @property
    def failures(self) -> list[TenantUpgrade]:
        return [t for t in self.tenants if not t.ok]


def _cause(exc: BaseException) -> BaseException:
    """The error that aborted the transaction, not a later statement refused because of it."""
    current: BaseException | None = exc
    while current is not None:
        original = current.orig if isinstance(current, DBAPIError) else current
        if not isinstance(original, InFailedSqlTransaction):
            return current
        current = current.__context__
    return exc


def one_line(exc: BaseException) -> str:
    """A database error's first line (not the SQL and parameters SQLAlchemy appends)."""
    exc = _cause(exc)
    source = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    text = str(source).strip().splitlines()
    return text[0] if text else type(exc).__name__


def live_tenants() -> list[LiveTenant]:
    with platform_session() as session:
        rows = session.execute(
            select(Organization.id, Organization.slug, Organization.database_cluster)
            .where(Organization.deleted_at.is_(None))
            .order_by(Organization.slug)
        )
        return [LiveTenant(row.id, row.slug, row.database_cluster) for row in rows]


def platform_revision() -> str | None:
    with platform_session() as session:
        return current_revision(session.connection(), PLATFORM_SCHEMA)


def upgrade_platform_schema(actor: Actor) -> str | None:
    """Migrate the platform tree to head on every cluster (another cluster keeps its tenants'
    audit chains in it); returns the default cluster's revision before."""
    target = head("platform")
    with platform_session() as session:
        previous = current_revision(session.connection(), PLATFORM_SCHEMA)
        upgrade_platform(session.connection())
        if previous != target:
            _record_platform_migration(session, actor, "default", previous, target)
        for cluster in cluster_names()[1:]:
            with get_engine(cluster).begin() as connection:
                before = current_revision(connection, PLATFORM_SCHEMA)
                upgrade_platform(connection)
            if before != target:
                _record_platform_migration(session, actor, cluster, before, target)
    return previous


def _record_platform_migration(
    session: Session, actor: Actor, cluster: str, previous: str | None, target: str
) -> None:
    record(
        session,
        org_id=None,
        actor=actor,
        action="platform.migrate",
        target_type="schema",
        target_id=PLATFORM_SCHEMA,
        details={"from": previous, "to": target, "cluster": cluster},
    )


def upgrade_tenant_schema(tenant: LiveTenant, actor: Actor) -> TenantUpgrade:
    """Migrate one tenant to head in its own transaction; a failure is reported, not raised."""
    target = head("tenant")
    try:
        with platform_session() as session:
            with tenant_database(session, tenant.cluster) as connection:
                previous = inspect_tenant(connection, tenant.slug).revision
                provision_tenant(connection, tenant.slug)
            if previous != target:
                record(
                    session,
                    org_id=tenant.org_id,
                    actor=actor,
                    action="tenant.migrate",
                    target_type="schema",
                    target_id=tenant.slug,
                    details={"from": previous, "to": target},
                )
    except Exception as exc:
        logger.warning("tenant %s did not upgrade: %s", tenant.slug, one_line(exc))
        return TenantUpgrade(tenant.slug, error=one_line(exc))
    return TenantUpgrade(tenant.slug, previous=previous)


def upgrade_all(
    actor: Actor,
    *,
    on_start: Callable[[int], None] | None = None,
    on_tenant: Callable[[TenantUpgrade], None] | None = None,
) -> UpgradeReport:
    """The platform first (tenants depend on it), then each live tenant."""
    report = UpgradeReport(upgrade_platform_schema(actor), head("platform"))
    tenants = live_tenants()
    if on_start:
        on_start(len(tenants))
    for tenant in tenants:
        result = upgrade_tenant_schema(tenant, actor)
        report.tenants.append(result)
        if on_tenant:
            on_tenant(result)
    return report


def tenant_revisions() -> list[TenantRevision]:
    """Each live tenant's migration revision (None: not migrated; error: unreachable)."""
    revisions = []
    for tenant in live_tenants():
        try:
            with (
                platform_session() as session,
                tenant_database(session, tenant.cluster) as connection,
            ):
                revision = inspect_tenant(connection, tenant.slug).revision
        except Exception as exc:
            revisions.append(TenantRevision(tenant.slug, None, one_line(exc)))
            continue
        revisions.append(TenantRevision(tenant.slug, revision))
    return revisions
