"""`finsight status` and `finsight health`: a running `finsight dev` (`make status`,
`make health`), read from DATA_DIR/dev.json and by asking each service."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from finsight.cli.common import console, fail, settings
from finsight.dev.state import DevState, read_state

DataDir = Annotated[
    Path | None, typer.Option(help="Data folder of `finsight dev` (default: DATA_DIR).")
]


def _running(data_dir: Path | None) -> DevState:
    directory = (data_dir or settings().data_dir).resolve()
    state = read_state(directory)
    if state is None:
        fail(f"no `finsight dev` is running with data folder {directory} (start it: make dev)")
    return state


def status(data_dir: DataDir = None) -> None:
    """What is up, where, how long the queues are, and each organization's latest work."""
    import redis

    from finsight.dev.status import service_checks, tenant_activity
    from finsight.dev.stores import use_database_url
    from finsight.observability.queues import known_queues, read_queues

    state = _running(data_dir)
    services = Table("service", "state", "url", "detail", title="Services")
    for check in service_checks(state):
        services.add_row(
            check.name, "[green]up[/]" if check.ok else "[red]down[/]", check.url, check.detail
        )
    console.print(services)

    use_database_url(state.database_url)
    queues = Table("queue", "waiting", "oldest (s)", title="Queues")
    client = redis.Redis.from_url(state.redis_url, decode_responses=True, socket_timeout=3.0)
    try:
        for queue in read_queues(client, known_queues()):
            queues.add_row(queue.name, str(queue.length), f"{queue.age_seconds:.0f}")
    except redis.RedisError as exc:
        queues.add_row("(Redis)", "-", f"unreachable: {type(exc).__name__}")
    finally:
        client.close()
    console.print(queues)

    activity = Table("organization", "last import", "last analytics run", title="Organizations")
    for tenant in tenant_activity():
        activity.add_row(tenant.slug, tenant.last_import, tenant.last_run)
    console.print(activity)


def health(data_dir: DataDir = None) -> None:
    """One line per service of a running `finsight dev`; exit 1 if any is down."""
    from finsight.dev.status import service_checks

    checks = service_checks(_running(data_dir))
    for check in checks:
        console.print(f"{check.name}: {'ok' if check.ok else 'DOWN'} {check.detail}")
    down = [check.name for check in checks if not check.ok]
    if down:
        fail(f"down: {', '.join(down)}")
