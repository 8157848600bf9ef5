"""`finsight audit verify`: recompute the audit log's hash chains."""

from __future__ import annotations

import uuid
from typing import Annotated

import typer
from sqlalchemy import select

from finsight.audit.service import ChainReport, verify_chain
from finsight.cli.common import console, fail, use_database
from finsight.db import platform_session
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
    chains: list[tuple[str, uuid.UUID | None]]
    with platform_session() as session:
        if org is not None:
            chains = [(org, get_organization(session, org).id)]
        else:
            # Deleted organizations too: their trail outlives them.
            orgs = session.scalars(
                select(Organization).order_by(Organization.slug, Organization.created_at)
            )
            chains = [("platform", None)] + [
                (o.slug if o.deleted_at is None else f"{o.slug} (deleted)", o.id) for o in orgs
            ]
        for label, org_id in chains:
            report = verify_chain(session, org_id)
            console.print(_line(label, report))
            if not report.intact:
                broken.append(label)
    if broken:
        fail(f"audit chain broken: {', '.join(broken)}")
