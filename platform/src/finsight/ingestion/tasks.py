"""Celery tasks of imports: the import itself (tenant queue) and the stale-batch sweeper."""

from __future__ import annotations

import uuid
from datetime import timedelta

from finsight.config import get_settings
from finsight.ingestion.domain import REQUEUE_STALE_IMPORTS_TASK, RUN_IMPORT_TASK
from finsight.ingestion.models import ImportBatch
from finsight.ingestion.pipeline import run_import
from finsight.kit.models import utcnow
from finsight.observability.logging import get_logger
from finsight.worker.app import celery_app
from finsight.worker.requeue import requeue_stale

log = get_logger(__name__)


def run_import_task(org_slug: str, batch_id: str) -> str:
    return run_import(org_slug, uuid.UUID(batch_id))


def requeue_stale_imports() -> int:
    """Send again every batch queued, or running without progress, for IMPORT_STALE_SECONDS:
    a send lost after commit or a worker killed mid-import ends up finished all the same."""
    cutoff = utcnow() - timedelta(seconds=get_settings().import_stale_seconds)
    sent = requeue_stale(ImportBatch, RUN_IMPORT_TASK, "batch_id", cutoff)
    if sent:
        log.warning("imports.requeued", count=sent)
    return sent


run_import_job = celery_app.task(name=RUN_IMPORT_TASK)(run_import_task)
requeue_stale_imports_job = celery_app.task(name=REQUEUE_STALE_IMPORTS_TASK)(requeue_stale_imports)
