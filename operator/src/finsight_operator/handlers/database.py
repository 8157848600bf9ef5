"""The organization's platform records and database objects, through the one service path
(finsight.organizations.service) and finsight.tenancy. Each call is one unit of work."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from finsight.db import cluster_url, platform_session
from finsight.kit.identity import Actor
from finsight.organizations.models import Membership
from finsight.organizations.models import Organization as OrganizationRecord
from finsight.organizations.service import (
    OrganizationSpec,
    delete_organization,
    ensure_organization,
    find_organization,
    set_suspended,
    tenant_database,
    update_organization,
)
from finsight.tenancy import (
    DeletionPolicy,
    TenantNames,
    TenantState,
    deprovision_tenant,
    ensure_worker_login,
    inspect_tenant,
)
from finsight.users.models import User
from finsight.users.service import create_user, find_user_by_email
from finsight_operator.spec import InvalidSpec, Organization

ACTOR = Actor.system("operator")


@dataclass(frozen=True)
class DatabaseState:
    organization_id: str
    schema: str
    worker_role: str
    tenant: TenantState
    # Whether this call wrote anything (provisioned, repaired or updated).
    changed: bool
    created: bool

    @property
    def ready(self) -> bool:
        return self.tenant.ready and self.tenant.worker_role_exists


def _is_member(session: Session, record: OrganizationRecord, owner: User) -> bool:
    found = session.scalar(
        select(Membership.id).where(Membership.org_id == record.id, Membership.user_id == owner.id)
    )
    return found is not None


def worker_database_url(cluster: str, username: str, password: str) -> str:
    url = make_url(cluster_url(cluster)).set(username=username, password=password)
    return url.render_as_string(hide_password=False)


def database_port(cluster: str) -> int:
    return make_url(cluster_url(cluster)).port or 5432


def converge(
    org: Organization,
    *,
    worker_password: str,
    new_password: bool,
    owner_password: Callable[[], str],
    full: bool,
) -> DatabaseState:
    """Bring the organization's records and database objects to what `org` says.

    `full` runs every idempotent step (create, update, resume); otherwise (the drift timer)
    only what is missing or differs is written. `owner_password` is called only when the
    owner's account is about to be created, and must keep the password somewhere first.
    """
    names = TenantNames.for_slug(org.slug)
    cluster = org.spec.database.cluster
    spec = org.spec
    with platform_session() as session:
        record = find_organization(session, org.slug)
        if record is not None and record.database_cluster != cluster:
            raise InvalidSpec(
                "DatabaseClusterMismatch",
                "spec.database.cluster",
                f"organization {org.slug!r} lives on database cluster "
                f"{record.database_cluster!r}, not {cluster!r}",
            )
        with tenant_database(session, cluster) as connection:
            before = inspect_tenant(connection, org.slug)
        healthy = (
            record is not None and before.ready and before.worker_role_exists and not new_password
        )
        changed = created = False
        if full or not healthy:
            # The owner first, outside the lock below: hashing the password is the slow part.
            owner = find_user_by_email(session, spec.owner)
            if owner is None:
                owner = create_user(session, spec.owner, owner_password(), actor=ACTOR)
                changed = True
            complete = record is not None and before.ready and _is_member(session, record, owner)
            if not complete:
                ensured = ensure_organization(
                    session,
                    OrganizationSpec(
                        slug=org.slug,
                        name=org.display_name,
                        owner_email=spec.owner,
                        plan=spec.plan,
                        database_cluster=cluster,
                    ),
                    ACTOR,
                )
                record, created, changed = ensured.organization, ensured.created, True
            with tenant_database(session, cluster) as connection:
                ensure_worker_login(connection, org.slug, worker_password)
            changed = changed or new_password or not before.worker_role_exists
        assert record is not None  # found, or made by ensure_organization
        if record.name != org.display_name or record.plan != spec.plan:
            update_organization(session, record, name=org.display_name, plan=spec.plan, actor=ACTOR)
            changed = True
        if record.is_suspended != spec.suspended:
            set_suspended(session, org.slug, spec.suspended, ACTOR)
            changed = True
        with tenant_database(session, cluster) as connection:
            after = inspect_tenant(connection, org.slug)
        return DatabaseState(
            organization_id=str(record.id),
            schema=names.schema,
            worker_role=names.worker_role,
            tenant=after,
            changed=changed,
            created=created,
        )


def remove(slug: str, policy: DeletionPolicy, cluster: str | None) -> str | None:
    """Delete the organization (its schema archived or dropped, its logins gone). Safe to run
    again; `cluster` is used only when no organization record is left."""
    with platform_session() as session:
        if find_organization(session, slug) is not None:
            return delete_organization(session, slug, policy, ACTOR)
        if cluster is None:
            return None
        # No record (never registered, or removed by an earlier run): objects a half-done
        # provisioning on another cluster could have left still go.
        with tenant_database(session, cluster) as connection:
            return deprovision_tenant(connection, slug, policy)
