"""`finsight analytics run`: the API's run path (POST /api/analytics/runs), followed to its end;
`finsight analytics runs`: the runs, as GET /api/analytics/runs lists them."""

from __future__ import annotations

import time
import uuid
from typing import Annotated

import typer
from rich.table import Table

from finsight.analytics.models import RUN_KINDS, RUN_STATUSES, AnalyticsRun
from finsight.analytics.service import get_run, list_runs, start_run
from finsight.cli.common import console, fail, use_database
from finsight.db import platform_session
from finsight.kit.identity import Actor
from finsight.organizations.service import get_organization
from finsight.tenancy import TenantNames, tenant_session

app = typer.Typer(help="The analytics engine.", no_args_is_help=True)

POLL_SECONDS = 0.5


@app.command("run")
def run(
    org: Annotated[str, typer.Option(help="The organization's slug.")],
    kind: Annotated[str, typer.Option(help=f"What to run: {', '.join(RUN_KINDS)}.")] = "all",
    wait: Annotated[bool, typer.Option(help="Follow the run until it ends.")] = True,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the worker.")] = 3600,
) -> None:
    """Queue an analytics run on the organization's worker queue. Exit 1 if it fails."""
    _require_analytics()
    with platform_session() as session:
        organization = get_organization(session, org)
        org_id, slug = organization.id, organization.slug
    with tenant_session(slug) as session:
        queued = start_run(
            session,
            kind,
            org_id=org_id,
            org_slug=slug,
            actor=Actor.cli(),
            parameters={"trigger": "cli"},
        )
        run_id = queued.id
    console.print(f"{kind} run {run_id} queued on {TenantNames.for_slug(slug).queue}")
    if wait:
        _report(_follow(slug, run_id, timeout))


@app.command("runs")
def runs(
    org: Annotated[str, typer.Option(help="The organization's slug.")],
    kind: Annotated[
        str | None, typer.Option(help=f"Only this kind: {', '.join(RUN_KINDS)}.")
    ] = None,
    status: Annotated[
        str | None, typer.Option(help=f"Only this status: {', '.join(RUN_STATUSES)}.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=500, help="How many, newest first.")] = 20,
) -> None:
    """The organization's analytics runs, newest first: what started them, how long they took,
    what they found or why they failed."""
    if kind is not None and kind not in RUN_KINDS:
        fail(f"unknown kind {kind!r}; one of {', '.join(RUN_KINDS)}")
    if status is not None and status not in RUN_STATUSES:
        fail(f"unknown status {status!r}; one of {', '.join(RUN_STATUSES)}")
    _require_analytics()
    with platform_session() as session:
        slug = get_organization(session, org).slug
    with tenant_session(slug) as session:
        found = list_runs(session, kind=kind, status=status, limit=limit)
        table = Table("run", "kind", "status", "trigger", "created", "seconds", "result")
        for row in found:
            table.add_row(
                str(row.id),
                row.kind,
                row.status,
                str(row.parameters.get("trigger", "")),
                row.created_at.strftime("%Y-%m-%d %H:%M:%S"),
                f"{_seconds(row):.2f}" if row.finished_at else "",
                row.error or _counts(row),
            )
    if not found:
        console.print("no runs" + (" matching" if kind or status else ""))
        return
    console.print(table)


def _seconds(run: AnalyticsRun) -> float:
    """How long the run took, from its start (else its queueing) to its end; 0 before it ends."""
    began = run.started_at or run.created_at
    return ((run.finished_at or began) - began).total_seconds()


def _counts(run: AnalyticsRun) -> str:
    return ", ".join(f"{name} {value:,}" for name, value in run.counts.items())


def _require_analytics() -> None:
    """Connect to the database, or exit 1 when this deployment runs without analytics."""
    if not use_database().enable_analytics:
        fail("analytics is turned off (ENABLE_ANALYTICS=false)")


def _follow(slug: str, run_id: uuid.UUID, timeout: float) -> AnalyticsRun:
    deadline = time.monotonic() + timeout
    with console.status("queued") as spinner:
        while True:
            with tenant_session(slug) as session:
                current = get_run(session, run_id)
                session.expunge(current)
            spinner.update(current.status)
            if current.status in ("succeeded", "failed"):
                return current
            if time.monotonic() > deadline:
                fail(
                    f"run {run_id} is still {current.status} after {timeout:.0f}s; is a "
                    f"worker serving org.{slug}? (`finsight serve worker`)"
                )
            time.sleep(POLL_SECONDS)


def _report(finished: AnalyticsRun) -> None:
    if finished.status == "failed":
        fail(f"run failed: {finished.error}")
    console.print(
        f"{finished.kind} run succeeded in {_seconds(finished):.2f}s: {_counts(finished)}"
    )
