"""Changes to a tenant's worker Deployment: its readiness reaches the Organization's status at
once, and a deleted Deployment comes back without waiting for the drift timer."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from finsight_operator import builders
from finsight_operator.context import OperatorContext
from finsight_operator.handlers.reconcile import reconcile
from finsight_operator.kube import ORGANIZATION, KubeError
from finsight_operator.status import WORKERS_READY, condition_status


def deployment_changed(
    ctx: OperatorContext,
    event_type: str | None,
    deployment: Mapping[str, Any],
    logger: logging.Logger | logging.LoggerAdapter[logging.Logger],
) -> None:
    metadata = deployment.get("metadata") or {}
    slug = (metadata.get("labels") or {}).get(builders.LABEL_ORG)
    if not slug or metadata.get("name") != builders.WORKER:
        return
    try:
        org = ctx.client().get(ORGANIZATION, slug)
    except KubeError as exc:
        logger.warning("cannot read Organization %s: %s", slug, exc)
        return
    if org is None or (org.get("metadata") or {}).get("deletionTimestamp"):
        return  # being deleted: the Deployment is meant to go
    if event_type != "DELETED" and _readiness_known(org, deployment):
        return
    reconcile(ctx, org, trigger="workers", retry=0, logger=logger)


def _readiness_known(org: Mapping[str, Any], deployment: Mapping[str, Any]) -> bool:
    """Whether the Organization's WorkersReady already says what this Deployment shows."""
    replicas = int((deployment.get("spec") or {}).get("replicas") or 0)
    status = deployment.get("status") or {}
    available = int(status.get("availableReplicas") or 0)
    ready = "True" if available >= replicas else "False"
    return condition_status(org.get("status"), WORKERS_READY) == ready
