"""Send a task to a tenant's queue once the caller's transaction has committed.

A task sent before commit could run before its data exists, or for a change that then rolls
back. Tasks receive ids and the organization's slug, never ORM objects, and open their own
`tenant_session(org_slug)`.
"""

from __future__ import annotations

import functools
import json
import logging
import uuid
from typing import Any

import redis
from sqlalchemy import event
from sqlalchemy.orm import Session

from finsight.config import Settings, get_settings
from finsight.errors import InvalidInput, ServiceUnavailable
from finsight.tenancy import TenantNames
from finsight.worker.app import DEFAULT_QUEUE, bind, require_redis_url

logger = logging.getLogger(__name__)

_PENDING = "finsight.pending_tasks"


def enqueue_after_commit(session: Session, task_name: str, org_slug: str, **kwargs: Any) -> str:
    """Queue `task_name(org_slug=..., **kwargs)` on `org.<slug>`, sent when `session` commits;
    nothing is sent if it rolls back. Returns the task's id."""
    # A missing or unreachable broker fails the caller before its commit (a 503 in a request):
    # nothing is written, so nothing is left queued with no task behind it.
    require_reachable_broker(get_settings())
    return notify_after_commit(session, task_name, org_slug, **kwargs)


def notify_after_commit(session: Session, task_name: str, org_slug: str, **kwargs: Any) -> str:
    """`enqueue_after_commit` for a message whose loss the caller accepts (domain events): the
    broker is not probed first, so a broker blip never fails the change that is reported."""
    require_redis_url(get_settings())
    queue = TenantNames.for_slug(org_slug).queue
    return _pend(session, task_name, queue, {"org_slug": org_slug, **kwargs})


def enqueue_platform_task_after_commit(session: Session, task_name: str, **kwargs: Any) -> str:
    """Queue a platform task (no organization: e.g. an invitation's email) on the `default`
    queue once `session` commits. Returns the task's id. The broker's reachability is not
    required: the email outbox's sweeper sends what a failed send left."""
    require_redis_url(get_settings())
    return _pend(session, task_name, DEFAULT_QUEUE, dict(kwargs))


def _pend(session: Session, task_name: str, queue: str, payload: dict[str, Any]) -> str:
    try:
        json.dumps(payload)
    except TypeError as exc:  # fail in the caller, not after its commit
        raise InvalidInput(f"task {task_name} arguments are not JSON: {exc}") from exc
    task_id = str(uuid.uuid4())
    session.info.setdefault(_PENDING, []).append((task_id, task_name, queue, payload))
    if not event.contains(session, "after_commit", _send_pending):
        event.listen(session, "after_commit", _send_pending)
        event.listen(session, "after_rollback", _drop_pending)
    return task_id


class BrokerUnavailable(ServiceUnavailable):
    code = "broker_unavailable"


@functools.cache
def _broker_probe(url: str, timeout: float) -> redis.Redis[bytes]:
    return redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)


def require_reachable_broker(settings: Settings) -> None:
    """One PING to the broker (pooled connection), bounded by BROKER_CONNECT_TIMEOUT_SECONDS."""
    url = require_redis_url(settings)
    try:
        _broker_probe(url, settings.broker_connect_timeout_seconds).ping()
    except redis.RedisError as exc:
        raise BrokerUnavailable(
            "the task queue cannot be reached, so nothing was queued and nothing was saved; "
            "try again shortly"
        ) from exc


def _send_pending(session: Session) -> None:
    pending: list[tuple[str, str, str, dict[str, Any]]] = session.info.pop(_PENDING, [])
    if not pending:
        return
    app = bind()
    for task_id, task_name, queue, payload in pending:
        try:
            # No retries here: the broker answered a moment ago, and a request must not hang.
            app.send_task(task_name, kwargs=payload, queue=queue, task_id=task_id, retry=False)
        except Exception:
            # The transaction is already committed: report, but do not fail the caller. The
            # row stays queued and the beat's sweeper (requeue_stale_*) sends it again.
            logger.exception("could not send task %s to %s", task_name, queue)


def _drop_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)
