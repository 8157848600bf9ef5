"""A worker's /metrics: prometheus_client's multiprocess mode, served by the parent process.

Why multiprocess mode rather than the parent collecting from its children: with the prefork
pool the tasks (and so every domain counter: imports, analytics runs, task runtimes) run in
child processes that come and go; each writes its values to memory-mapped files in
PROMETHEUS_MULTIPROC_DIR, and the parent's HTTP server sums them at scrape time. The same
works unchanged for the threads and solo pools (one process writing the files).

The directory must be chosen before any metric has a value (prometheus_client makes a value
with the class it chose for the environment), so `finsight serve worker` calls `prepare()`
first thing; it empties the directory, since files of an earlier run would add their counts to
this one's.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def prepare(directory: Path | None) -> Path:
    """Point prometheus_client at an empty directory for this worker's metric files."""
    _require_no_values_yet()
    chosen = directory or Path(tempfile.mkdtemp(prefix="finsight-worker-metrics-"))
    if chosen.exists():
        shutil.rmtree(chosen)
    chosen.mkdir(parents=True)
    os.environ[MULTIPROC_ENV] = str(chosen)
    # If prometheus_client is already imported, its value class was chosen without the
    # directory: choose again (metrics made from here on write to the files).
    from prometheus_client import values

    values.ValueClass = values.get_value_class()  # type: ignore[no-untyped-call]
    return chosen


def _require_no_values_yet() -> None:
    """prometheus_client makes a labelled metric's value at its first `.labels()`; every
    finsight metric has labels, so metrics may be defined (modules imported) before prepare(),
    but none may have a value yet: that one would stay in this process's memory, unseen."""
    from prometheus_client import REGISTRY
    from prometheus_client.metrics import MetricWrapperBase

    for collector in list(REGISTRY._collector_to_names):
        if isinstance(collector, MetricWrapperBase) and (
            not collector._labelnames or collector._metrics
        ):
            raise RuntimeError(
                f"metric {collector._name} has a value before the worker's metrics directory "
                "was chosen: prepare() must run first"
            )


def serve(host: str, port: int) -> None:
    """Serve the summed values of every process of this worker on http://host:port/metrics."""
    from prometheus_client import CollectorRegistry, start_http_server
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry()
    MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    start_http_server(port, addr=host, registry=registry)
