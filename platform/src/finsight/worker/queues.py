"""Which queues a worker serves: `default` plus every live organization's `org.<slug>`.

A worker started without `--queues` runs `TenantQueues`, a consumer bootstep that re-reads the
live organizations every few seconds and starts or stops consuming their queues, so an
organization created after the worker started is served without a restart. A tenant's own
worker (Kubernetes) is started with `--queues org.<slug>` and has no such step.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from celery import Celery, bootsteps
from sqlalchemy import select

from finsight.db import platform_session
from finsight.organizations.models import Organization
from finsight.tenancy import TenantNames
from finsight.worker.app import TENANT_QUEUE_PREFIX

logger = logging.getLogger(__name__)

SYNC_INTERVAL_SETTING = "finsight_tenant_queue_sync_seconds"


def live_tenants() -> list[tuple[uuid.UUID, str]]:
    """The organizations (id, slug) that are neither deleted nor suspended: those whose work
    runs."""
    with platform_session() as session:
        rows = session.execute(
            select(Organization.id, Organization.slug)
            .where(Organization.deleted_at.is_(None), Organization.status == "active")
            .order_by(Organization.slug)
        )
        return [(org_id, slug) for org_id, slug in rows]


def live_tenant_slugs() -> list[str]:
    """The slugs of live_tenants()."""
    return [slug for _, slug in live_tenants()]


def live_tenant_queues() -> set[str]:
    """The queues of organizations that are neither deleted nor suspended."""
    return {TenantNames(slug).queue for slug in live_tenant_slugs()}


class TenantQueues(bootsteps.StartStopStep):  # type: ignore[misc]
    requires = ("celery.worker.consumer.tasks:Tasks",)

    def __init__(self, parent: Any, **kwargs: Any) -> None:
        self.interval = float(parent.app.conf.get(SYNC_INTERVAL_SETTING) or 5.0)
        self._timer_entry: Any = None
        super().__init__(parent, **kwargs)

    def start(self, consumer: Any) -> None:
        self.sync(consumer)
        self._timer_entry = consumer.timer.call_repeatedly(self.interval, self.sync, (consumer,))

    def stop(self, consumer: Any) -> None:
        if self._timer_entry is not None:
            self._timer_entry.cancel()
            self._timer_entry = None

    shutdown = stop

    def sync(self, consumer: Any) -> None:
        """Runs in the consumer's own loop, the one place where changing its queues is safe."""
        try:
            wanted = live_tenant_queues()
        except Exception:
            logger.exception("cannot read organizations; tenant queues left as they are")
            return
        serving = {
            queue.name
            for queue in consumer.task_consumer.queues
            if queue.name.startswith(TENANT_QUEUE_PREFIX)
        }
        for name in sorted(wanted - serving):
            consumer.add_task_queue(name)
        for name in sorted(serving - wanted):
            consumer.cancel_task_queue(name)


def follow_tenant_queues(app: Celery, interval_seconds: float) -> None:
    """Make this process's worker serve every live organization's queue."""
    app.conf[SYNC_INTERVAL_SETTING] = interval_seconds
    app.steps["consumer"].add(TenantQueues)
