"""The Celery application (DESIGN §2): Redis broker, JSON only, at-least-once delivery.

Tasks are idempotent, so a worker that dies mid-task simply has it run again (acks_late with
reject_on_worker_lost). The broker URL is bound at run time from settings (`bind`), never at
import, so importing a task module needs no configuration.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Celery
from celery.signals import setup_logging, worker_process_init

from finsight.config import Settings, get_settings
from finsight.db import reset_engines
from finsight.errors import FinsightError
from finsight.observability import celery_metrics
from finsight.observability.logging import configure_logging

DEFAULT_QUEUE = "default"
TENANT_QUEUE_PREFIX = "org."

# Task names: senders use these strings, so they never import task modules.
PURGE_SESSIONS_TASK = "finsight.auth.purge_expired_sessions"
TENANT_PING_TASK = "finsight.tenant.ping"
REQUEUE_STALE_IMPORTS_TASK = "finsight.ingestion.requeue_stale"
REQUEUE_STALE_ANALYTICS_TASK = "finsight.analytics.requeue_stale"
REFRESH_ANALYTICS_TASK = "finsight.analytics.refresh"

PURGE_SESSIONS_EVERY_SECONDS = 3600.0
# Results are stored only for tasks that ask (`ignore_result=False`): today the tenant ping,
# whose caller waits seconds for it.
RESULT_TTL_SECONDS = 300

BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    "purge-expired-sessions": {
        "task": PURGE_SESSIONS_TASK,
        "schedule": PURGE_SESSIONS_EVERY_SECONDS,
        "options": {"queue": DEFAULT_QUEUE},
    },
    "requeue-stale-imports": {
        "task": REQUEUE_STALE_IMPORTS_TASK,
        "schedule": 60.0,
        "options": {"queue": DEFAULT_QUEUE},
    },
    "requeue-stale-analytics": {
        "task": REQUEUE_STALE_ANALYTICS_TASK,
        "schedule": 60.0,
        "options": {"queue": DEFAULT_QUEUE},
    },
    # Hourly, so each organization's daily refresh comes about a day after its last run
    # (spread over the day, not all at midnight).
    "refresh-analytics": {
        "task": REFRESH_ANALYTICS_TASK,
        "schedule": 3600.0,
        "options": {"queue": DEFAULT_QUEUE},
    },
}

celery_app = Celery("finsight")
celery_app.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    result_accept_content=["json"],
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    task_default_queue=DEFAULT_QUEUE,
    worker_prefetch_multiplier=1,
    task_ignore_result=True,
    result_expires=RESULT_TTL_SECONDS,
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
    timezone="UTC",
    enable_utc=True,
    beat_schedule=BEAT_SCHEDULE,
    imports=[
        "finsight.worker.maintenance",
        "finsight.worker.diagnostics",
        "finsight.ingestion.tasks",
        "finsight.analytics.tasks",
    ],
)


class BrokerNotConfigured(FinsightError):
    status = 503
    code = "broker_not_configured"
    title = "Broker not configured"


def require_redis_url(settings: Settings) -> str:
    if not settings.redis_url:
        raise BrokerNotConfigured(
            "REDIS_URL is not set: the worker, beat and task senders need Redis "
            "(`finsight dev` runs an embedded one; otherwise set REDIS_URL)"
        )
    return settings.redis_url


def bind(settings: Settings | None = None) -> Celery:
    """Point the app at the configured Redis (broker, and result store for tasks that keep one)."""
    url = require_redis_url(settings or get_settings())
    if celery_app.conf.broker_url != url:
        celery_app.conf.update(broker_url=url, result_backend=url)
        # Connections and producers made for an earlier URL must not be reused. Celery's own
        # close() forgets the connection pool but keeps the producer pool (and its connections
        # to the old broker), so both are dropped here.
        if celery_app._pool is not None:
            celery_app._pool.force_close_all()
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
        # The result store is cached too (on the app, or per thread): made anew on next use.
        celery_app._backend_cache = None
        celery_app._local.__dict__.pop("backend", None)
    return celery_app


def _configure_logging(**_: Any) -> None:
    # Connecting to setup_logging stops Celery from installing its own handlers.
    configure_logging(get_settings())
    logging.getLogger("celery").setLevel(get_settings().log_level.upper())


def _after_fork(**_: Any) -> None:
    # A prefork child must not share its parent's pooled database connections.
    reset_engines()


setup_logging.connect(_configure_logging, weak=False)
worker_process_init.connect(_after_fork, weak=False)
celery_metrics.connect()  # task metrics, and the publish time that gives queues an age
