"""Send a task to a tenant's queue once the caller's transaction has committed.

A task sent before commit could run before its data exists, or for a change that then rolls
back. Tasks receive ids and the organization's slug, never ORM objects, and open their own
`tenant_session(org_slug)`.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from finsight.config import get_settings
from finsight.errors import InvalidInput
from finsight.tenancy import TenantNames
from finsight.worker.app import DEFAULT_QUEUE, bind, require_redis_url

logger = logging.getLogger(__name__)

_PENDING = "finsight.pending_tasks"


def enqueue_after_commit(session: Session, task_name: str, org_slug: str, **kwargs: Any) -> str:
    """Queue `task_name(org_slug=..., **kwargs)` on `org.<slug>`, sent when `session` commits;
    nothing is sent if it rolls back. Returns the task's id."""
    queue = TenantNames.for_slug(org_slug).queue
    require_redis_url(get_settings())  # a missing broker fails the caller, before its commit
    return _pend(session, task_name, queue, {"org_slug": org_slug, **kwargs})


def enqueue_platform_task_after_commit(session: Session, task_name: str, **kwargs: Any) -> str:
    """Queue a platform task (no organization: e.g. an invitation's email) on the `default`
    queue once `session` commits. Returns the task's id."""
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


def _send_pending(session: Session) -> None:
    pending: list[tuple[str, str, str, dict[str, Any]]] = session.info.pop(_PENDING, [])
    if not pending:
        return
    app = bind()
    for task_id, task_name, queue, payload in pending:
        try:
            app.send_task(task_name, kwargs=payload, queue=queue, task_id=task_id)
        except Exception:
            # The transaction is already committed: report, but do not fail the caller.
            logger.exception("could not send task %s to %s", task_name, queue)


def _drop_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)
