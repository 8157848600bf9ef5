"""`finsight db upgrade|current|wait|shell`."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from finsight.cli.common import console, fail, use_database
from finsight.errors import FinsightError
from finsight.kit.identity import Actor
from finsight.organizations.upgrade import (
    DEFAULT_JOBS_PER_CLUSTER,
    TenantUpgrade,
    one_line,
    platform_revision,
    tenant_revisions,
    upgrade_all,
)
from finsight.tenancy.migrations import head

app = typer.Typer(help="Database schema: migrations and a SQL shell.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(
    jobs: Annotated[
        int,
        typer.Option(
            min=1, max=64, help="Tenant schemas migrated at once on each database cluster."
        ),
    ] = DEFAULT_JOBS_PER_CLUSTER,
) -> None:
    """Migrate the platform schema, then every live organization's schema, to head.

    Tenants at head are passed over, so after an interruption a rerun resumes; a tenant that
    fails is named and the others go on."""
    use_database()
    progress = Progress(
        TextColumn("tenant schemas"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        console=console,
        transient=True,
    )
    task_id = None

    def on_start(total: int) -> None:
        nonlocal task_id
        task_id = progress.add_task("", total=total)

    def on_tenant(result: TenantUpgrade) -> None:
        if task_id is not None:
            progress.update(task_id, advance=1, description=result.slug)
        if not result.ok:
            console.print(f"[red]tenant {result.slug}: FAILED: {result.error}[/]")

    with progress:
        report = upgrade_all(
            Actor.cli(), jobs_per_cluster=jobs, on_start=on_start, on_tenant=on_tenant
        )
    moved = (
        ""
        if report.platform_previous == report.platform_head
        else (f" (from {report.platform_previous or 'empty'})")
    )
    console.print(f"platform schema at {report.platform_head}{moved}")
    upgraded = sum(1 for t in report.tenants if t.ok and t.previous != head("tenant"))
    console.print(
        f"{len(report.tenants)} tenant schema(s): {upgraded} upgraded, "
        f"{len(report.tenants) - upgraded - len(report.failures)} already at head, "
        f"{len(report.failures)} failed"
    )
    if report.failures:
        names = ", ".join(t.slug for t in report.failures)
        fail(f"tenant schema upgrade failed for: {names}")


@app.command("current")
def current() -> None:
    """Show the platform's and each tenant's migration revision against head."""
    use_database()
    platform_head, tenant_head = head("platform"), head("tenant")
    revision = platform_revision()
    state = "at head" if revision == platform_head else f"behind (head {platform_head})"
    console.print(f"platform: {revision or 'not migrated'} {state}")
    table = Table("organization", "revision", "head", "state")
    behind = 0
    for tenant in tenant_revisions():
        if tenant.error:
            status = f"[red]error: {tenant.error}[/]"
        elif tenant.revision == tenant_head:
            status = "at head"
        else:
            status = "[yellow]behind[/]"
        behind += status != "at head"
        table.add_row(tenant.slug, tenant.revision or "-", tenant_head, status)
    console.print(table)
    if behind or revision != platform_head:
        console.print("run `finsight db upgrade` to migrate")


@app.command("wait")
def wait(
    timeout: Annotated[
        float, typer.Option(min=0, help="Seconds to wait before giving up (exit 1).")
    ] = 300.0,
    interval: Annotated[float, typer.Option(min=0.1, help="Seconds between checks.")] = 2.0,
) -> None:
    """Wait until the platform schema is at head (Kubernetes init containers run this until
    the release's migration Job has finished). An unreachable database is waited for too."""
    use_database()
    target = head("platform")
    deadline = time.monotonic() + timeout
    last = "not checked"
    while True:
        try:
            revision = platform_revision()
        except OperationalError as exc:
            # Not up yet, or not reachable yet (a NetworkPolicy, DNS): the same as behind.
            last = f"database unreachable: {one_line(exc)}"
        else:
            if revision == target:
                console.print(f"platform schema at head ({target})")
                return
            last = f"platform schema at {revision or 'nothing (not migrated)'}"
        if time.monotonic() + interval > deadline:
            fail(f"platform schema not at head {target} after {timeout:g}s: {last}")
        time.sleep(interval)


def psql_executable() -> str:
    """pgserver's own psql (matches its server), else one on PATH."""
    try:
        import pgserver

        bundled = Path(pgserver.__file__).parent / "pginstall" / "bin" / "psql"
        if bundled.exists():
            return str(bundled)
    except ImportError:
        pass
    found = shutil.which("psql")
    if found is None:
        raise FinsightError("psql not found: install the PostgreSQL client")
    return found


@app.command("shell")
def shell() -> None:
    """psql on the configured (or embedded) database."""
    url = make_url(use_database().database_url or "").set(drivername="postgresql")
    env = dict(os.environ)
    if url.password:
        # Not on the command line, where every user's `ps` would show it.
        env["PGPASSWORD"] = str(url.password)
        url = url.set(password=None)
    # A child, not exec: this process may hold the embedded server, which stops when we exit.
    # Ctrl-C belongs to psql (it cancels the running query).
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        done = subprocess.run(
            [psql_executable(), url.render_as_string(hide_password=False)], env=env
        )
    finally:
        signal.signal(signal.SIGINT, previous)
    raise typer.Exit(done.returncode)
