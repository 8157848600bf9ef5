"""Celery's signals feed the task metrics and stamp each message with its publish time.

- `before_task_publish` (every sender: api, beat, workers) adds the header `finsight_sent_at`,
  from which the queue collector computes the age of a queue's oldest message.
- `task_prerun` / `task_postrun` (the process that runs the task: a prefork child, or the
  worker itself with the threads and solo pools) time each task and count it by task name,
  queue and final state. With prefork the values reach the parent's /metrics through
  prometheus_client's multiprocess files (finsight.observability.worker_metrics).
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any

from celery.signals import (
    before_task_publish,
    task_postrun,
    task_prerun,
    worker_process_shutdown,
)

from finsight.observability.metrics import TASK_RUNTIME, TASKS, WORKER_DB_POOL, pool_states
from finsight.observability.queues import SENT_AT_HEADER

STATES = {"SUCCESS": "succeeded", "FAILURE": "failed", "RETRY": "retried"}

_started: dict[str, float] = {}
_started_lock = threading.Lock()  # the threads pool runs tasks side by side


def _stamp_sent_at(headers: dict[str, Any] | None = None, **_: Any) -> None:
    if headers is not None:
        headers.setdefault(SENT_AT_HEADER, time.time())


def _queue_of(task: Any) -> str:
    delivery = getattr(getattr(task, "request", None), "delivery_info", None) or {}
    return str(delivery.get("routing_key") or "unknown")


def _task_started(task_id: str | None = None, **_: Any) -> None:
    if task_id:
        with _started_lock:
            _started[task_id] = time.monotonic()


def _task_finished(
    task_id: str | None = None, task: Any = None, state: str | None = None, **_: Any
) -> None:
    with _started_lock:
        started = _started.pop(task_id or "", None)
    name = str(getattr(task, "name", None) or "unknown")
    queue = _queue_of(task)
    if started is not None:
        TASK_RUNTIME.labels(name, queue).observe(time.monotonic() - started)
    TASKS.labels(name, queue, STATES.get(state or "", (state or "unknown").lower())).inc()
    _sample_pool()


def _sample_pool() -> None:
    """This process's database pool, after each task (a worker has no request to read it in)."""
    from finsight.db import get_engine

    try:
        states = pool_states(get_engine().pool)
    except Exception:  # no database configured in this process: nothing to report
        return
    for state, value in states.items():
        WORKER_DB_POOL.labels(state).set(value)


def _process_gone(**_: Any) -> None:
    # A prefork child leaving: its live gauges stop counting (its counters stay, as they must).
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


def connect() -> None:
    before_task_publish.connect(_stamp_sent_at, weak=False)
    task_prerun.connect(_task_started, weak=False)
    task_postrun.connect(_task_finished, weak=False)
    worker_process_shutdown.connect(_process_gone, weak=False)
