"""The operator's own settings: environment variables with the prefix `OPERATOR_`.

Database and Redis URLs are the platform's (DATABASE_URL, DATABASE_CLUSTERS, REDIS_URL in
finsight.config); these only say how tenants' Kubernetes objects are shaped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from finsight import __version__

DEFAULT_WORKER_RESOURCES = {
    "requests": {"cpu": "100m", "memory": "256Mi"},
    "limits": {"cpu": "500m", "memory": "512Mi"},
}


class OperatorConfig(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="OPERATOR_", env_file=".env", extra="ignore", case_sensitive=False
    )

    # --- the workers' Deployment ------------------------------------------------------------
    image: str = f"ghcr.io/finsight/finsight:{__version__}"
    image_pull_policy: Literal["Always", "IfNotPresent", "Never"] = "IfNotPresent"
    namespace_prefix: str = "org-"
    # Used unless an Organization sets spec.workers.resources.
    worker_resources: dict[str, dict[str, str]] = Field(
        default_factory=lambda: {k: dict(v) for k, v in DEFAULT_WORKER_RESOURCES.items()}
    )
    worker_user_id: int = 10001
    # Liveness: the worker answers a Celery ping on its own node name.
    worker_probe_command: list[str] = Field(
        default_factory=lambda: [
            "sh",
            "-c",
            'celery --app finsight.worker.app:celery_app --broker "$REDIS_URL" inspect ping'
            " --destination celery@$HOSTNAME --timeout 10",
        ]
    )
    # The Redis URL the tenant's workers use; unset: the platform's REDIS_URL.
    worker_redis_url: str | None = None
    # Workers serve Prometheus metrics here (`finsight serve worker --metrics-port`).
    worker_metrics_port: int = 9808

    # --- monitoring: Prometheus in this namespace may scrape the workers' metrics port ---------
    # Empty: the tenant's NetworkPolicy admits no ingress at all.
    monitoring_namespace: str = "monitoring"

    # --- NetworkPolicy: egress only to PostgreSQL, Redis and DNS ------------------------------
    # Empty: any destination on the PostgreSQL / Redis port (ports come from the URLs).
    postgres_egress_cidrs: list[str] = Field(default_factory=list)
    redis_egress_cidrs: list[str] = Field(default_factory=list)
    dns_namespace: str = "kube-system"
    dns_pod_labels: dict[str, str] = Field(default_factory=lambda: {"k8s-app": "kube-dns"})

    # --- alert rules -----------------------------------------------------------------------
    # kube-prometheus-stack's default ruleSelector matches its Helm release name.
    prometheus_rule_labels: dict[str, str] = Field(
        default_factory=lambda: {"release": "kube-prometheus-stack"}
    )

    # --- behaviour -------------------------------------------------------------------------
    # Read when finsight_operator.main is imported (kopf registers timers at import).
    drift_interval_seconds: float = 60.0
    # Transient failures (database, API server) retry after base * 2**attempt, capped.
    retry_base_seconds: float = 2.0
    retry_max_seconds: float = 300.0
    # Threads for the (synchronous) handlers: provisioning runs in parallel up to this.
    max_workers: int = 16
    metrics_port: int = 8082
    field_manager: str = "finsight-operator"
    # Server-side apply the CRDs in crd_dir at start (the chart's operator.manageCRDs): Helm
    # installs crds/ once and never upgrades them.
    manage_crds: bool = False
    crd_dir: Path | None = None
