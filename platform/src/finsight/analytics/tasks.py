"""Celery tasks of analytics: a run (tenant queue), the sweeper of lost runs and the daily
refresh (both beat)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy.orm import Session

from finsight.analytics.domain import (
    REFRESH_ANALYTICS_TASK,
    REQUEUE_STALE_ANALYTICS_TASK,
    ROWS_LANDED_TASK,
    RUN_ANALYTICS_TASK,
)
from finsight.analytics.models import AnalyticsRun
from finsight.analytics.refresh import refresh_if_stale
from finsight.analytics.service import (
    FINISHED,
    claim_run,
    execute_run,
    fail_run,
    start_run_for_landed_rows,
)
from finsight.config import get_settings
from finsight.events import ANALYTICS_RUN_FINISHED, DomainEvent, publish_event
from finsight.kit.models import utcnow
from finsight.kit.query import try_advisory_xact_lock
from finsight.observability.logging import get_logger
from finsight.observability.metrics import ANALYTICS_RUNS, after_commit
from finsight.tenancy import tenant_session, tenant_unit
from finsight.worker.app import celery_app
from finsight.worker.queues import live_tenants
from finsight.worker.requeue import requeue_stale

log = get_logger(__name__)


def _run_lock(run_id: uuid.UUID) -> str:
    return f"finsight.analytics.run:{run_id}"


def run_analytics(org_slug: str, run_id: str) -> str:
    """Run one analytics run to its end; returns its final status.

    The run's work happens in one transaction that holds the run's advisory lock: a second
    delivery of the same run (the sweeper, or acks_late after a lost worker) finds the lock
    held and leaves, so a run is never worked on twice at once; a killed worker's connection
    drops the lock, and the next delivery takes over. A failure is recorded on the run and
    not raised: the run is finished, and raising would only have Celery log it again."""
    key = uuid.UUID(run_id)
    try:
        with tenant_session(org_slug) as session:
            if not try_advisory_xact_lock(session, _run_lock(key)):
                log.info("analytics.run.busy", run=run_id, org=org_slug)
                return "running"
            # Claimed in a transaction of its own, committed at once: the API shows the run
            # as running while this one works.
            with tenant_session(org_slug) as claim:
                claimed = claim_run(claim, key)
                current = claim.get(AnalyticsRun, key)
                status = current.status if current is not None else "missing"
            if claimed is None:
                return status
            kind = claimed.kind
            status = execute_run(session, key)
            # This delivery claimed the run, so it is the one that finished it: counted once.
            _finished(session, org_slug, key, kind, status)
    except Exception as exc:  # any bug or database error: recorded on the run, not retried
        log.exception("analytics.run.failed", run=run_id, org=org_slug)
        with tenant_session(org_slug) as session:
            run = session.get(AnalyticsRun, key)
            if run is None or run.status in FINISHED:
                return run.status if run is not None else "missing"
            fail_run(session, run, f"{type(exc).__name__}: {exc}")
            _finished(session, org_slug, key, run.kind, "failed")
        return "failed"
    log.info("analytics.run.finished", run=run_id, org=org_slug, status=status)
    return status


def _finished(session: Session, org_slug: str, run_id: uuid.UUID, kind: str, status: str) -> None:
    """Count the finished run and tell the domains above (alerts), once the run commits."""
    after_commit(session, lambda: ANALYTICS_RUNS.labels(org_slug, kind, status).inc())
    publish_event(
        session,
        org_slug,
        DomainEvent(ANALYTICS_RUN_FINISHED, str(run_id), {"kind": kind, "status": status}),
    )


def on_rows_landed(
    org_slug: str,
    source: str,
    account_ids: list[str],
    rows: int,
    first_date: str | None,
    source_id: str | None,
) -> str:
    """Rows landed in the organization's books (the ledger's event): start their run."""
    with tenant_unit(org_slug) as unit:
        run = start_run_for_landed_rows(
            unit.session,
            org_id=unit.org_id,
            org_slug=org_slug,
            source=source,
            account_ids=account_ids,
            source_id=source_id,
        )
    log.info("analytics.rows_landed", org=org_slug, source=source, rows=rows, run=str(run.id))
    return str(run.id)


def requeue_stale_analytics() -> int:
    """Send again every run queued, or running without an update, for ANALYTICS_STALE_SECONDS:
    a send lost after its commit, or a worker that died mid-run, still ends in a finished run."""
    cutoff = utcnow() - timedelta(seconds=get_settings().analytics_stale_seconds)
    sent = requeue_stale(AnalyticsRun, RUN_ANALYTICS_TASK, "run_id", cutoff)
    if sent:
        log.warning("analytics.runs.requeued", count=sent)
    return sent


def refresh_analytics() -> int:
    """Start the daily run of every live organization that is due (refresh.py); how many were
    started. One organization's failure is logged and the others still get theirs."""
    settings = get_settings()
    if not settings.enable_analytics or settings.analytics_refresh_hours <= 0:
        return 0
    older_than = timedelta(hours=settings.analytics_refresh_hours)
    started = 0
    for org_id, slug in live_tenants():
        try:
            with tenant_session(slug) as session:
                run = refresh_if_stale(session, org_id=org_id, org_slug=slug, older_than=older_than)
        except Exception:  # a tenant being provisioned or dropped, say: the next hour retries
            log.exception("analytics.refresh.failed", org=slug)
            continue
        if run is not None:
            started += 1
            log.info("analytics.refresh.started", org=slug, run=str(run.id))
    return started


run_analytics_job = celery_app.task(name=RUN_ANALYTICS_TASK)(run_analytics)
requeue_stale_analytics_job = celery_app.task(name=REQUEUE_STALE_ANALYTICS_TASK)(
    requeue_stale_analytics
)
refresh_analytics_job = celery_app.task(name=REFRESH_ANALYTICS_TASK)(refresh_analytics)
rows_landed_job = celery_app.task(name=ROWS_LANDED_TASK)(on_rows_landed)
