"""`finsight plaid items --org`: the organization's bank connections; `finsight plaid sync
--org [--item]`: sync now, in this process, with the pages and rows read as it goes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from finsight.cli.common import console, fail, use_database
from finsight.config import Settings
from finsight.db import platform_session
from finsight.kit.models import utcnow
from finsight.organizations.service import get_organization
from finsight.plaid import service
from finsight.plaid.health import STATUS_WORDS
from finsight.plaid.sync import RetryLater, run_sync
from finsight.tenancy import tenant_session

app = typer.Typer(help="Bank connections (Plaid).", no_args_is_help=True)


def _require_plaid() -> Settings:
    settings = use_database()
    if not settings.plaid_enabled:
        fail("bank sync is off: set PLAID_CLIENT_ID and PLAID_SECRET (or ENABLE_PLAID_INTEGRATION)")
    return settings


def _slug(org: str) -> str:
    with platform_session() as session:
        return get_organization(session, org).slug


def ago(moment: datetime | None) -> str:
    """ "5 minutes ago", for people."""
    if moment is None:
        return "never"
    seconds = max((utcnow() - moment).total_seconds(), 0)
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = int(seconds // size)
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return "just now"


@app.command("items")
def items(org: Annotated[str, typer.Option(help="The organization's slug.")]) -> None:
    """List the organization's bank connections, their accounts and sync state."""
    _require_plaid()
    slug = _slug(org)
    with tenant_session(slug) as session:
        found = service.list_items(session)
        accounts = service.item_accounts(session, [item.id for item in found])
        table = Table("id", "institution", "status", "sync", "last synced", "accounts")
        for item in found:
            names = [name for plaid_account, name in accounts if plaid_account.item_id == item.id]
            status = item.status if item.status == "healthy" else STATUS_WORDS[item.status]
            sync = item.sync_state + (f" ({item.sync_error})" if item.sync_error else "")
            table.add_row(
                str(item.id),
                item.institution_name,
                status,
                sync,
                ago(item.last_synced_at),
                ", ".join(names),
            )
    if not found:
        console.print(f"{slug} has no bank connections")
        return
    console.print(table)


@app.command("sync")
def sync(
    org: Annotated[str, typer.Option(help="The organization's slug.")],
    item: Annotated[
        str | None, typer.Option(help="One connection's id (default: every connection).")
    ] = None,
) -> None:
    """Sync now, here (not on the worker), showing pages and transactions as they are read.
    Exit 1 if a sync fails."""
    _require_plaid()
    slug = _slug(org)
    with tenant_session(slug) as session:
        if item is not None:
            try:
                wanted = [service.get_item(session, uuid.UUID(item))]
            except ValueError:
                fail(f"--item: not a connection id: {item!r}")
        else:
            wanted = service.list_items(session)
        targets = [(found.id, found.institution_name) for found in wanted]
    if not targets:
        fail(f"{slug} has no bank connections")
    failed = 0
    for item_id, name in targets:
        columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
        with Progress(*columns, console=console, transient=True) as bar:
            task = bar.add_task(f"{name}: starting")

            def report(pages: int, rows: int, task: TaskID = task, name: str = name) -> None:
                bar.update(task, description=f"{name}: {pages} pages, {rows:,} changes read")

            try:
                state = run_sync(slug, item_id, report)
            except RetryLater as later:
                console.print(f"{name}: Plaid asks to wait; queued again ({later})")
                failed += 1
                continue
        with tenant_session(slug) as session:
            done = service.get_item(session, item_id)
            counts, error = dict(done.last_sync), done.sync_error
        if state == "succeeded":
            console.print(
                f"{name}: {counts.get('added', 0):,} added, {counts.get('modified', 0):,} "
                f"modified, {counts.get('removed', 0):,} removed"
            )
        elif state == "busy":
            console.print(f"{name}: a sync of it is already running")
        else:
            console.print(f"{name}: {state}: {error}")
            failed += 1
    if failed:
        fail(f"{failed} of {len(targets)} syncs did not succeed")
