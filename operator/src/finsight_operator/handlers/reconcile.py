"""Bring one Organization to its spec: database, platform records, namespace, workers, alert
rules, status. One code path for create, update, resume, the drift timer and worker changes;
every step is idempotent, so an operator stopped half-way converges when it runs again."""

from __future__ import annotations

import contextlib
import logging
import secrets
import time
from collections.abc import Mapping
from typing import Any, Literal, cast
from urllib.parse import urlsplit

import kopf
from sqlalchemy.exc import DBAPIError, OperationalError

from finsight.config import get_settings
from finsight.crypto.derived import tenant_model_signing_key
from finsight.tenancy import TenantNames
from finsight_operator import builders
from finsight_operator.context import RECONCILE_SECONDS, RECONCILES, REPAIRS, OperatorContext
from finsight_operator.handlers import database, financial_rules
from finsight_operator.kube import (
    CONFIG_MAP,
    ORGANIZATION,
    SECRET,
    Kube,
    KubeError,
    Manifest,
    Outcome,
)
from finsight_operator.spec import InvalidSpec, Organization, parse_organization
from finsight_operator.status import (
    ALERT_RULES_READY,
    DATABASE_READY,
    READY,
    WORKERS_READY,
    Condition,
    condition_status,
    merge_conditions,
    now_iso,
    phase_for,
    ready_condition,
)

Trigger = Literal["create", "update", "resume", "drift", "workers"]
MONITORING_API = "monitoring.coreos.com/v1"


class TransientFailure(Exception):
    """A dependency (PostgreSQL, the API server) failed in a way that a retry can fix."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def retry_delay(config_base: float, config_max: float, retry: int) -> float:
    return float(min(config_max, config_base * 2 ** min(retry, 16)))


def reconcile(
    ctx: OperatorContext,
    body: Mapping[str, Any],
    *,
    trigger: Trigger,
    retry: int,
    logger: logging.Logger | logging.LoggerAdapter[logging.Logger],
) -> None:
    """Raise kopf.TemporaryError for transient failures (kopf retries with our backoff); an
    invalid spec is reported in the status and not retried until the resource changes."""
    if (body.get("metadata") or {}).get("deletionTimestamp"):
        return  # the deletion handler owns it now
    full = trigger in ("create", "update", "resume")
    started = time.monotonic()
    slug = str((body.get("metadata") or {}).get("name", ""))
    with ctx.exclusive(slug, wait=full) as mine:
        if not mine:
            return  # a reconciliation of this organization is running; it writes the status
        result = "ok"
        try:
            org = parse_organization(body, ctx.known_clusters())
            _converge(ctx, ctx.client(), org, body, full=full, logger=logger)
        except InvalidSpec as exc:
            result = "invalid"
            _report_invalid(ctx.client(), body, exc)
        except TransientFailure as exc:
            result = "retry"
            _report_failure(ctx.client(), body, exc)
            delay = retry_delay(ctx.config.retry_base_seconds, ctx.config.retry_max_seconds, retry)
            if full:
                raise kopf.TemporaryError(exc.message, delay=delay) from exc
            logger.warning(
                "drift check failed, next check in %ss: %s",
                ctx.config.drift_interval_seconds,
                exc.message,
            )
        finally:
            RECONCILES.labels(trigger, result).inc()
            RECONCILE_SECONDS.labels(trigger).observe(time.monotonic() - started)


def _converge(
    ctx: OperatorContext,
    kube: Kube,
    org: Organization,
    body: Mapping[str, Any],
    *,
    full: bool,
    logger: logging.Logger | logging.LoggerAdapter[logging.Logger],
) -> None:
    config = ctx.config
    repaired: list[str] = []
    if full and condition_status(body.get("status"), READY) is None:
        _write_status(
            kube,
            body,
            org.generation,
            {"phase": "Provisioning"},
            [Condition(READY, "Unknown", "Provisioning", "provisioning has started")],
        )

    def ensure(manifest: Manifest) -> Manifest:
        try:
            applied, outcome = kube.ensure(manifest)
        except KubeError as exc:
            what = f"{manifest['kind']} {manifest['metadata']['name']}"
            raise _transient_or_bug(exc, what) from exc
        if outcome is not Outcome.UNCHANGED and not full:
            REPAIRS.labels(manifest["kind"]).inc()
            repaired.append(f"{manifest['kind']} {manifest['metadata']['name']}")
        return applied

    ensure(builders.namespace(org, config))
    namespace = builders.namespace_name(org.slug, config)
    existing = _get(kube, SECRET, builders.DB_SECRET, namespace)
    worker_password = builders.secret_value(existing, "password")
    new_password = worker_password is None
    if worker_password is None:
        worker_password = secrets.token_urlsafe(32)

    try:
        db = database.converge(
            org,
            worker_password=worker_password,
            new_password=new_password,
            full=full,
        )
    except DBAPIError as exc:
        # Connection failures, restarts, serialization conflicts: worth a retry. Anything else
        # (a bug, a missing privilege) is not, and kopf reports it as it is.
        if not (isinstance(exc, OperationalError) or exc.connection_invalidated):
            raise
        raise TransientFailure("DatabaseUnavailable", f"PostgreSQL: {exc.orig}") from exc

    redis_url = config.worker_redis_url or get_settings().redis_url or ""
    credentials = builders.WorkerCredentials(
        username=db.worker_role,
        password=worker_password,
        database_url=database.worker_database_url(
            org.spec.database.cluster, db.worker_role, worker_password
        ),
        redis_url=redis_url,
        model_signing_key=_model_signing_key(org.slug, logger),
    )
    ensure(builders.db_secret(org, config, credentials))
    ensure(builders.resource_quota(org, config))
    ensure(
        builders.network_policy(
            org,
            config,
            postgres_port=database.database_port(org.spec.database.cluster),
            redis_port=urlsplit(redis_url).port or 6379,
        )
    )
    deployment = ensure(builders.worker_deployment(org, config, credentials))
    alerts = _ensure_alert_rules(kube, org, ctx, ensure)
    if db.ready:
        # The tenant's own alert rules from spec.alerting.financialRules (the message names
        # the count only: a status that changed on every pass would churn).
        financial_rules.sync(org)
        alerts = Condition(
            alerts.type,
            alerts.status,
            alerts.reason,
            f"{alerts.message}; {len(org.spec.alerting.financial_rules)} financial rules synced",
        )

    conditions = [
        Condition(
            DATABASE_READY,
            "True",
            "Provisioned",
            f"schema {db.schema} at revision {db.tenant.revision}, login {db.worker_role}",
        )
        if db.ready
        else Condition(
            DATABASE_READY,
            "False",
            "Provisioning",
            f"schema {db.schema} or its roles are not complete yet",
        ),
        _workers_condition(deployment, org),
        alerts,
    ]
    conditions.append(ready_condition(conditions, suspended=org.spec.suspended))
    status = {
        "phase": phase_for(conditions, suspended=org.spec.suspended),
        "schema": db.schema,
        "namespace": namespace,
        "organizationId": db.organization_id,
    }
    _write_status(kube, body, org.generation, status, conditions)

    if db.created:
        _event(
            body,
            "Normal",
            "Provisioned",
            f"schema {db.schema}, namespace {namespace} and workers created",
        )
    elif db.changed and full:
        _event(body, "Normal", "Updated", "organization brought to its spec")
    if db.owner_invited:
        _event(body, "Normal", "OwnerInvited", f"owner {org.spec.owner}: invitation emailed")
    if repaired:
        logger.info("repaired drift: %s", ", ".join(repaired))
        _event(body, "Warning", "DriftRepaired", "restored " + ", ".join(repaired))
    if db.changed and not full:
        _event(body, "Warning", "DriftRepaired", f"restored database objects of {db.schema}")


def _get(kube: Kube, kind: Any, name: str, namespace: str) -> Manifest | None:
    try:
        return kube.get(kind, name, namespace)
    except KubeError as exc:
        raise _transient_or_bug(exc, f"{kind.kind} {name}") from exc


def _transient_or_bug(exc: KubeError, what: str) -> Exception:
    if exc.transient:
        return TransientFailure("KubernetesUnavailable", f"{what}: {exc}")
    return exc


def _ensure_alert_rules(
    kube: Kube, org: Organization, ctx: OperatorContext, ensure: Any
) -> Condition:
    config = ctx.config
    namespace = builders.namespace_name(org.slug, config)
    try:
        operator_present = kube.has_api(MONITORING_API)
        if operator_present:
            ensure(builders.prometheus_rule(org, config))
            # Rules moved to the Prometheus Operator: the fallback ConfigMap would double them.
            kube.delete(CONFIG_MAP, builders.ALERT_RULES, namespace)
        else:
            ensure(builders.alert_rules_configmap(org, config))
    except KubeError as exc:
        raise _transient_or_bug(exc, "alert rules") from exc
    count = len(builders.alert_rules(org, config))
    if operator_present:
        return Condition(
            ALERT_RULES_READY,
            "True",
            "PrometheusRule",
            f"{count} rules in PrometheusRule {namespace}/{builders.ALERT_RULES}",
        )
    return Condition(
        ALERT_RULES_READY,
        "True",
        "ConfigMap",
        f"{count} rules in ConfigMap {namespace}/{builders.ALERT_RULES} "
        f"(no Prometheus Operator in the cluster)",
    )


def _workers_condition(deployment: Manifest, org: Organization) -> Condition:
    desired = org.desired_replicas
    if desired == 0:
        reason = "Suspended" if org.spec.suspended else "ScaledToZero"
        return Condition(WORKERS_READY, "True", reason, "no workers are wanted")
    status = deployment.get("status") or {}
    available = int(status.get("availableReplicas") or 0)
    updated = int(status.get("updatedReplicas", available) or 0)
    message = f"{available}/{desired} workers available"
    if available >= desired and updated >= desired:
        return Condition(WORKERS_READY, "True", "WorkersAvailable", message)
    return Condition(WORKERS_READY, "False", "WorkersProgressing", message)


def _write_status(
    kube: Kube,
    body: Mapping[str, Any],
    generation: int | None,
    fields: dict[str, Any],
    conditions: list[Condition],
) -> bool:
    """Patch the status if it says something new; returns whether it did."""
    current = dict(body.get("status") or {})
    status = {
        **fields,
        "conditions": merge_conditions(
            current.get("conditions") or [], conditions, generation=generation, now=now_iso()
        ),
    }
    if generation is not None:
        status["observedGeneration"] = generation
    if all(current.get(key) == value for key, value in status.items()):
        return False  # nothing new: no write, no watch event
    name = str(body["metadata"]["name"])
    try:
        kube.patch_status(ORGANIZATION, name, status)
    except KubeError as exc:
        raise _transient_or_bug(exc, f"status of Organization {name}") from exc
    return True


def _report_invalid(kube: Kube, body: Mapping[str, Any], exc: InvalidSpec) -> None:
    generation = (body.get("metadata") or {}).get("generation")
    condition = Condition(READY, "False", exc.reason, exc.message)
    # The drift timer finds the same problem again and again: one event, when it appears.
    if _write_status(kube, body, generation, {"phase": "Invalid"}, [condition]):
        _event(body, "Warning", exc.reason, exc.message)


def _report_failure(kube: Kube, body: Mapping[str, Any], exc: TransientFailure) -> None:
    generation = (body.get("metadata") or {}).get("generation")
    which = DATABASE_READY if exc.reason == "DatabaseUnavailable" else READY
    updates = [Condition(READY, "False", exc.reason, exc.message)]
    if which != READY:
        updates.insert(0, Condition(which, "Unknown", exc.reason, exc.message))
    phase = (body.get("status") or {}).get("phase") or "Provisioning"
    written = False
    # If the API server is what failed, the retry writes the status.
    with contextlib.suppress(TransientFailure, KubeError):
        written = _write_status(kube, body, generation, {"phase": phase}, updates)
    if written:
        _event(body, "Warning", exc.reason, exc.message)


def _event(body: Mapping[str, Any], type_: str, reason: str, message: str) -> None:
    # kopf needs only apiVersion, kind and metadata: a fetched dict does as well as its Body.
    kopf.event(cast(kopf.Body, body), type=type_, reason=reason, message=message)


def _model_signing_key(
    slug: str, logger: logging.Logger | logging.LoggerAdapter[logging.Logger]
) -> str:
    """The organization's derived model-signing key, from MODEL_SIGNING_KEY (or JWT_SECRET);
    empty, with a warning, when the operator was given neither: its workers then cannot keep
    category models (the chart always gives it MODEL_SIGNING_KEY)."""
    settings = get_settings()
    unset = settings.model_signing_key is None and settings.jwt_secret is None
    if unset and not settings.is_development:
        logger.warning(
            "MODEL_SIGNING_KEY is not set: %s's workers cannot sign category models", slug
        )
        return ""
    return tenant_model_signing_key(
        settings.model_signing_root(), TenantNames.for_slug(slug).schema
    )
