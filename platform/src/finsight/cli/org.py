"""`finsight org ...`: organizations, through finsight.organizations.service."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import func, select

from finsight.cli.common import console, fail, settings, stdin_is_interactive, use_database
from finsight.db import platform_session
from finsight.errors import Conflict, FinsightError
from finsight.kit.identity import Actor
from finsight.organizations.models import Membership
from finsight.organizations.service import (
    PLANS,
    OrganizationSpec,
    create_organization,
    delete_organization,
    get_organization,
    list_organizations,
    set_suspended,
)
from finsight.tenancy import DeletionPolicy, TenantNames

app = typer.Typer(help="Create, list, suspend and delete organizations.", no_args_is_help=True)


@app.command("create")
def create(
    slug: Annotated[str, typer.Argument(help="Lowercase name: letters, digits, hyphens.")],
    name: Annotated[str, typer.Option(help="Display name.")],
    owner_email: Annotated[
        str, typer.Option(help="The owner's email: invited (the link is emailed and printed).")
    ],
    plan: Annotated[str, typer.Option(help=f"One of: {', '.join(PLANS)}.")] = "standard",
    cluster: Annotated[
        str,
        typer.Option(
            help="The PostgreSQL cluster for its data: `default` or a DATABASE_CLUSTERS name."
        ),
    ] = "default",
    time_zone: Annotated[
        str,
        typer.Option(
            help="IANA time zone (America/New_York): report schedules and business hours run in it."
        ),
    ] = "UTC",
) -> None:
    """Create an organization: its record, owner, database schema and role."""
    use_database()
    spec = OrganizationSpec(
        slug=slug,
        name=name,
        owner_email=owner_email,
        plan=plan,
        database_cluster=cluster,
        time_zone=time_zone,
    )
    with platform_session() as session:
        result = create_organization(session, spec, Actor.cli())
        schema = result.organization.schema_name
        invitation = result.owner_invitation
    where = "" if cluster == "default" else f" on cluster {cluster}"
    console.print(
        f"created organization {slug} (schema {schema}{where}), owner {result.owner_email}"
    )
    if invitation is not None:
        console.print(f"owner invitation link: {invitation.accept_url} (emailed; shown once)")


@app.command("list")
def list_() -> None:
    """List organizations."""
    use_database()
    table = Table("slug", "name", "plan", "status", "cluster", "members", "created")
    with platform_session() as session:
        members = dict(
            session.execute(
                select(Membership.org_id, func.count()).group_by(Membership.org_id)
            ).all()
        )
        for org in list_organizations(session):
            table.add_row(
                org.slug,
                org.name,
                org.plan,
                org.status,
                org.database_cluster,
                str(members.get(org.id, 0)),
                org.created_at.strftime("%Y-%m-%d %H:%M"),
            )
    console.print(table)


@app.command("delete")
def delete(
    slug: Annotated[str, typer.Argument(help="The organization to delete.")],
    purge: Annotated[
        bool, typer.Option(help="Drop its data (policy Delete) instead of archiving it (Retain).")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete an organization: sign-ins end, members leave, its schema is archived (or dropped)."""
    use_database()
    policy = DeletionPolicy.DELETE if purge else DeletionPolicy.RETAIN
    with platform_session() as session:
        get_organization(session, slug)  # a missing one fails before we ask
    if not yes:
        if not stdin_is_interactive():
            fail(f"refusing to delete {slug!r} without confirmation: pass --yes")
        fate = "DROPPED" if purge else "archived"
        if not typer.confirm(f"Delete organization {slug!r}? Its data will be {fate}."):
            fail("not deleted")
    with platform_session() as session:
        archived = delete_organization(session, slug, policy, Actor.cli())
    if archived:
        console.print(f"deleted organization {slug}; its data is kept in schema {archived}")
    else:
        console.print(f"deleted organization {slug}; its data was dropped")


@app.command("suspend")
def suspend(slug: Annotated[str, typer.Argument(help="The organization to suspend.")]) -> None:
    """Suspend an organization: sign-ins are refused and current sessions end."""
    use_database()
    with platform_session() as session:
        set_suspended(session, slug, True, Actor.cli())
    console.print(f"suspended organization {slug}")


@app.command("resume")
def resume(slug: Annotated[str, typer.Argument(help="The organization to reactivate.")]) -> None:
    """Reactivate a suspended organization."""
    use_database()
    with platform_session() as session:
        set_suspended(session, slug, False, Actor.cli())
    console.print(f"resumed organization {slug}")


@app.command("ping")
def ping(
    slug: Annotated[str, typer.Argument(help="The organization whose queue to test.")],
    timeout: Annotated[float, typer.Option(min=0.1, help="Seconds to wait for a worker.")] = 30.0,
) -> None:
    """Check that a worker serves the organization's queue and reaches its schema."""
    from celery.exceptions import TimeoutError as NoAnswer

    from finsight.worker.app import bind
    from finsight.worker.domain import TENANT_PING_TASK

    use_database()
    with platform_session() as session:
        if get_organization(session, slug).is_suspended:
            raise Conflict(f"organization {slug!r} is suspended: no worker serves its queue")
    queue = TenantNames.for_slug(slug).queue
    celery_app = bind(settings())
    started = time.monotonic()
    result = celery_app.send_task(TENANT_PING_TASK, kwargs={"org_slug": slug}, queue=queue)
    try:
        answer = result.get(timeout=timeout)
    except NoAnswer:
        result.forget()
        raise FinsightError(f"no worker answered on queue {queue} within {timeout:g}s") from None
    except Exception as exc:
        raise FinsightError(f"the worker failed on queue {queue}: {exc}") from exc
    result.forget()
    elapsed = time.monotonic() - started
    console.print(
        f"{slug}: answered in {elapsed:.2f}s on {queue} as role {answer['role']} "
        f"(schema {answer['schema']}, {answer['categories']} categories)"
    )
