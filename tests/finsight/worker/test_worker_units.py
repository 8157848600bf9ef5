"""The worker's pieces without a worker process: after-commit sending, configuration, beat."""

from __future__ import annotations

import json
import os
import signal
import time
import uuid

import pytest
import redis
from sqlalchemy import text

from finsight.analytics.domain import REFRESH_ANALYTICS_TASK
from finsight.auth.domain import PURGE_SESSIONS_TASK
from finsight.config import get_settings
from finsight.db import platform_session
from finsight.errors import InvalidInput
from finsight.worker.app import BrokerNotConfigured, beat_schedule, celery_app
from finsight.worker.domain import TENANT_PING_TASK
from finsight.worker.enqueue import enqueue_after_commit

from support.processes import ServerProcess, finsight_command


def test_configuration_is_safe_for_at_least_once_delivery():
    conf = celery_app.conf
    assert conf.task_serializer == "json" and conf.accept_content == ["json"]
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    assert conf.task_default_queue == "default" and conf.worker_prefetch_multiplier == 1
    schedule = beat_schedule()
    assert conf.beat_schedule == schedule
    assert schedule["purge-expired-sessions"]["task"] == PURGE_SESSIONS_TASK
    assert schedule["purge-expired-sessions"]["options"] == {"queue": "default"}
    assert schedule["refresh-analytics"]["task"] == REFRESH_ANALYTICS_TASK
    # Every domain's task modules are among the worker's imports, so each scheduled task exists.
    celery_app.loader.import_default_modules()
    assert {entry["task"] for entry in schedule.values()} <= set(celery_app.tasks)


@pytest.mark.integration
def test_sent_only_on_commit(test_env):
    slug = "q" + uuid.uuid4().hex[:12]  # no organization: no worker consumes this queue
    queue = f"org.{slug}"
    broker = redis.Redis.from_url(test_env["REDIS_URL"])
    try:
        with pytest.raises(RuntimeError), platform_session() as session:
            enqueue_after_commit(session, TENANT_PING_TASK, slug)
            raise RuntimeError("the unit of work fails")
        with platform_session() as session:
            session.execute(text("SELECT 1"))  # a later commit must not send the dropped task
        assert broker.llen(queue) == 0

        with platform_session() as session:
            task_id = enqueue_after_commit(session, TENANT_PING_TASK, slug, account_id="a1")
            assert broker.llen(queue) == 0  # not before the commit
        assert broker.llen(queue) == 1
        message = json.loads(broker.lindex(queue, 0))
        assert message["headers"]["id"] == task_id
        assert message["headers"]["task"] == TENANT_PING_TASK
    finally:
        broker.delete(queue)


@pytest.mark.integration
def test_arguments_must_be_json(test_env):
    with pytest.raises(InvalidInput, match="not JSON"):
        enqueue_after_commit(None, TENANT_PING_TASK, "acme", when=object())  # type: ignore[arg-type]


@pytest.mark.integration
def test_no_broker_fails_before_commit(test_env, monkeypatch):
    monkeypatch.delenv("REDIS_URL")
    get_settings.cache_clear()
    try:
        with pytest.raises(BrokerNotConfigured), platform_session() as session:
            enqueue_after_commit(session, TENANT_PING_TASK, "acme")
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


@pytest.mark.integration
def test_beat_keeps_its_schedule_in_data_dir(test_env, tmp_path):
    data_dir = tmp_path / "data"
    env = {**test_env, "DATA_DIR": str(data_dir)}
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    process = ServerProcess(finsight_command("serve", "beat"), env, tmp_path / "beat.log")
    try:
        deadline = time.monotonic() + 60
        while not list(data_dir.glob("celerybeat-schedule*")):
            assert time.monotonic() < deadline, process.log_tail()
            assert process.process.poll() is None, process.log_tail()
            time.sleep(0.2)
    finally:
        process.stop(signal.SIGTERM)
    assert not [name for name in os.listdir(cwd) if name.startswith("celerybeat")]


def test_rebinding_sends_to_the_new_broker(tmp_path, monkeypatch):
    """After REDIS_URL changes, tasks go to the new Redis, not through producers cached for
    the old one (Celery's close() keeps its producer pool)."""
    import redis

    from finsight.config import get_settings
    from finsight.embedded import EmbeddedRedis
    from finsight.worker.app import bind

    first = EmbeddedRedis(tmp_path / "a", persistent=False)
    second = EmbeddedRedis(tmp_path / "b", persistent=False)
    urls = [first.start(), second.start()]
    try:
        for url in urls:
            monkeypatch.setenv("REDIS_URL", url)
            get_settings.cache_clear()
            bind().send_task("finsight.tests.noop", queue="rebind-probe")
        assert [redis.Redis.from_url(url).llen("rebind-probe") for url in urls] == [1, 1]
    finally:
        first.stop()
        second.stop()
        monkeypatch.undo()
        get_settings.cache_clear()
