"""`finsight audit verify`: recompute the audit log's hash chains."""

from __future__ import annotations

import uuid
from typing import Annotated

import typer
from sqlalchemy import select

from finsight.audit.service import ChainReport, verify_chain
from finsight.cli.common import console, fail, use_database
from finsight.db import platform_session, session_factory
from finsight.organizations.models import Organization
from finsight.organizations.service import get_organization

app = typer.Typer(help="The audit log.", no_args_is_help=True)


def _line(label: str, report: ChainReport) -> str:
    if report.intact:
        return f"{label}: {report.entries} entries, intact"
    return f"{label}: BROKEN at seq {report.first_broken_seq}: {report.reason}"


@app.command("verify")
def verify(
    org: Annotated[
        str | None,
        typer.Option(help="Only this organization (default: every organization and the platform)."),
    ] = None,
) -> None:
    """Check that no audit entry was edited, removed or re-linked. Exit 1 if any chain is broken."""
    use_database()
    broken = []
    with platform_session() as session:
        if org is not None:
            found = get_organization(session, org)
            orgs = [found]
            chains: list[tuple[str, uuid.UUID | None, str]] = [(org, found.id, "default")]
        else:
            # Deleted organizations too: their trail outlives them.
            orgs = list(
                session.scalars(
                    select(Organization).order_by(Organization.slug, Organization.created_at)
                )
            )
            chains = [("platform", None, "default")] + [(_label(o), o.id, "default") for o in orgs]
        # An organization on another cluster has a second chain there, beside its books.
        chains += [
            (_label(o), o.id, o.database_cluster) for o in orgs if o.database_cluster != "default"
        ]
        for label, org_id, cluster in chains:
            if cluster == "default":
                report = verify_chain(session, org_id)
            else:
                with session_factory(cluster)() as remote, remote.begin():
                    report = verify_chain(remote, org_id)
                label = f"{label} on {cluster}"
            console.print(_line(label, report))
            if not report.intact:
                broken.append(label)
    if broken:
        fail(f"audit chain broken: {', '.join(broken)}")


def _label(org: Organization) -> str:
    return org.slug if org.deleted_at is None else f"{org.slug} (deleted)"
