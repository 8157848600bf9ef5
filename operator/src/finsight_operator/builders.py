"""Pure functions: an Organization (and what the operator knows) -> Kubernetes manifests.

No I/O here: every input is an argument, so each manifest can be checked in a unit test and the
reconciler only decides when to apply them.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any

import yaml

from finsight.tenancy import TenantNames
from finsight_operator.settings import OperatorConfig
from finsight_operator.spec import GROUP, KIND, VERSION, Organization

Manifest = dict[str, Any]

LABEL_ORG = "finsight.io/organization"
LABEL_COMPONENT = "app.kubernetes.io/component"
MANAGED_BY = {"app.kubernetes.io/managed-by": "finsight-operator"}
CREDENTIALS_HASH = "finsight.io/credentials-hash"

DB_SECRET = "db-credentials"
QUOTA = "finsight-quota"
NETWORK_POLICY = "finsight-egress"
WORKER = "finsight-worker"
ALERT_RULES = "finsight-alerts"
ALERT_RULES_FILE = "finsight-alerts.yaml"


@dataclass(frozen=True)
class WorkerCredentials:
    """How the tenant's workers reach PostgreSQL and Redis; lives only in the tenant's Secret."""

    username: str
    password: str
    database_url: str
    redis_url: str
    # The organization's category-model signing key (derived from the platform's root, which
    # never reaches the tenant's namespace); empty when the operator has no root to derive from.
    model_signing_key: str = ""

    @property
    def fingerprint(self) -> str:
        """Changes when the credentials do, so the workers restart; reveals nothing of them."""
        digest = hashlib.sha256(
            f"{self.username}\0{self.password}\0{self.database_url}\0{self.redis_url}"
            f"\0{self.model_signing_key}".encode()
        )
        return digest.hexdigest()[:16]


def namespace_name(slug: str, config: OperatorConfig) -> str:
    return f"{config.namespace_prefix}{slug}"


def labels(slug: str, component: str | None = None) -> dict[str, str]:
    result = {LABEL_ORG: slug, "app.kubernetes.io/part-of": "finsight", **MANAGED_BY}
    if component:
        result[LABEL_COMPONENT] = component
    return result


def owner_references(org: Organization) -> list[dict[str, Any]]:
    """The Organization owns everything made for it (Kubernetes' garbage collector follows)."""
    if not org.uid:
        return []
    return [
        {
            "apiVersion": f"{GROUP}/{VERSION}",
            "kind": KIND,
            "name": org.slug,
            "uid": org.uid,
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]


def _metadata(
    org: Organization,
    name: str,
    namespace: str | None,
    component: str | None = None,
    extra_labels: dict[str, str] | None = None,
) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "name": name,
        "labels": {**labels(org.slug, component), **(extra_labels or {})},
    }
    if namespace is not None:
        metadata["namespace"] = namespace
    owners = owner_references(org)
    if owners:
        metadata["ownerReferences"] = owners
    return metadata


def namespace(org: Organization, config: OperatorConfig) -> Manifest:
    # The workers' pods meet the "restricted" Pod Security Standard; enforce it.
    extra = {
        "finsight.io/plan": org.spec.plan,
        "pod-security.kubernetes.io/enforce": "restricted",
    }
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": _metadata(org, namespace_name(org.slug, config), None, extra_labels=extra),
    }


def _secret(org: Organization, name: str, ns: str, data: dict[str, str]) -> Manifest:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": _metadata(org, name, ns, "credentials"),
        "data": {key: base64.b64encode(value.encode()).decode() for key, value in data.items()},
    }


def db_secret(
    org: Organization, config: OperatorConfig, credentials: WorkerCredentials
) -> Manifest:
    return _secret(
        org,
        DB_SECRET,
        namespace_name(org.slug, config),
        {
            "username": credentials.username,
            "password": credentials.password,
            "database-url": credentials.database_url,
            "redis-url": credentials.redis_url,
            "schema": TenantNames.for_slug(org.slug).schema,
            **(
                {"model-signing-key": credentials.model_signing_key}
                if credentials.model_signing_key
                else {}
            ),
        },
    )


def secret_value(secret: Manifest | None, key: str) -> str | None:
    if not secret:
        return None
    encoded = (secret.get("data") or {}).get(key)
    return base64.b64decode(encoded).decode() if encoded else None


def resource_quota(org: Organization, config: OperatorConfig) -> Manifest:
    return {
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": _metadata(org, QUOTA, namespace_name(org.slug, config)),
        "spec": {"hard": dict(org.limits.quota)},
    }


def _egress_to(cidrs: list[str]) -> list[dict[str, Any]]:
    return [{"ipBlock": {"cidr": cidr}} for cidr in cidrs]


def network_policy(
    org: Organization, config: OperatorConfig, *, postgres_port: int, redis_port: int
) -> Manifest:
    """Ingress only from the monitoring namespace to the workers' metrics port (none without a
    monitoring namespace); egress only to DNS, the PostgreSQL port and the Redis port."""
    dns = {
        "to": [
            {
                "namespaceSelector": {
                    "matchLabels": {"kubernetes.io/metadata.name": config.dns_namespace}
                },
                "podSelector": {"matchLabels": dict(config.dns_pod_labels)},
            }
        ],
        "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
    }
    postgres: dict[str, Any] = {"ports": [{"protocol": "TCP", "port": postgres_port}]}
    if config.postgres_egress_cidrs:
        postgres["to"] = _egress_to(config.postgres_egress_cidrs)
    redis: dict[str, Any] = {"ports": [{"protocol": "TCP", "port": redis_port}]}
    if config.redis_egress_cidrs:
        redis["to"] = _egress_to(config.redis_egress_cidrs)
    ingress: list[dict[str, Any]] = []
    if config.monitoring_namespace:
        ingress.append(
            {
                "from": [
                    {
                        "namespaceSelector": {
                            "matchLabels": {
                                "kubernetes.io/metadata.name": config.monitoring_namespace
                            }
                        }
                    }
                ],
                "ports": [{"protocol": "TCP", "port": config.worker_metrics_port}],
            }
        )
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": _metadata(org, NETWORK_POLICY, namespace_name(org.slug, config)),
        "spec": {
            "podSelector": {},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": ingress,
            "egress": [dns, postgres, redis],
        },
    }


def worker_resources(org: Organization, config: OperatorConfig) -> dict[str, dict[str, str]]:
    """The settings' defaults, overridden key by key by spec.workers.resources.

    All four values are always set: the namespace's ResourceQuota requires them."""
    result = {kind: dict(values) for kind, values in config.worker_resources.items()}
    chosen = org.spec.workers.resources
    if chosen is not None:
        for kind, values in (("requests", chosen.requests), ("limits", chosen.limits)):
            for name, value in values.model_dump(exclude_none=True).items():
                result.setdefault(kind, {})[name] = value
    return result


def _secret_env(name: str, key: str) -> dict[str, Any]:
    return {"name": name, "valueFrom": {"secretKeyRef": {"name": DB_SECRET, "key": key}}}


def worker_deployment(
    org: Organization, config: OperatorConfig, credentials: WorkerCredentials
) -> Manifest:
    queue = TenantNames.for_slug(org.slug).queue
    pod_labels = {LABEL_ORG: org.slug, LABEL_COMPONENT: "worker"}
    probe = {"exec": {"command": list(config.worker_probe_command)}}
    uid = config.worker_user_id
    container = {
        "name": "worker",
        "image": config.image,
        "imagePullPolicy": config.image_pull_policy,
        "command": [
            "finsight",
            "serve",
            "worker",
            "--queues",
            queue,
            "--metrics-port",
            str(config.worker_metrics_port),
            "--metrics-host",
            "0.0.0.0",  # noqa: S104 (the pod's own address; the NetworkPolicy guards it)
        ],
        "ports": [
            {"name": "metrics", "containerPort": config.worker_metrics_port, "protocol": "TCP"}
        ],
        "env": [
            {"name": "ENVIRONMENT", "value": "production"},
            {"name": "LOG_FORMAT", "value": "json"},
            _secret_env("DATABASE_URL", "database-url"),
            _secret_env("REDIS_URL", "redis-url"),
            *(
                [_secret_env("TENANT_MODEL_SIGNING_KEY", "model-signing-key")]
                if credentials.model_signing_key
                else []
            ),
        ],
        "resources": worker_resources(org, config),
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
            "capabilities": {"drop": ["ALL"]},
        },
        "livenessProbe": {
            **probe,
            "initialDelaySeconds": 30,
            "periodSeconds": 60,
            "timeoutSeconds": 20,
            "failureThreshold": 3,
        },
        "readinessProbe": {
            **probe,
            "initialDelaySeconds": 10,
            "periodSeconds": 30,
            "timeoutSeconds": 20,
            "failureThreshold": 3,
        },
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],  # noqa: S108 (an emptyDir)
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _metadata(org, WORKER, namespace_name(org.slug, config), "worker"),
        "spec": {
            "replicas": org.desired_replicas,
            "selector": {"matchLabels": pod_labels},
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0},
            },
            "template": {
                "metadata": {
                    "labels": {**labels(org.slug, "worker"), **pod_labels},
                    "annotations": {
                        CREDENTIALS_HASH: credentials.fingerprint,
                        # For Prometheus' annotation-based pod discovery.
                        "prometheus.io/scrape": "true",
                        "prometheus.io/port": str(config.worker_metrics_port),
                    },
                },
                "spec": {
                    "automountServiceAccountToken": False,
                    # Celery finishes the task in hand on SIGTERM (warm shutdown).
                    "terminationGracePeriodSeconds": 120,
                    "securityContext": {
                        "runAsNonRoot": True,
                        "runAsUser": uid,
                        "runAsGroup": uid,
                        "fsGroup": uid,
                        "seccompProfile": {"type": "RuntimeDefault"},
                    },
                    "containers": [container],
                    "volumes": [{"name": "tmp", "emptyDir": {}}],
                },
            },
        },
    }


def alert_rules(org: Organization, config: OperatorConfig) -> list[dict[str, Any]]:
    """The plan's default rules, then spec.alerting.rules (a rule of the same name replaces a
    default). Every rule carries the organization, so Alertmanager can route per tenant."""
    ns = namespace_name(org.slug, config)
    queue = TenantNames.for_slug(org.slug).queue
    tenant = {"organization": org.slug, "namespace": ns}
    rules: dict[str, dict[str, Any]] = {}
    if org.spec.alerting.defaults:
        failed = f'finsight_import_batches_total{{org="{org.slug}",status="failed"}}'
        rules["FinsightImportFailures"] = {
            # A series born by its first failure counts whole (increase() needs two samples).
            "expr": f"sum((increase({failed}[15m]) and {failed} offset 15m)"
            f" or ({failed} unless {failed} offset 15m)) > 0",
            "for": "1m",
            "severity": "warning",
            "summary": f"Imports are failing for organization {org.slug}",
        }
        if org.desired_replicas > 0:
            rules["FinsightWorkersDown"] = {
                "expr": f'(sum(kube_deployment_status_replicas_available{{namespace="{ns}",'
                f'deployment="{WORKER}"}}) or on() vector(0)) < 1',
                "for": "5m",
                "severity": "critical",
                "summary": f"No worker of organization {org.slug} is available",
            }
        rules["FinsightQueueBacklog"] = {
            # max, not sum: every api replica reads the same queue from Redis.
            "expr": f'max(finsight_queue_length{{queue="{queue}"}}) '
            f"> {org.limits.queue_backlog_threshold}",
            "for": "15m",
            "severity": "warning",
            "summary": f"Queue {queue} holds more than {org.limits.queue_backlog_threshold} tasks",
        }
    for rule in org.spec.alerting.rules:
        rules[rule.name] = {
            "expr": rule.expr,
            "for": rule.for_,
            "severity": rule.severity,
            "summary": rule.summary or rule.name,
        }
    return [
        {
            "alert": name,
            "expr": rule["expr"],
            "for": rule["for"],
            "labels": {"severity": rule["severity"], **tenant},
            "annotations": {"summary": rule["summary"]},
        }
        for name, rule in rules.items()
    ]


def _rule_groups(org: Organization, config: OperatorConfig) -> list[dict[str, Any]]:
    return [{"name": f"finsight-org-{org.slug}", "rules": alert_rules(org, config)}]


def prometheus_rule(org: Organization, config: OperatorConfig) -> Manifest:
    """For the Prometheus Operator; labelled so kube-prometheus-stack's ruleSelector picks it."""
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": _metadata(
            org,
            ALERT_RULES,
            namespace_name(org.slug, config),
            "alerting",
            extra_labels=dict(config.prometheus_rule_labels),
        ),
        "spec": {"groups": _rule_groups(org, config)},
    }


def alert_rules_configmap(org: Organization, config: OperatorConfig) -> Manifest:
    """Without the Prometheus Operator: a Prometheus rule file to mount or collect."""
    document = yaml.safe_dump({"groups": _rule_groups(org, config)}, sort_keys=False)
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": _metadata(org, ALERT_RULES, namespace_name(org.slug, config), "alerting"),
        "data": {ALERT_RULES_FILE: document},
    }
