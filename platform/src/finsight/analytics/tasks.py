"""Celery task of analytics runs, on the tenant's queue: claim, run, record the outcome."""

from __future__ import annotations

import uuid

from finsight.analytics.models import AnalyticsRun
from finsight.analytics.service import RUN_ANALYTICS_TASK, claim_run, execute_run, fail_run
from finsight.observability.logging import get_logger
from finsight.tenancy import tenant_session
from finsight.worker.app import celery_app

log = get_logger(__name__)


def run_analytics(org_slug: str, run_id: str) -> str:
    """Run one analytics run to its end; returns its final status.

    A failure is recorded on the run and not raised: the run is finished, and raising would
    only have Celery log it again (a killed worker is another matter: acks_late redelivers)."""
    key = uuid.UUID(run_id)
    # Its own transaction, committed at once: the API shows the run as running meanwhile.
    with tenant_session(org_slug) as session:
        claimed = claim_run(session, key)
        if claimed is None:
            run = session.get(AnalyticsRun, key)
            return run.status if run is not None else "missing"
    try:
        with tenant_session(org_slug) as session:
            status = execute_run(session, key)
    except Exception as exc:  # any bug or database error: recorded on the run, not retried
        log.exception("analytics.run.failed", run=run_id, org=org_slug)
        with tenant_session(org_slug) as session:
            run = session.get(AnalyticsRun, key)
            if run is None or run.status in ("succeeded", "failed"):
                return run.status if run is not None else "missing"
            fail_run(session, run, f"{type(exc).__name__}: {exc}")
        return "failed"
    log.info("analytics.run.finished", run=run_id, org=org_slug, status=status)
    return status


run_analytics_job = celery_app.task(name=RUN_ANALYTICS_TASK)(run_analytics)
