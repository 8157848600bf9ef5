"""Resending work whose task was lost: one sweep over every active organization's queue."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select

from finsight.tenancy import TenantNames, tenant_session
from finsight.worker.app import bind
from finsight.worker.queues import live_tenant_slugs


def requeue_stale(model: Any, task: str, id_argument: str, cutoff: datetime) -> int:
    """Send `task` again for every row of `model` (a tenant table with status, created_at and
    updated_at) queued since before `cutoff`, or running without an update since then.

    Safe because the tasks are idempotent: a finished row is left alone, and one still being
    worked on is guarded by the task itself. Returns how many were sent."""
    app = bind()
    sent = 0
    for slug in live_tenant_slugs():
        with tenant_session(slug) as session:
            stale = session.scalars(
                select(model.id).where(
                    or_(
                        (model.status == "queued") & (model.created_at < cutoff),
                        (model.status == "running") & (model.updated_at < cutoff),
                    )
                )
            )
            for row_id in stale:
                app.send_task(
                    task,
                    kwargs={"org_slug": slug, id_argument: str(row_id)},
                    queue=TenantNames.for_slug(slug).queue,
                )
                sent += 1
    return sent
