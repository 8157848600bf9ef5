"""Celery tasks of bank sync: an item's sync (tenant queue), the sweeper of lost syncs and the
daily refresh (both beat)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select

from finsight.config import get_settings
from finsight.kit.models import utcnow
from finsight.observability.logging import get_logger
from finsight.plaid.domain import REFRESH_ITEMS_TASK, REQUEUE_STALE_SYNCS_TASK, SYNC_ITEM_TASK
from finsight.plaid.models import QUEUED, STALE, SYNCING, PlaidItem
from finsight.plaid.sync import RetryLater, fail_unexpected, run_sync
from finsight.tenancy import TenantNames, tenant_session
from finsight.worker.app import bind, celery_app
from finsight.worker.queues import live_tenant_slugs

log = get_logger(__name__)


def sync_item(self: Any, org_slug: str, item_id: str) -> str:
    key = uuid.UUID(item_id)
    if not get_settings().plaid_enabled:
        # A worker without Plaid's settings cannot sync: it leaves the item as it is (queued;
        # the stale-sync sweeper of a configured installation sends it again) instead of
        # taking its lock and failing it.
        log.warning("plaid.sync.disabled", org=org_slug, item=item_id)
        return "disabled"
    try:
        return run_sync(org_slug, key)
    except RetryLater as later:
        log.info("plaid.sync.backoff", org=org_slug, item=item_id, seconds=later.countdown)
        raise self.retry(countdown=later.countdown) from None
    except Exception as exc:
        log.exception("plaid.sync.error", org=org_slug, item=item_id)
        fail_unexpected(org_slug, key, exc)
        return "failed"


def _send(slug: str, item_id: uuid.UUID) -> None:
    bind().send_task(
        SYNC_ITEM_TASK,
        kwargs={"org_slug": slug, "item_id": str(item_id)},
        queue=TenantNames.for_slug(slug).queue,
    )


def requeue_stale_syncs() -> int:
    """Items queued, or syncing without a heartbeat, for PLAID_SYNC_STALE_SECONDS (a send lost
    after commit, a worker killed mid-sync) are marked stale and sent again. Safe: a sync still
    running holds its item's lock, and the second delivery leaves."""
    cutoff = utcnow() - timedelta(seconds=get_settings().plaid_sync_stale_seconds)
    sent = 0
    if not get_settings().plaid_enabled:
        return 0
    for slug in live_tenant_slugs():
        try:
            with tenant_session(slug) as session:
                stale = list(
                    session.scalars(
                        select(PlaidItem).where(
                            PlaidItem.deleted_at.is_(None),
                            or_(
                                (PlaidItem.sync_state == QUEUED)
                                & (PlaidItem.sync_requested_at < cutoff),
                                PlaidItem.sync_state.in_((SYNCING, STALE))
                                & (PlaidItem.updated_at < cutoff),
                            ),
                        )
                    )
                )
                for item in stale:
                    item.sync_state = STALE
                ids = [item.id for item in stale]
        except Exception:  # a tenant not yet migrated, being dropped: the next sweep retries
            log.exception("plaid.sweep.failed", org=slug)
            continue
        for item_id in ids:
            _send(slug, item_id)
            sent += 1
    if sent:
        log.warning("plaid.syncs.requeued", count=sent)
    return sent


def refresh_items() -> int:
    """Queue a sync of every item not synced for PLAID_REFRESH_HOURS: a missed webhook never
    leaves an item behind. Items that need a person (reconnect) are left alone."""
    settings = get_settings()
    if not settings.plaid_enabled or settings.plaid_refresh_hours <= 0:
        return 0
    cutoff = utcnow() - timedelta(hours=settings.plaid_refresh_hours)
    started = 0
    for slug in live_tenant_slugs():
        try:
            with tenant_session(slug) as session:
                due = list(
                    session.scalars(
                        select(PlaidItem).where(
                            PlaidItem.deleted_at.is_(None),
                            PlaidItem.status.notin_(("login_required", "permission_revoked")),
                            PlaidItem.sync_state.notin_((QUEUED, SYNCING, STALE)),
                            or_(
                                PlaidItem.last_synced_at.is_(None),
                                PlaidItem.last_synced_at < cutoff,
                            ),
                        )
                    )
                )
                for item in due:
                    item.sync_state = QUEUED
                    item.sync_requested_at = utcnow()
                    item.sync_attempts = 0
                ids = [item.id for item in due]
        except Exception:
            log.exception("plaid.refresh.failed", org=slug)
            continue
        for item_id in ids:
            _send(slug, item_id)
            started += 1
    return started


sync_item_job = celery_app.task(name=SYNC_ITEM_TASK, bind=True, max_retries=None)(sync_item)
requeue_stale_syncs_job = celery_app.task(name=REQUEUE_STALE_SYNCS_TASK)(requeue_stale_syncs)
refresh_items_job = celery_app.task(name=REFRESH_ITEMS_TASK)(refresh_items)
