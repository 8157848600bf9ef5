"""What a running `finsight dev` tells other shells: its URLs and its children's pids, in
DATA_DIR/dev.json (written once everything answers, removed when it stops)."""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

STATE_FILE = "dev.json"


@dataclass(frozen=True)
class DevState:
    pid: int
    api_url: str
    web_url: str
    database_url: str
    redis_url: str
    children: dict[str, int] = field(default_factory=dict)  # name -> pid
    worker_metrics_url: str | None = None
    prometheus_url: str | None = None
    alertmanager_url: str | None = None


def write_state(data_dir: Path, state: DevState) -> Path:
    path = data_dir / STATE_FILE
    temporary = path.with_suffix(".tmp")
    # It holds the database URL (a local, passwordless socket or loopback): owner only.
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(asdict(state), handle, indent=2)
    temporary.replace(path)
    return path


def read_state(data_dir: Path) -> DevState | None:
    """The state of the `finsight dev` using data_dir, if one is running."""
    path = data_dir / STATE_FILE
    try:
        state = DevState(**json.loads(path.read_text()))
    except (OSError, ValueError, TypeError):
        return None
    return state if process_alive(state.pid) else None


def remove_state(data_dir: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        (data_dir / STATE_FILE).unlink()


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process, but alive
    return True
