"""What the handlers share during one run of the operator (kept in kopf's `memo`)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from prometheus_client import Counter, Histogram

from finsight.config import get_settings
from finsight_operator.kube import Kube
from finsight_operator.settings import OperatorConfig

RECONCILES = Counter(
    "finsight_operator_reconciles_total",
    "Reconciliations of Organization resources, by trigger and result",
    ["trigger", "result"],
)
RECONCILE_SECONDS = Histogram(
    "finsight_operator_reconcile_seconds",
    "Time to reconcile one Organization",
    ["trigger"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
REPAIRS = Counter(
    "finsight_operator_repairs_total",
    "Owned objects brought back after they drifted or disappeared, by kind",
    ["kind"],
)


@dataclass
class OperatorContext:
    config: OperatorConfig
    kube: Kube | None = None
    # One reconciliation per organization at a time (handlers, the drift timer and the
    # Deployment watcher can fire together).
    _locks: dict[str, threading.Lock] = field(default_factory=dict)
    _locks_guard: threading.Lock = field(default_factory=threading.Lock)

    def client(self) -> Kube:
        if self.kube is None:
            raise RuntimeError("not logged in to the Kubernetes API yet")
        return self.kube

    def known_clusters(self) -> set[str]:
        return {"default", *get_settings().database_clusters}

    def _lock(self, slug: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(slug, threading.Lock())

    @contextmanager
    def exclusive(self, slug: str, *, wait: bool = True) -> Iterator[bool]:
        """Hold the organization's lock; with wait=False yield False instead of waiting."""
        lock = self._lock(slug)
        acquired = lock.acquire(blocking=wait)
        try:
            yield acquired
        finally:
            if acquired:
                lock.release()

    def forget(self, slug: str) -> None:
        with self._locks_guard:
            self._locks.pop(slug, None)
