"""The beat job that anchors the audit chains: a signed checkpoint every few minutes."""

from __future__ import annotations

import logging

from sqlalchemy import text

from finsight.audit.checkpoint_sink import DirectorySink
from finsight.audit.checkpoints import CheckpointWritten, write_checkpoint
from finsight.audit.domain import AUDIT_CHECKPOINT_TASK
from finsight.config import get_settings
from finsight.crypto.signing import audit_signing_key
from finsight.db import cluster_names, get_engine
from finsight.worker.app import celery_app

logger = logging.getLogger(__name__)


def checkpoint_clusters() -> list[CheckpointWritten]:
    """One checkpoint per PostgreSQL cluster that holds an audit log (the default one, and each
    of DATABASE_CLUSTERS once audit chains live there), each in its own transaction."""
    settings = get_settings()
    sink = DirectorySink(settings.checkpoint_dir)
    key = audit_signing_key()
    written = []
    for cluster in cluster_names():
        with get_engine(cluster).begin() as connection:
            if (
                connection.execute(text("SELECT to_regclass('platform.audit_log')")).scalar()
                is None
            ):
                continue
            written.append(write_checkpoint(connection, cluster, sink, key))
    return written


def checkpoint_task() -> list[str]:
    locations = [w.location for w in checkpoint_clusters() if w.location]
    for location in locations:
        logger.info("audit checkpoint written: %s", location)
    return locations


checkpoint_job = celery_app.task(name=AUDIT_CHECKPOINT_TASK)(checkpoint_task)
