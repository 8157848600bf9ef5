"""Long-task slots: a shared worker never spends all its processes on long tasks.

A shared worker serves every organization's queue with a few processes (CPU count). An
analytics run of a million-row ledger takes minutes; two of them (one organization's run and its
daily refresh, or two organizations' runs) would take every process, and another
organization's one-row import would wait minutes behind them. So a long task (an analytics run)
first takes one of the worker's long-task slots, of which there are one fewer than its
processes (at least one): at least one process is always free for short work (imports, rows
landed, email, pings). A long task that finds no slot free is sent again to the back of its
queue a few seconds later, and its process goes back to serving short work; runs waiting for a
slot take turns across organizations in queue order.

Slots are `flock` locks on files in a directory of this worker node (`finsight serve worker`
makes it and passes it to its processes in the environment): the kernel drops a killed
process's lock, so a slot is never leaked. Without that directory (a task body run in tests or
a benchmark, a tenant's own worker started otherwise) every long task runs at once, as before.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SLOTS_DIR_ENV = "FINSIGHT_WORKER_SLOTS_DIR"
SLOTS_ENV = "FINSIGHT_WORKER_LONG_SLOTS"


def long_slots_for(concurrency: int) -> int:
    """One fewer long-task slot than processes, so that one always serves short work; a
    worker of one process has one (it cannot do better without preempting a run)."""
    return max(1, concurrency - 1)


def configure(directory: Path, slots: int) -> None:
    """Called by `finsight serve worker` before its processes start (they inherit this)."""
    directory.mkdir(parents=True, exist_ok=True)
    os.environ[SLOTS_DIR_ENV] = str(directory)
    os.environ[SLOTS_ENV] = str(slots)


@contextmanager
def long_task_slot() -> Iterator[bool]:
    """Hold a free long-task slot while the block runs: True, or False when every slot is
    taken (the caller defers its task). True without a slot when slots are not configured."""
    directory, slots = os.environ.get(SLOTS_DIR_ENV), int(os.environ.get(SLOTS_ENV) or 0)
    if not directory or slots <= 0:
        yield True
        return
    for index in range(slots):
        handle = os.open(Path(directory) / f"long-{index}", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(handle)
            continue
        try:
            yield True
        finally:
            os.close(handle)  # closing the file lets go of its lock
        return
    yield False
