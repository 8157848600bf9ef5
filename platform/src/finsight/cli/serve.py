"""`finsight serve api|web|worker|beat|operator`: the long-running services."""

from __future__ import annotations

import enum
import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from finsight.cli.common import settings, use_database
from finsight.config import Settings
from finsight.observability.logging import configure_logging

app = typer.Typer(
    help="Run one of the platform's services in the foreground.", no_args_is_help=True
)


class Pool(enum.StrEnum):
    PREFORK = "prefork"
    THREADS = "threads"
    SOLO = "solo"


def _warn_single_role(current: Settings) -> None:
    warning = current.single_role_warning()
    if warning:
        typer.echo(f"warning: {warning}", err=True)


@app.command("api")
def api(
    host: Annotated[
        str | None, typer.Option(help="Address to listen on (default: API_HOST, 127.0.0.1).")
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="Port to listen on (default: API_PORT, 8000).")
    ] = None,
    workers: Annotated[int, typer.Option(min=1, help="Server processes.")] = 1,
) -> None:
    """The REST API (uvicorn serving finsight.app:create_app)."""
    import uvicorn

    current = use_database()
    current.require_safe_secrets()
    _warn_single_role(current)
    configure_logging(current)
    uvicorn.run(
        "finsight.app:create_app",
        factory=True,
        host=host or current.api_host,
        port=port or current.api_port,
        workers=workers,
        reload=False,
        loop="auto",  # uvloop when installed
        http="auto",  # httptools when installed
        proxy_headers=True,
        forwarded_allow_ips=current.forwarded_allow_ips,
        access_log=False,  # the app logs each request with its request id
        log_config=None,
    )


@app.command("web")
def web(
    host: Annotated[
        str | None, typer.Option(help="Address to listen on (default: WEB_HOST, 127.0.0.1).")
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="Port to listen on (default: WEB_PORT, 8080).")
    ] = None,
    api_url: Annotated[
        str | None,
        typer.Option(help="The REST API it calls (default: API_URL, http://127.0.0.1:8000)."),
    ] = None,
) -> None:
    """The web dashboard (Jinja2 pages over the REST API; sessions in Redis)."""
    import os

    import uvicorn

    from finsight_web.settings import get_web_settings

    if api_url:
        os.environ["API_URL"] = api_url
        get_web_settings.cache_clear()
    current = get_web_settings()
    configure_logging(settings())
    uvicorn.run(
        "finsight_web.app:create_web_app",
        factory=True,
        host=host or current.web_host,
        port=port or current.web_port,
        reload=False,
        proxy_headers=True,
        forwarded_allow_ips=settings().forwarded_allow_ips,
        access_log=False,
        log_config=None,
    )


@app.command("worker")
def worker(
    queues: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated queues to serve, exactly (a tenant's worker: org.<slug>). "
            "Default: `default` and every live organization's queue, followed as they come "
            "and go."
        ),
    ] = None,
    concurrency: Annotated[
        int | None, typer.Option(min=1, help="Tasks run at once (default: CPU count).")
    ] = None,
    pool: Annotated[Pool, typer.Option(help="How tasks run.")] = Pool.PREFORK,
    queue_sync_seconds: Annotated[
        float,
        typer.Option(
            min=0.5,
            envvar="WORKER_QUEUE_SYNC_SECONDS",
            help="Without --queues: how often to re-read the organizations.",
        ),
    ] = 5.0,
    metrics_port: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=65535,
            envvar="WORKER_METRICS_PORT",
            help="Serve Prometheus metrics of every worker process on this port "
            "(Kubernetes: 9808).",
        ),
    ] = None,
    metrics_host: Annotated[
        str,
        typer.Option(envvar="WORKER_METRICS_HOST", help="Address of the metrics endpoint."),
    ] = "127.0.0.1",
    metrics_dir: Annotated[
        Path | None,
        typer.Option(
            envvar="WORKER_METRICS_DIR",
            help="Directory of the processes' metric files, emptied at start "
            "(default: a new temporary directory).",
        ),
    ] = None,
) -> None:
    """A Celery worker."""
    if metrics_port is not None:
        from finsight.observability import worker_metrics

        # Before anything defines a metric: every process of the worker writes to these files.
        worker_metrics.prepare(metrics_dir)
    from finsight.worker.app import DEFAULT_QUEUE, bind
    from finsight.worker.queues import follow_tenant_queues

    current = settings()
    celery_app = bind(current)
    _warn_single_role(use_database())
    names = [q.strip() for q in (queues or "").split(",") if q.strip()]
    if not names:
        names = [DEFAULT_QUEUE]
        follow_tenant_queues(celery_app, queue_sync_seconds)
    argv = [
        "worker",
        f"--loglevel={current.log_level.upper()}",
        f"--queues={','.join(names)}",
        f"--pool={pool.value}",
        # Neither is needed: no worker-to-worker state, and they multiply broker traffic.
        "--without-gossip",
        "--without-mingle",
    ]
    if concurrency:
        argv.append(f"--concurrency={concurrency}")
    # Long tasks (analytics runs) take one of this worker's long-task slots: one fewer than
    # its processes, so one always serves short work (worker/slots.py).
    from finsight.worker import slots

    processes = concurrency or os.cpu_count() or 1
    slots.configure(
        Path(tempfile.mkdtemp(prefix="finsight-worker-slots-")), slots.long_slots_for(processes)
    )
    if metrics_port is not None:
        worker_metrics.serve(metrics_host, metrics_port)
    raise typer.Exit(celery_app.start(argv) or 0)


@app.command("beat")
def beat() -> None:
    """Celery beat: sends the platform's periodic tasks (schedule kept in DATA_DIR)."""
    from finsight.worker.app import bind

    current = settings()
    celery_app = bind(current)
    data_dir = current.data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    argv = [
        "beat",
        f"--loglevel={current.log_level.upper()}",
        f"--schedule={data_dir / 'celerybeat-schedule'}",
    ]
    raise typer.Exit(celery_app.start(argv) or 0)


@app.command("operator")
def operator(
    host: Annotated[str, typer.Option(help="Address of the health endpoint.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port of the health endpoint.")] = 8081,
) -> None:
    """The Kubernetes operator (kopf) reconciling Organization resources."""
    from finsight_operator.main import run

    run(host, port)
