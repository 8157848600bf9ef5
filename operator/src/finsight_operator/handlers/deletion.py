"""Deleting an Organization, behind the operator's finalizer: the workers go, then the database
objects (`Retain`: schema archived, logins revoked; `Delete`: dropped), then the finalizer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import kopf
from sqlalchemy.exc import DBAPIError

from finsight.tenancy import DeletionPolicy
from finsight_operator import builders
from finsight_operator.context import OperatorContext
from finsight_operator.handlers import database
from finsight_operator.handlers.reconcile import retry_delay
from finsight_operator.kube import NAMESPACE, ORGANIZATION, KubeError
from finsight_operator.status import READY, Condition, merge_conditions, now_iso


def delete(ctx: OperatorContext, body: Mapping[str, Any], *, retry: int) -> None:
    slug = str(body["metadata"]["name"])
    spec = body.get("spec") or {}
    policy = (
        DeletionPolicy.DELETE if spec.get("deletionPolicy") == "Delete" else DeletionPolicy.RETAIN
    )
    cluster = (spec.get("database") or {}).get("cluster", "default")
    known_cluster = cluster if cluster in ctx.known_clusters() else None
    kube = ctx.client()
    delay = retry_delay(ctx.config.retry_base_seconds, ctx.config.retry_max_seconds, retry)
    with ctx.exclusive(slug):
        try:
            _mark_deleting(ctx, body, policy)
            # Workers first, so no task is mid-flight when its login goes away. The namespace
            # takes the Deployment, Secrets, quota, policy and alert rules with it.
            kube.delete(NAMESPACE, builders.namespace_name(slug, ctx.config))
        except KubeError as exc:
            if not exc.transient:
                raise
            raise kopf.TemporaryError(f"Kubernetes API: {exc}", delay=delay) from exc
        try:
            archived = database.remove(slug, policy, known_cluster)
        except DBAPIError as exc:
            raise kopf.TemporaryError(f"PostgreSQL: {exc.orig}", delay=delay) from exc
    ctx.forget(slug)
    message = (
        f"schema archived as {archived}, logins revoked"
        if archived
        else "schema and logins dropped"
        if policy is DeletionPolicy.DELETE
        else "nothing left to archive"
    )
    kopf.event(cast(kopf.Body, body), type="Normal", reason="Deleted", message=message)


def _mark_deleting(ctx: OperatorContext, body: Mapping[str, Any], policy: DeletionPolicy) -> None:
    status = dict(body.get("status") or {})
    if status.get("phase") == "Deleting":
        return
    generation = (body.get("metadata") or {}).get("generation")
    condition = Condition(READY, "False", "Deleting", f"deleting with policy {policy.value}")
    ctx.client().patch_status(
        ORGANIZATION,
        str(body["metadata"]["name"]),
        {
            "phase": "Deleting",
            "conditions": merge_conditions(
                status.get("conditions") or [], [condition], generation=generation, now=now_iso()
            ),
        },
    )
