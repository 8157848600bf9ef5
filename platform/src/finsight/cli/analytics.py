"""`finsight analytics run`: the API's run path (POST /api/analytics/runs), followed to its end;
`finsight analytics runs`: the runs, as GET /api/analytics/runs lists them."""

from __future__ import annotations

import time
import uuid
from typing import Annotated

import typer

from finsight.analytics.models import RUN_KINDS, RUN_STATUSES, AnalyticsRun
from finsight.analytics.service import abandon_queued_run, get_run, list_runs, start_run
from finsight.cli.common import console, fail, use_database
from finsight.cli.run_summary import print_runs, seconds, summary
from finsight.config import Settings
from finsight.db import platform_session
from finsight.kit.identity import Actor
from finsight.organizations.service import get_organization
from finsight.tenancy import TenantNames, tenant_session
from finsight.worker.broker import check_broker

app = typer.Typer(help="The analytics engine.", no_args_is_help=True)

POLL_SECONDS = 0.5
# A whole run of a large organization takes a minute or two; waiting longer means no worker.
DEFAULT_TIMEOUT_SECONDS = 600.0


@app.command("run")
def run(
    org: Annotated[str, typer.Option(help="The organization's slug.")],
    kind: Annotated[str, typer.Option(help=f"What to run: {', '.join(RUN_KINDS)}.")] = "all",
    wait: Annotated[bool, typer.Option(help="Follow the run until it ends.")] = True,
    timeout: Annotated[
        float,
        typer.Option(
            help="Seconds to wait for the run to end; a run no worker took by then is failed, "
            "not left queued."
        ),
    ] = DEFAULT_TIMEOUT_SECONDS,
) -> None:
    """Queue an analytics run on the organization's worker queue. Exit 1 if it fails."""
    check_broker(_require_analytics())
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
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Every counter and timing of each run.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="The runs as JSON, all fields.")] = False,
) -> None:
    """The organization's analytics runs, newest first: what started them, how long they took,
    what they found (one line each; --verbose for every counter) or why they failed."""
    if kind is not None and kind not in RUN_KINDS:
        fail(f"unknown kind {kind!r}; one of {', '.join(RUN_KINDS)}")
    if status is not None and status not in RUN_STATUSES:
        fail(f"unknown status {status!r}; one of {', '.join(RUN_STATUSES)}")
    _require_analytics()
    with platform_session() as session:
        slug = get_organization(session, org).slug
    with tenant_session(slug) as session:
        found = list_runs(session, kind=kind, status=status, limit=limit)
        for row in found:
            session.expunge(row)
    if not found and not as_json:
        console.print("no runs" + (" matching" if kind or status else ""))
        return
    print_runs(found, verbose=verbose, as_json=as_json)


def _require_analytics() -> Settings:
    """Connect to the database, or exit 1 when this deployment runs without analytics."""
    current = use_database()
    if not current.enable_analytics:
        fail("analytics is turned off (ENABLE_ANALYTICS=false)")
    return current


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
                _give_up(slug, run_id, current.status, timeout)
            time.sleep(POLL_SECONDS)


def _give_up(slug: str, run_id: uuid.UUID, status: str, timeout: float) -> None:
    if status == "queued":
        reason = f"no worker took the run within {timeout:.0f}s"
        with tenant_session(slug) as session:
            if abandon_queued_run(session, run_id, reason):
                fail(
                    f"run {run_id} failed: {reason}; is a worker serving org.{slug}? "
                    "(`finsight serve worker`, or `make dev`)"
                )
    fail(
        f"run {run_id} is still running after {timeout:.0f}s; follow it with "
        "`finsight analytics runs`"
    )


def _report(finished: AnalyticsRun) -> None:
    if finished.status == "failed":
        fail(f"run failed: {finished.error}")
    console.print(f"{finished.kind} run succeeded in {seconds(finished):.2f}s: {summary(finished)}")
