"""`finsight dev` and `finsight seed`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from finsight.cli.common import console, settings, use_database
from finsight.db import platform_session
from finsight.kit.identity import Actor


def dev(
    api_port: Annotated[
        int | None, typer.Option(help="API port (default: API_PORT, 8000).")
    ] = None,
    web_port: Annotated[
        int | None, typer.Option(help="Dashboard port (default: WEB_PORT, 8080).")
    ] = None,
    worker: Annotated[bool, typer.Option(help="Run the worker and beat.")] = True,
    data_dir: Annotated[
        Path | None, typer.Option(help="Data folder (default: DATA_DIR, ./.finsight).")
    ] = None,
    monitoring: Annotated[
        bool,
        typer.Option(
            help="Also run Prometheus and Alertmanager (Debian's packages) with the "
            "repository's rules; the worker serves metrics."
        ),
    ] = False,
    prometheus_port: Annotated[int, typer.Option(help="With --monitoring.")] = 9090,
    alertmanager_port: Annotated[int, typer.Option(help="With --monitoring.")] = 9093,
    worker_metrics_port: Annotated[int, typer.Option(help="With --monitoring.")] = 9808,
) -> None:
    """Run the whole platform locally on embedded PostgreSQL and Redis (Ctrl-C stops it)."""
    from finsight.dev.run import DevOptions, run_dev

    current = settings(join_dev=False)  # this command is the stack others join
    options = DevOptions(
        data_dir=data_dir or current.data_dir,
        api_port=api_port or current.api_port,
        web_port=web_port or int(os.environ.get("WEB_PORT") or 8080),
        worker=worker,
        monitoring=monitoring,
        prometheus_port=prometheus_port,
        alertmanager_port=alertmanager_port,
        worker_metrics_port=worker_metrics_port,
    )
    raise typer.Exit(run_dev(options, console))


def seed() -> None:
    """Create the demo organization `demo` (owner demo@example.com) unless it exists."""
    from finsight.dev.demo import describe, ensure_demo

    use_database()
    with platform_session() as session:
        result = ensure_demo(session, Actor.cli())
    console.print(describe(result))
