"""The pure manifest builders, the spec reader and the status rules."""

from __future__ import annotations

import base64
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from finsight.organizations.service import PLANS
from finsight_operator import builders
from finsight_operator.kube import contains
from finsight_operator.settings import OperatorConfig
from finsight_operator.spec import PLAN_LIMITS, InvalidSpec, Organization, parse_organization
from finsight_operator.status import (
    READY,
    WORKERS_READY,
    Condition,
    merge_conditions,
    phase_for,
    ready_condition,
)

ROOT = Path(__file__).resolve().parents[2]
KUBERNETES_VERSION = "1.35"
CLUSTERS = {"default"}


def org(spec: dict | None = None, name: str = "acme") -> Organization:
    body = {
        "metadata": {"name": name, "uid": "11111111-2222-3333-4444-555555555555", "generation": 3},
        "spec": {"owner": "owner@acme.example", **(spec or {})},
    }
    return parse_organization(body, CLUSTERS)


CONFIG = OperatorConfig(image="registry.example/finsight:1.2.3")
CREDENTIALS = builders.WorkerCredentials(
    username="org_acme_worker",
    password="s3cret-password",
    database_url="postgresql://org_acme_worker:s3cret-password@db:5432/finsight",
    redis_url="redis://redis:6379/0",
)


def all_manifests(organization: Organization) -> list[dict]:
    return [
        builders.namespace(organization, CONFIG),
        builders.db_secret(organization, CONFIG, CREDENTIALS),
        builders.resource_quota(organization, CONFIG),
        builders.network_policy(organization, CONFIG, postgres_port=5432, redis_port=6379),
        builders.worker_deployment(organization, CONFIG, CREDENTIALS),
        builders.alert_rules_configmap(organization, CONFIG),
    ]


def test_every_manifest_is_valid_kubernetes_and_owned_by_the_organization():
    organization = org({"workers": {"replicas": 2}})
    for manifest in all_manifests(organization):
        kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)
        metadata = manifest["metadata"]
        assert metadata["labels"]["finsight.io/organization"] == "acme"
        assert metadata["ownerReferences"] == [
            {
                "apiVersion": "finsight.io/v1",
                "kind": "Organization",
                "name": "acme",
                "uid": "11111111-2222-3333-4444-555555555555",
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ]
        if manifest["kind"] != "Namespace":
            assert metadata["namespace"] == "org-acme"


def test_worker_deployment_runs_the_tenant_queue_unprivileged():
    deployment = builders.worker_deployment(org({"workers": {"replicas": 2}}), CONFIG, CREDENTIALS)
    assert deployment["spec"]["replicas"] == 2
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert container["image"] == "registry.example/finsight:1.2.3"
    assert container["command"][:5] == ["finsight", "serve", "worker", "--queues", "org.acme"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["automountServiceAccountToken"] is False
    assert container["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "capabilities": {"drop": ["ALL"]},
    }
    env = {e["name"]: e for e in container["env"]}
    # Credentials come from the Secret, never inline.
    assert env["DATABASE_URL"]["valueFrom"]["secretKeyRef"] == {
        "name": "db-credentials",
        "key": "database-url",
    }
    assert "s3cret" not in str(deployment)
    assert container["livenessProbe"]["exec"]["command"] == CONFIG.worker_probe_command


def test_suspension_scales_to_zero_and_drops_the_workers_down_alert():
    suspended = org({"suspended": True, "workers": {"replicas": 3}})
    assert builders.worker_deployment(suspended, CONFIG, CREDENTIALS)["spec"]["replicas"] == 0
    names = {rule["alert"] for rule in builders.alert_rules(suspended, CONFIG)}
    assert names == {"FinsightImportFailures", "FinsightQueueBacklog"}


def test_worker_resources_are_the_defaults_overridden_key_by_key():
    organization = org({"workers": {"resources": {"limits": {"memory": "2Gi"}}}})
    assert builders.worker_resources(organization, CONFIG) == {
        "requests": {"cpu": "100m", "memory": "256Mi"},
        "limits": {"cpu": "500m", "memory": "2Gi"},
    }


def test_credentials_fingerprint_changes_with_the_password_and_hides_it():
    other = builders.WorkerCredentials(
        CREDENTIALS.username, "another", CREDENTIALS.database_url, CREDENTIALS.redis_url
    )
    assert CREDENTIALS.fingerprint != other.fingerprint
    assert "s3cret" not in CREDENTIALS.fingerprint
    secret = builders.db_secret(org(), CONFIG, CREDENTIALS)
    assert base64.b64decode(secret["data"]["password"]).decode() == "s3cret-password"
    assert builders.secret_value(secret, "username") == "org_acme_worker"


@pytest.mark.parametrize("plan", PLANS)
def test_quota_follows_the_plan(plan):
    quota = builders.resource_quota(org({"plan": plan}), CONFIG)
    assert quota["spec"]["hard"] == dict(PLAN_LIMITS[plan].quota)


def test_network_policy_allows_only_dns_postgres_and_redis():
    config = OperatorConfig(postgres_egress_cidrs=["10.0.5.0/24"], monitoring_namespace="")
    policy = builders.network_policy(org(), config, postgres_port=6432, redis_port=6380)["spec"]
    assert policy["ingress"] == []
    dns, postgres, redis = policy["egress"]
    assert {p["port"] for p in dns["ports"]} == {53}
    assert postgres == {
        "ports": [{"protocol": "TCP", "port": 6432}],
        "to": [{"ipBlock": {"cidr": "10.0.5.0/24"}}],
    }
    assert redis == {"ports": [{"protocol": "TCP", "port": 6380}]}


def test_alert_rules_combine_plan_defaults_with_the_spec():
    organization = org(
        {
            "plan": "free",
            "alerting": {
                "rules": [
                    {"name": "FinsightQueueBacklog", "expr": "vector(1)", "severity": "critical"},
                    {"name": "BigSpend", "expr": "sum(x) > 5", "for": "1h"},
                ]
            },
        }
    )
    rules = {r["alert"]: r for r in builders.alert_rules(organization, CONFIG)}
    assert set(rules) == {
        "FinsightImportFailures",
        "FinsightWorkersDown",
        "FinsightQueueBacklog",
        "BigSpend",
    }
    assert rules["FinsightQueueBacklog"]["expr"] == "vector(1)"  # replaced by the spec
    assert rules["BigSpend"]["for"] == "1h"
    assert rules["BigSpend"]["labels"] == {
        "severity": "warning",
        "organization": "acme",
        "namespace": "org-acme",
    }
    assert 'org="acme"' in rules["FinsightImportFailures"]["expr"]
    without = org({"alerting": {"defaults": False}})
    assert builders.alert_rules(without, CONFIG) == []


def test_alert_rules_as_prometheus_rule_and_as_rule_file():
    organization = org()
    rule = builders.prometheus_rule(organization, CONFIG)
    assert rule["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    configmap = builders.alert_rules_configmap(organization, CONFIG)
    document = yaml.safe_load(configmap["data"]["finsight-alerts.yaml"])
    assert document == {"groups": rule["spec"]["groups"]}


# --- the spec ----------------------------------------------------------------------------------


def test_spec_defaults_are_the_crds():
    organization = org()
    spec = organization.spec
    assert (spec.plan, spec.database.cluster, spec.workers.replicas) == ("standard", "default", 1)
    assert (spec.deletion_policy, spec.suspended, spec.alerting.defaults) == ("Retain", False, True)
    assert organization.display_name == "acme"
    assert organization.generation == 3


@pytest.mark.parametrize(
    ("name", "spec", "reason", "field"),
    [
        ("Bad_Name", {}, "InvalidName", "metadata.name"),
        ("acme", {"owner": "not-an-email"}, "InvalidOwner", "spec.owner"),
        ("acme", {"plan": "gold"}, "InvalidSpec", "spec.plan"),
        ("acme", {"workers": {"replicas": -1}}, "InvalidSpec", "spec.workers.replicas"),
        (
            "acme",
            {"database": {"cluster": "eu-2"}},
            "UnknownDatabaseCluster",
            "spec.database.cluster",
        ),
        (
            "acme",
            {"plan": "free", "workers": {"replicas": 2}},
            "PlanLimitExceeded",
            "spec.workers.replicas",
        ),
        (
            "acme",
            {"alerting": {"rules": [{"name": "lower", "expr": "x"}]}},
            "InvalidSpec",
            "spec.alerting.rules[0].name",
        ),
    ],
)
def test_invalid_spec_names_the_field(name, spec, reason, field):
    with pytest.raises(InvalidSpec) as caught:
        org(spec, name=name)
    assert caught.value.reason == reason
    assert caught.value.field == field
    assert caught.value.message.startswith(field)


def test_plans_are_the_platforms():
    assert set(PLAN_LIMITS) == set(PLANS)


# --- status ------------------------------------------------------------------------------------


def test_conditions_keep_their_transition_time_until_their_status_changes():
    first = merge_conditions(
        [], [Condition(READY, "False", "Provisioning")], generation=1, now="2026-01-01T00:00:00Z"
    )
    same = merge_conditions(
        first,
        [Condition(READY, "False", "WorkersProgressing", "0/1")],
        generation=2,
        now="2026-01-01T00:05:00Z",
    )
    assert same[0]["lastTransitionTime"] == "2026-01-01T00:00:00Z"
    assert same[0]["reason"] == "WorkersProgressing"
    assert same[0]["observedGeneration"] == 2
    flipped = merge_conditions(
        same, [Condition(READY, "True", "Provisioned")], generation=2, now="2026-01-01T00:09:00Z"
    )
    assert flipped[0]["lastTransitionTime"] == "2026-01-01T00:09:00Z"


def test_ready_only_when_every_part_is():
    parts = [
        Condition("DatabaseReady", "True", "Provisioned"),
        Condition(WORKERS_READY, "False", "WorkersProgressing", "0/2 workers available"),
    ]
    ready = ready_condition(parts, suspended=False)
    assert (ready.status, ready.reason) == ("False", "WorkersProgressing")
    assert phase_for([*parts, ready], suspended=False) == "Provisioning"
    done = ready_condition([parts[0]], suspended=False)
    assert done.status == "True"
    assert phase_for([done], suspended=False) == "Ready"
    assert ready_condition([parts[0]], suspended=True).reason == "Suspended"


def test_example_is_a_valid_organization():
    example = yaml.safe_load((ROOT / "examples" / "organization.yaml").read_text())
    organization = parse_organization(example, CLUSTERS)
    assert organization.spec.workers.replicas == 2
    for manifest in all_manifests(organization):
        kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)


def test_network_policy_lets_the_monitoring_namespace_scrape_the_workers():
    config = OperatorConfig(monitoring_namespace="observability", worker_metrics_port=9900)
    policy = builders.network_policy(org(), config, postgres_port=5432, redis_port=6379)["spec"]
    assert policy["ingress"] == [
        {
            "from": [
                {
                    "namespaceSelector": {
                        "matchLabels": {"kubernetes.io/metadata.name": "observability"}
                    }
                }
            ],
            "ports": [{"protocol": "TCP", "port": 9900}],
        }
    ]
    credentials = builders.WorkerCredentials("u", "p", "postgresql://x/y", "redis://r:6379/0")
    container = builders.worker_deployment(org(), config, credentials)["spec"]["template"]["spec"][
        "containers"
    ][0]
    assert container["command"][-4:] == ["--metrics-port", "9900", "--metrics-host", "0.0.0.0"]
    assert container["ports"] == [{"name": "metrics", "containerPort": 9900, "protocol": "TCP"}]


@pytest.mark.parametrize(
    ("live", "desired", "same"),
    [
        ({"spec": {"egress": [1]}}, {"spec": {"ingress": [], "egress": [1]}}, True),
        ({"spec": {}}, {"spec": {"selector": {}}}, True),
        ({"spec": {"ingress": [1]}}, {"spec": {"ingress": []}}, False),
        (
            {"r": {"requests": {"cpu": "250m", "memory": "1Gi"}}},
            {"r": {"requests": {"cpu": "0.25", "memory": "1024Mi"}}},
            True,
        ),
        ({"r": {"limits": {"cpu": "300m"}}}, {"r": {"limits": {"cpu": "0.25"}}}, False),
        (
            {"spec": {"hard": {"limits.memory": "1Gi"}}},
            {"spec": {"hard": {"limits.memory": "1024Mi"}}},
            True,
        ),
        # Only resource maps hold quantities: elsewhere "1" and "1.0" are different strings.
        ({"env": {"value": "1"}}, {"env": {"value": "1.0"}}, False),
    ],
)
def test_live_objects_match_what_the_server_makes_of_the_manifest(live, desired, same):
    assert contains(live, desired) is same
