"""An Organization resource's spec, read with the CRD's defaults and checked beyond its schema.

The API server applies the CRD's schema and defaults; this model applies them again so the
operator never trusts that (an older CRD, or a test server, may not), and adds what a schema
cannot say: a known database cluster, a valid owner address, replicas within the plan.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from finsight.alerts.rules import validate_params
from finsight.errors import InvalidInput
from finsight.tenancy import validate_slug
from finsight.users.service import normalize_email

GROUP = "finsight.io"
VERSION = "v1"
PLURAL = "organizations"
KIND = "Organization"

QUANTITY = r"^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"
DURATION = r"^([0-9]+(ms|s|m|h|d|w|y))+$"
ALERT_NAME = r"^[A-Z][A-Za-z0-9]*$"

# The same names as finsight.organizations.service.PLANS (a test keeps them equal).
Plan = Literal["free", "standard", "enterprise"]


@dataclass(frozen=True)
class PlanLimits:
    """What a plan buys in Kubernetes: the namespace's quota and the alert thresholds."""

    max_workers: int
    quota: Mapping[str, str]
    queue_backlog_threshold: int


PLAN_LIMITS: dict[str, PlanLimits] = {
    "free": PlanLimits(
        max_workers=1,
        quota={
            "pods": "2",
            "requests.cpu": "500m",
            "requests.memory": "512Mi",
            "limits.cpu": "1",
            "limits.memory": "1Gi",
        },
        queue_backlog_threshold=100,
    ),
    "standard": PlanLimits(
        max_workers=5,
        quota={
            "pods": "10",
            "requests.cpu": "2",
            "requests.memory": "4Gi",
            "limits.cpu": "4",
            "limits.memory": "8Gi",
        },
        queue_backlog_threshold=1000,
    ),
    "enterprise": PlanLimits(
        max_workers=20,
        quota={
            "pods": "50",
            "requests.cpu": "16",
            "requests.memory": "32Gi",
            "limits.cpu": "32",
            "limits.memory": "64Gi",
        },
        queue_backlog_threshold=10000,
    ),
}


class InvalidSpec(Exception):
    """The resource asks for something the operator will not do until it is changed."""

    def __init__(self, reason: str, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.reason = reason
        self.field = field
        self.message = f"{field}: {message}"


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True, frozen=True)


class ResourceList(_Model):
    cpu: str | None = Field(default=None, pattern=QUANTITY)
    memory: str | None = Field(default=None, pattern=QUANTITY)


class Resources(_Model):
    requests: ResourceList = ResourceList()
    limits: ResourceList = ResourceList()


class Workers(_Model):
    replicas: int = Field(default=1, ge=0, le=20)
    resources: Resources | None = None


class Database(_Model):
    cluster: str = Field(default="default", min_length=1)


class AlertRule(_Model):
    name: str = Field(pattern=ALERT_NAME, max_length=63)
    expr: str = Field(min_length=1)
    for_: str = Field(default="5m", alias="for", pattern=DURATION)
    severity: Literal["info", "warning", "critical"] = "warning"
    summary: str = ""


class FinancialRule(_Model):
    """A rule on the organization's money, synced into its alert rules (finsight.alerts),
    managed by the cluster: read-only in the dashboard."""

    name: str = Field(min_length=1, max_length=200)
    kind: str = Field(min_length=1, max_length=40)
    severity: Literal["info", "warning", "critical"] = "warning"
    enabled: bool = True
    params: dict[str, Any] = Field(default_factory=dict)
    repeat_interval_minutes: int = Field(default=240, ge=5, le=10080, alias="repeatIntervalMinutes")


class Alerting(_Model):
    # The plan's default rules (import failures, workers down, queue backlog).
    defaults: bool = True
    rules: tuple[AlertRule, ...] = ()
    financial_rules: tuple[FinancialRule, ...] = Field(default=(), alias="financialRules")


class OrganizationSpecModel(_Model):
    display_name: str | None = Field(default=None, alias="displayName")
    plan: Plan = "standard"
    owner: str = Field(min_length=3)
    database: Database = Database()
    workers: Workers = Workers()
    alerting: Alerting = Alerting()
    deletion_policy: Literal["Retain", "Delete"] = Field(default="Retain", alias="deletionPolicy")
    suspended: bool = False


@dataclass(frozen=True)
class Organization:
    """What the operator needs from one Organization resource."""

    slug: str
    uid: str | None
    generation: int | None
    spec: OrganizationSpecModel

    @property
    def display_name(self) -> str:
        return self.spec.display_name or self.slug

    @property
    def limits(self) -> PlanLimits:
        return PLAN_LIMITS[self.spec.plan]

    @property
    def desired_replicas(self) -> int:
        return 0 if self.spec.suspended else self.spec.workers.replicas


def _field_path(location: tuple[int | str, ...]) -> str:
    path = "spec"
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def parse_organization(body: Mapping[str, Any], known_clusters: set[str]) -> Organization:
    """Read and check an Organization; raises InvalidSpec naming the first bad field."""
    metadata = body.get("metadata") or {}
    slug = str(metadata.get("name", ""))
    try:
        validate_slug(slug)
    except InvalidInput as exc:
        raise InvalidSpec("InvalidName", "metadata.name", exc.detail) from None
    try:
        spec = OrganizationSpecModel.model_validate(dict(body.get("spec") or {}))
    except ValidationError as exc:
        error = exc.errors()[0]
        raise InvalidSpec("InvalidSpec", _field_path(error["loc"]), error["msg"]) from None
    try:
        normalize_email(spec.owner)
    except InvalidInput as exc:
        raise InvalidSpec("InvalidOwner", "spec.owner", exc.detail) from None
    if spec.database.cluster not in known_clusters:
        raise InvalidSpec(
            "UnknownDatabaseCluster",
            "spec.database.cluster",
            f"unknown database cluster {spec.database.cluster!r}; the operator knows "
            f"{', '.join(sorted(known_clusters))} (configure DATABASE_CLUSTERS)",
        )
    for index, rule in enumerate(spec.alerting.financial_rules):
        try:
            validate_params(rule.kind, rule.params)
        except InvalidInput as exc:
            where = (exc.errors[0].get("field") if exc.errors else None) or "params"
            raise InvalidSpec(
                "InvalidAlertRule", f"spec.alerting.financialRules[{index}].{where}", exc.detail
            ) from None
    limit = PLAN_LIMITS[spec.plan].max_workers
    if spec.workers.replicas > limit:
        raise InvalidSpec(
            "PlanLimitExceeded",
            "spec.workers.replicas",
            f"{spec.workers.replicas} workers exceed the {spec.plan} plan's {limit}",
        )
    generation = metadata.get("generation")
    return Organization(
        slug=slug,
        uid=metadata.get("uid"),
        generation=int(generation) if generation is not None else None,
        spec=spec,
    )
