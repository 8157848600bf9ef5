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
from kombu import pools as kombu_pools

from finsight.config import Settings, get_settings
from finsight.db import reset_engines
from finsight.domains import all_domains
from finsight.errors import FinsightError
from finsight.observability import celery_metrics
from finsight.observability.logging import configure_logging

DEFAULT_QUEUE = "default"
TENANT_QUEUE_PREFIX = "org."

# Results are stored only for tasks that ask (`ignore_result=False`): today the tenant ping,
# whose caller waits seconds for it.
RESULT_TTL_SECONDS = 300


def beat_schedule() -> dict[str, dict[str, Any]]:
    """Every domain's schedules, each on the `default` queue."""
    return {
        schedule.name: {
            "task": schedule.task,
            "schedule": schedule.seconds,
            "options": {"queue": DEFAULT_QUEUE},
        }
        for domain in all_domains()
        for schedule in domain.schedules
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
    beat_schedule=beat_schedule(),
    # Task names are strings: senders never import task modules; the worker imports them all.
    imports=[module for domain in all_domains() for module in domain.task_modules],
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


def transport_options(settings: Settings) -> dict[str, Any]:
    """Redis transport: unacknowledged tasks come back after the visibility timeout (with
    acks_late, a killed worker's tasks are redelivered then; Celery's default is an hour), and
    connecting gives up quickly instead of hanging a request."""
    return {
        "visibility_timeout": settings.celery_visibility_timeout_seconds,
        "socket_connect_timeout": settings.broker_connect_timeout_seconds,
    }


def bind(settings: Settings | None = None) -> Celery:
    """Point the app at the configured Redis (broker, and result store for tasks that keep one)."""
    settings = settings or get_settings()
    url = require_redis_url(settings)
    if celery_app.conf.broker_url != url:
        celery_app.conf.update(
            broker_url=url,
            result_backend=url,
            broker_transport_options=transport_options(settings),
            broker_connection_timeout=settings.broker_connect_timeout_seconds,
        )
        # Connections and producers made for an earlier URL must not be reused. Celery's own
        # close() forgets the connection pool but keeps the producer pool (and its connections
        # to the old broker), so both are dropped here.
        if celery_app._pool is not None:
            celery_app._pool.force_close_all()
        celery_app._pool = None
        # kombu keeps connection and producer pools in global registries keyed by URL: a
        # return to an earlier URL would find the pool closed just above ("Acquire on closed
        # pool"), so they are emptied too.
        kombu_pools.reset()  # type: ignore[no-untyped-call]
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
