"""Celery tasks of the email outbox: send one message (by id), and sweep what was left."""

from __future__ import annotations

import uuid
from typing import Any

from finsight.db import platform_session
from finsight.notifications.service import (
    SEND_EMAIL_TASK,
    SEND_PENDING_TASK,
    deliver,
    retry_delay,
    stale_pending,
)
from finsight.worker.app import DEFAULT_QUEUE, bind, celery_app


def send_email(self: Any, outbox_id: str) -> str:
    """Deliver an outbox message; on failure retry after a growing delay (the row counts the
    attempts and fails the message after SMTP_MAX_ATTEMPTS)."""
    with platform_session() as session:
        row = deliver(session, uuid.UUID(outbox_id))
        status = row.status if row is not None else "missing"
        attempts = row.attempts if row is not None else 0
    if status == "pending" and attempts > 0:
        raise self.retry(countdown=retry_delay(attempts))
    return status


def send_pending() -> int:
    """Send again every message whose task was lost (or never sent: no broker at the time)."""
    with platform_session() as session:
        pending = stale_pending(session)
    app = bind()
    for outbox_id in pending:
        app.send_task(SEND_EMAIL_TASK, kwargs={"outbox_id": str(outbox_id)}, queue=DEFAULT_QUEUE)
    return len(pending)


send_email_job = celery_app.task(name=SEND_EMAIL_TASK, bind=True, max_retries=None)(send_email)
send_pending_job = celery_app.task(name=SEND_PENDING_TASK)(send_pending)
