"""A worker's metrics: task counts from prefork children reach the parent's /metrics
(prometheus_client multiprocess mode), and queues report their length and the age of their
oldest message, read from Redis."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from finsight.embedded import free_port
from finsight.observability.queues import SENT_AT_HEADER, read_queues
from finsight.redis_client import get_redis
from finsight.worker.app import bind
from finsight.worker.domain import TENANT_PING_TASK

from support.api import create_org
from support.kube_emulator import wait_for
from support.processes import ServerProcess, finsight_command

pytestmark = pytest.mark.integration


def samples(url: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    text = httpx.get(url + "/metrics", timeout=10).text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(found: dict, name: str, **labels: str) -> float | None:
    return found.get((name, frozenset(labels.items())))


def test_prefork_children_count_into_the_parents_metrics(
    test_env, unique_slug: str, tmp_path: Path
):
    create_org(unique_slug)
    # A queue of its own: no other worker of the suite follows it.
    queue = f"metrics-{uuid.uuid4().hex[:10]}"
    port = free_port()
    worker = ServerProcess(
        finsight_command(
            "serve",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            "2",
            "--queues",
            queue,
            "--metrics-port",
            str(port),
            "--metrics-dir",
            str(tmp_path / "metrics"),
        ),
        env=test_env,
        log_path=tmp_path / "worker.log",
    )
    url = f"http://127.0.0.1:{port}"
    try:
        worker.wait_http(url + "/metrics")
        app = bind()
        results = [
            app.send_task(TENANT_PING_TASK, kwargs={"org_slug": unique_slug}, queue=queue)
            for _ in range(6)
        ]
        for result in results:
            assert result.get(timeout=60)["org"] == unique_slug
        labels = {"task": TENANT_PING_TASK, "queue": queue}

        def counted() -> dict | None:
            found = samples(url)
            done = value(found, "finsight_celery_tasks_total", **labels, state="succeeded")
            return found if done == 6 else None

        found = wait_for(counted, what="six tasks counted", timeout=30)
        assert value(found, "finsight_celery_task_runtime_seconds_count", **labels) == 6
        # The children's database pools, summed over the live children.
        assert value(found, "finsight_worker_db_pool_connections", state="capacity") >= 1
        # Which processes ran the tasks: each child wrote its own file.
        pids = {path.name for path in (tmp_path / "metrics").glob("counter_*.db")}
        assert pids, "no child wrote a metrics file"
    finally:
        worker.stop()
    assert "Traceback" not in (tmp_path / "worker.log").read_text()


def test_queue_length_and_age_come_from_the_messages_in_redis(test_env):
    queue = f"idle-{uuid.uuid4().hex[:10]}"  # nobody consumes it
    app = bind()
    before = time.time()
    for _ in range(3):
        app.send_task("finsight.metrics.never_run", kwargs={}, queue=queue)
    redis = get_redis()
    raw = redis.lindex(queue, -1)
    assert raw is not None and SENT_AT_HEADER in raw
    now = time.time()
    (state,) = read_queues(redis, [queue], now=now)
    assert state.length == 3
    assert 0 <= state.age_seconds <= now - before
    # Ten minutes later the oldest message is ten minutes older.
    (later,) = read_queues(redis, [queue], now=now + 600)
    assert later.age_seconds == pytest.approx(state.age_seconds + 600)
    (empty,) = read_queues(redis, [f"empty-{uuid.uuid4().hex[:8]}"])
    assert (empty.length, empty.age_seconds) == (0, 0.0)
    redis.delete(queue)


def test_the_api_reports_every_live_organizations_queue(client: httpx.Client, unique_slug: str):
    create_org(unique_slug)
    found = samples(str(client.base_url))
    assert value(found, "finsight_queue_length", queue=f"org.{unique_slug}") is not None
    assert value(found, "finsight_queue_age_seconds", queue="default") is not None
    assert value(found, "finsight_db_pool_connections", state="capacity") is not None
