"""Celery queue length and age, read from Redis when Prometheus scrapes.

Kombu's Redis transport keeps a queue as Redis lists: `<queue>` and, for priorities 3, 6 and
9, `<queue>\\x06\\x16<priority>`. Senders LPUSH and workers BRPOP, so the list's right end is
the next message to run, the oldest one (a message restored after a lost worker goes back to
that end too). Every message carries the header `finsight_sent_at` (Unix seconds), stamped by
the `before_task_publish` signal (finsight.observability.celery_metrics); the queue's age is
now minus that stamp of the oldest message, 0 for an empty queue.

The queues reported are `default` and every live organization's `org.<slug>`: their number is
bounded by the organizations, like the `org` label elsewhere.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from finsight.observability.logging import get_logger

SENT_AT_HEADER = "finsight_sent_at"
PRIORITY_SEPARATOR = "\x06\x16"
PRIORITY_STEPS = (0, 3, 6, 9)  # kombu's default

log = get_logger(__name__)


@dataclass(frozen=True)
class QueueState:
    name: str
    length: int
    age_seconds: float


def priority_keys(queue: str) -> list[str]:
    return [queue if step == 0 else f"{queue}{PRIORITY_SEPARATOR}{step}" for step in PRIORITY_STEPS]


def sent_at(raw: str | bytes | None) -> float | None:
    """The publish time stamped on a message as kombu stores it, if it has one."""
    if raw is None:
        return None
    try:
        headers = json.loads(raw).get("headers") or {}
        return float(headers[SENT_AT_HEADER])
    except (ValueError, TypeError, KeyError, AttributeError):
        return None  # a message sent by something else, or not JSON: its age is unknown


def read_queues(redis: object, queues: Iterable[str], now: float | None = None) -> list[QueueState]:
    """Length and age of each queue, in one round trip to Redis."""
    names = sorted(set(queues))
    pipe = redis.pipeline(transaction=False)  # type: ignore[attr-defined]
    for name in names:
        for key in priority_keys(name):
            pipe.llen(key)
            pipe.lindex(key, -1)
    answers = pipe.execute()
    clock = time.time() if now is None else now
    states = []
    per_queue = 2 * len(PRIORITY_STEPS)
    for index, name in enumerate(names):
        chunk = answers[index * per_queue : (index + 1) * per_queue]
        length = sum(int(n or 0) for n in chunk[0::2])
        stamps = [s for s in (sent_at(raw) for raw in chunk[1::2]) if s is not None]
        age = max(0.0, clock - min(stamps)) if stamps else 0.0
        states.append(QueueState(name, length, age))
    return states


def known_queues() -> list[str]:
    """`default` and the live organizations' queues (the default alone if the database does
    not answer: the scrape still reports what it can)."""
    from finsight.worker.app import DEFAULT_QUEUE
    from finsight.worker.queues import live_tenant_queues

    try:
        return [DEFAULT_QUEUE, *sorted(live_tenant_queues())]
    except Exception as exc:
        log.warning("metrics.queues.unknown", error=type(exc).__name__)
        return [DEFAULT_QUEUE]


class QueueCollector(Collector):
    def describe(self) -> Iterator[GaugeMetricFamily]:
        yield GaugeMetricFamily("finsight_queue_length", "", labels=["queue"])
        yield GaugeMetricFamily("finsight_queue_age_seconds", "", labels=["queue"])

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from finsight.redis_client import get_redis

        length = GaugeMetricFamily(
            "finsight_queue_length", "Messages waiting in a Celery queue", labels=["queue"]
        )
        age = GaugeMetricFamily(
            "finsight_queue_age_seconds",
            "Age of the oldest message waiting in a Celery queue (0 when empty)",
            labels=["queue"],
        )
        try:
            states = read_queues(get_redis(), known_queues())
        except Exception as exc:  # Redis down: no queue series (the scrape itself still works)
            log.warning("metrics.queues.unreadable", error=type(exc).__name__)
            states = []
        for state in states:
            length.add_metric([state.name], state.length)
            age.add_metric([state.name], state.age_seconds)
        yield length
        yield age
