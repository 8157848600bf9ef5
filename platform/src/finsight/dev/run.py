"""`finsight dev`: data stores, migrations, the demo organization, then api, web, worker, beat.

Everything it starts it stops, in reverse order, on Ctrl-C or SIGTERM, or when a child dies.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import httpx
from rich.console import Console
from rich.panel import Panel

from finsight.config import JWT_SECRET_FILE, get_settings, kept_secret
from finsight.db import platform_session, reset_engines
from finsight.dev import monitoring, stores
from finsight.dev.demo import DEMO_OWNER_EMAIL, describe, ensure_demo
from finsight.dev.mailcatcher import MailCatcher
from finsight.dev.monitoring import MonitoringPlan
from finsight.dev.plaid_emulator import CLIENT_ID as PLAID_DEV_CLIENT_ID
from finsight.dev.plaid_emulator import SECRET as PLAID_DEV_SECRET
from finsight.dev.plaid_emulator import PlaidEmulator
from finsight.dev.state import DevState, remove_state, write_state
from finsight.dev.supervisor import Supervisor
from finsight.embedded import free_port
from finsight.errors import FinsightError
from finsight.kit.identity import Actor
from finsight.organizations.upgrade import upgrade_all

API_READY_TIMEOUT_SECONDS = 120.0


@dataclass(frozen=True)
class DevOptions:
    data_dir: Path
    api_port: int
    web_port: int = 8080
    worker: bool = True
    # `--monitoring`: Prometheus and Alertmanager with the repository's rules (dev/monitoring.py).
    monitoring: bool = False
    prometheus_port: int = 9090
    alertmanager_port: int = 9093
    worker_metrics_port: int = 9808


class _Stop(Exception):
    """Raised from the SIGINT/SIGTERM handler to unwind into the clean-up."""


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    raise _Stop(signal.Signals(signum).name)


@contextlib.contextmanager
def _signals_handled() -> Iterator[None]:
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig in previous:
        signal.signal(sig, _raise_stop)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _quiet_signals(console: Console) -> None:
    """From here on a second Ctrl-C must not interrupt the clean-up half-way."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: console.print("stopping; please wait"))


def _finsight(*args: str) -> list[str]:
    return [sys.executable, "-m", "finsight.cli", *args]


def _child_env(database_url: str, redis_url: str, secret: str, data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    # The services never migrate: they get the application's login, not the schema owner's.
    env.pop("MIGRATION_DATABASE_URL", None)
    env.update(
        DATABASE_URL=database_url, REDIS_URL=redis_url, JWT_SECRET=secret, DATA_DIR=str(data_dir)
    )
    if "log_format" not in get_settings().model_fields_set:
        env["LOG_FORMAT"] = "console"  # JSON lines are for machines; this is a terminal
    return env


def _wait_for_api(url: str, supervisor: Supervisor) -> None:
    deadline = time.monotonic() + API_READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        dead = supervisor.exited()
        if dead is not None:
            raise FinsightError(f"{dead.name} exited with code {dead.process.returncode} at start")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        time.sleep(0.2)
    raise FinsightError(f"the API did not answer {url} within {API_READY_TIMEOUT_SECONDS:.0f}s")


def _banner(options: DevOptions, login: str, watching: MonitoringPlan | None = None) -> Panel:
    api = f"http://127.0.0.1:{options.api_port}"
    lines = [
        f"[bold]Dashboard[/]  http://127.0.0.1:{options.web_port}",
        f"[bold]API[/]        {api}",
        f"[bold]API docs[/]   {api}/docs",
        f"[bold]Demo login[/] {login}",
        f"[bold]Mail[/]       http://127.0.0.1:{options.web_port}/dev/mail (caught, not sent)",
        f"[bold]Data[/]       {options.data_dir}",
    ]
    if watching is not None:
        lines += [
            f"[bold]Prometheus[/]   {watching.prometheus_url} "
            f"({len(watching.rule_files)} rule files)",
            f"[bold]Alertmanager[/] {watching.alertmanager_url} (routes only: nothing is sent)",
        ]
    lines += ["", "`make status` / `make health` in another shell; Ctrl-C stops everything."]
    return Panel("\n".join(lines), title="finsight dev", expand=False)


def run_dev(options: DevOptions, console: Console) -> int:
    """Run until interrupted (exit 0) or until a child dies (exit 1)."""
    data_dir = options.data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    settings = get_settings()
    with _signals_handled(), contextlib.ExitStack() as cleanup:
        try:
            database_url = settings.database_url
            if not database_url:
                console.print(f"starting PostgreSQL in {data_dir / 'postgres'}")
                postgres = stores.start_postgres(data_dir)
                cleanup.callback(postgres.stop)
                database_url, migration_url = stores.embedded_urls(postgres)
                stores.use_database_url(database_url, migration_url)
            redis_url = settings.redis_url
            if not redis_url:
                redis = stores.start_redis(data_dir, int(os.environ.get("DEV_REDIS_PORT") or 0))
                cleanup.callback(redis.stop)
                redis_url = redis.url
                console.print(f"started Redis on {redis_url}")
            if not settings.smtp_host:
                # Mail goes to the local catcher (the dashboard's Mail page), never outside.
                catcher = MailCatcher(data_dir, int(os.environ.get("DEV_SMTP_PORT") or 1025))
                smtp_port = catcher.start()
                cleanup.callback(catcher.stop)
                os.environ.update(SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp_port))
                console.print(f"catching mail on 127.0.0.1:{smtp_port} (dashboard: Mail)")
            if not settings.plaid_client_id and not settings.plaid_host:
                # No Plaid credentials (and no internet): a local Plaid on 127.0.0.1, so
                # "Connect a test bank" on the Connections page works end to end.
                plaid = PlaidEmulator(int(os.environ.get("DEV_PLAID_PORT") or 0))
                plaid_url = plaid.start()
                cleanup.callback(plaid.stop)
                os.environ.update(
                    PLAID_HOST=plaid_url,
                    PLAID_CLIENT_ID=PLAID_DEV_CLIENT_ID,
                    PLAID_SECRET=PLAID_DEV_SECRET,
                    PLAID_ENV="sandbox",
                )
                get_settings.cache_clear()
                console.print(f"local Plaid on {plaid_url} (dashboard: Connections)")

            # A developer's webhook receiver is on this machine: let alert webhooks reach it.
            os.environ.setdefault("ALERTS_ALLOW_PRIVATE_ADDRESSES", "true")
            console.print("upgrading the database")
            report = upgrade_all(Actor.cli())
            for failure in report.failures:
                console.print(f"[red]tenant {failure.slug}: {failure.error}[/]")
            if report.failures:
                raise FinsightError(f"{len(report.failures)} tenant schema(s) failed to upgrade")
            with platform_session() as session:
                demo = ensure_demo(session, Actor.cli())
            console.print(describe(demo))
            reset_engines()  # the children have their own connections

            secret = (
                settings.jwt_secret.get_secret_value()
                if settings.jwt_secret
                else kept_secret(data_dir / JWT_SECRET_FILE)
            )
            supervisor = Supervisor(_child_env(database_url, redis_url, secret, data_dir))
            cleanup.callback(supervisor.stop_all)
            supervisor.start("api", _finsight("serve", "api", "--port", str(options.api_port)))
            supervisor.start(
                "web",
                _finsight(
                    "serve",
                    "web",
                    "--port",
                    str(options.web_port),
                    "--api-url",
                    f"http://127.0.0.1:{options.api_port}",
                ),
            )
            worker_metrics = options.worker_metrics_port if options.monitoring else None
            if options.worker:
                metrics_args = ["--metrics-port", str(worker_metrics)] if worker_metrics else []
                supervisor.start("worker", _finsight("serve", "worker", *metrics_args))
                supervisor.start("beat", _finsight("serve", "beat"))
            watching = None
            if options.monitoring:
                watching = monitoring.plan(
                    data_dir / "monitoring",
                    api_port=options.api_port,
                    worker_metrics_port=worker_metrics if options.worker else None,
                    prometheus_port=options.prometheus_port,
                    alertmanager_port=options.alertmanager_port,
                    cluster_port=free_port(),
                )
                supervisor.start("prometheus", watching.prometheus)
                supervisor.start("alertmanager", watching.alertmanager)
            _wait_for_api(f"http://127.0.0.1:{options.api_port}/healthz", supervisor)
            _wait_for_api(f"http://127.0.0.1:{options.web_port}/healthz", supervisor)
            if watching is not None:
                _wait_for_api(watching.prometheus_url + "/-/ready", supervisor)
                _wait_for_api(watching.alertmanager_url + "/-/ready", supervisor)

            if demo.generated_owner_password:
                login = f"{DEMO_OWNER_EMAIL} / {demo.generated_owner_password} (shown once)"
            else:
                login = f"{DEMO_OWNER_EMAIL} (password as first shown, or DEMO_PASSWORD)"
            console.print(_banner(options, login, watching))
            # Commands in other shells find this stack through it (finsight.dev.state).
            write_state(
                data_dir,
                DevState(
                    pid=os.getpid(),
                    database_url=database_url,
                    redis_url=redis_url,
                    api_url=f"http://127.0.0.1:{options.api_port}",
                    web_url=f"http://127.0.0.1:{options.web_port}",
                    children={child.name: child.pid for child in supervisor.children},
                    worker_metrics_url=f"http://127.0.0.1:{worker_metrics}"
                    if worker_metrics and options.worker
                    else None,
                    prometheus_url=watching.prometheus_url if watching else None,
                    alertmanager_url=watching.alertmanager_url if watching else None,
                ),
            )
            cleanup.callback(remove_state, data_dir, os.getpid())
            # For other shells (`finsight org list`, psql, celery) against the same stores.
            console.print(f"DATABASE_URL={database_url}")
            if get_settings().migration_database_url:
                console.print(f"MIGRATION_DATABASE_URL={get_settings().migration_database_url}")
            console.print(f"REDIS_URL={redis_url}")
            while (dead := supervisor.exited()) is None:
                time.sleep(0.5)
            console.print(
                f"[red]{dead.name} exited unexpectedly with code {dead.process.returncode}; "
                "stopping everything[/]"
            )
            return 1
        except _Stop as stop:
            console.print(f"{stop.args[0]}: stopping")
            return 0
        finally:
            _quiet_signals(console)
