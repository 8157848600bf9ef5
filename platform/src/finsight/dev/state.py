"""`DATA_DIR/dev.json`: where a running `finsight dev` can be reached, for commands in other shells.

`finsight dev` writes it once its stores are up and removes it when it stops. Commands started
without DATABASE_URL or REDIS_URL take them from it (the embedded Redis gets a new port on
every start, so a URL copied from an earlier run would be stale). A file left behind by a
`finsight dev` that was killed names a process that is gone, and is ignored.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

STATE_FILE = "dev.json"


@dataclass(frozen=True)
class DevState:
    pid: int  # the `finsight dev` process
    database_url: str
    redis_url: str
    api_url: str
    web_url: str
    # For `finsight status` / `health`: the children's pids, and what `--monitoring` adds.
    children: dict[str, int] = field(default_factory=dict)
    worker_metrics_url: str | None = None
    prometheus_url: str | None = None
    alertmanager_url: str | None = None


def state_path(data_dir: Path) -> Path:
    return data_dir / STATE_FILE


def write_state(data_dir: Path, state: DevState) -> Path:
    """Write the file whole (a reader never sees half of it), readable by its owner only."""
    path = state_path(data_dir)
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(asdict(state), handle, indent=2)
        handle.write("\n")
    partial.replace(path)
    return path


def remove_state(data_dir: Path, pid: int) -> None:
    """Remove the file if it is still this process's (a newer `finsight dev` may own it now)."""
    current = _read(state_path(data_dir))
    if current is not None and current.pid == pid:
        with contextlib.suppress(FileNotFoundError):
            state_path(data_dir).unlink()


def read_state(data_dir: Path) -> DevState | None:
    """The running `finsight dev`'s state, or None (no file, unreadable, or its process gone)."""
    state = _read(state_path(data_dir))
    if state is None or not process_alive(state.pid):
        return None
    return state


def _read(path: Path) -> DevState | None:
    try:
        fields = json.loads(path.read_text())
        # Optional fields may be absent (a file from an older finsight): their defaults hold.
        return DevState(
            **{name: fields[name] for name in DevState.__dataclass_fields__ if name in fields}
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, as another user's
    return True
