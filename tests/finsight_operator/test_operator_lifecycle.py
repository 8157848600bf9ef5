"""The operator end to end: Organization resources in an emulated API server, tenants in the
suite's real PostgreSQL. Assertions are on end state (kopf may run a handler twice)."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import ProgrammingError

from finsight.config import get_settings
from finsight.crypto.derived import tenant_model_signing_key
from finsight.db import get_engine, platform_session
from finsight.notifications.models import EmailOutbox
from finsight.organizations.models import Invitation, Membership
from finsight.organizations.service import find_organization
from finsight.tenancy import TenantNames, inspect_tenant
from finsight.users.service import find_user_by_email
from finsight_operator.kube import (
    CONFIG_MAP,
    DEPLOYMENT,
    NAMESPACE,
    NETWORK_POLICY,
    PROMETHEUS_RULE,
    RESOURCE_QUOTA,
    SECRET,
)

from support.kube_emulator import KubeEmulator, wait_for

pytestmark = pytest.mark.integration


def secret_data(kube: KubeEmulator, namespace: str, name: str) -> dict[str, str]:
    secret = kube.client().get(SECRET, name, namespace)
    assert secret is not None, f"Secret {namespace}/{name} is missing"
    return {key: base64.b64decode(value).decode() for key, value in secret["data"].items()}


def conditions(org: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["type"]: c for c in org["status"]["conditions"]}


def tenant_state(slug: str) -> Any:
    with get_engine().connect() as connection:
        return inspect_tenant(connection, slug)


def test_create_provisions_the_tenant_and_reports_ready(kube, operator, unique_slug):
    owner = f"owner-{unique_slug}@example.com"
    kube.create_organization(
        unique_slug,
        {
            "displayName": "Acme Ltd",
            "plan": "standard",
            "owner": owner,
            "workers": {"replicas": 2},
        },
    )
    org = kube.wait_for_phase(unique_slug, "Ready")

    names = TenantNames.for_slug(unique_slug)
    namespace = f"org-{unique_slug}"
    status = org["status"]
    assert status["schema"] == names.schema
    assert status["namespace"] == namespace
    assert status["observedGeneration"] == 1
    found = conditions(org)
    assert set(found) == {"DatabaseReady", "WorkersReady", "AlertRulesReady", "Ready"}
    assert all(c["status"] == "True" for c in found.values()), found
    assert all(c["observedGeneration"] == 1 and c["lastTransitionTime"] for c in found.values())

    # Database: schema, NOLOGIN owner role, LOGIN worker role.
    state = tenant_state(unique_slug)
    assert state.ready and state.worker_role_exists
    with get_engine().connect() as connection:
        logins = dict(
            connection.execute(
                text("SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname IN (:r, :w)"),
                {"r": names.role, "w": names.worker_role},
            ).all()
        )
    assert logins == {names.role: False, names.worker_role: True}

    # Platform records: the API and dashboard know it at once.
    with platform_session() as session:
        record = find_organization(session, unique_slug)
        assert record is not None
        assert (record.name, record.plan, record.status) == ("Acme Ltd", "standard", "active")
        assert status["organizationId"] == str(record.id)
        # The owner is invited by email, like anyone: no account, no password chosen for them.
        assert find_user_by_email(session, owner) is None
        assert session.query(Membership).filter_by(org_id=record.id).count() == 0
        [invitation] = session.query(Invitation).filter_by(org_id=record.id).all()
        assert (invitation.email, invitation.role.name, invitation.status) == (
            owner,
            "owner",
            "pending",
        )
        [mail] = session.query(EmailOutbox).filter_by(to_address=owner).all()
        assert mail.kind == "invitation" and mail.sensitive
        # A worker may have delivered it already, erasing the body that held the single-use link.
        assert "/invitations/accept?token=" in mail.text_body or mail.status == "sent"

    # Kubernetes objects, all in the tenant's namespace and owned by the Organization.
    client = kube.client()
    ns = client.get(NAMESPACE, namespace)
    assert ns is not None
    assert ns["metadata"]["labels"]["finsight.io/organization"] == unique_slug
    assert ns["metadata"]["ownerReferences"][0]["uid"] == org["metadata"]["uid"]

    assert client.get(SECRET, "owner-credentials", namespace) is None

    credentials = secret_data(kube, namespace, "db-credentials")
    assert credentials["username"] == names.worker_role
    assert credentials["schema"] == names.schema
    assert f"{names.worker_role}:" in credentials["database-url"]

    deployment = client.get(DEPLOYMENT, "finsight-worker", namespace)
    assert deployment is not None
    assert deployment["spec"]["replicas"] == 2
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["command"][:5] == [
        "finsight",
        "serve",
        "worker",
        "--queues",
        f"org.{unique_slug}",
    ]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert deployment["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] is True
    assert container["livenessProbe"] and container["readinessProbe"]

    quota = client.get(RESOURCE_QUOTA, "finsight-quota", namespace)
    assert quota is not None and quota["spec"]["hard"]["pods"] == "10"
    policy = client.get(NETWORK_POLICY, "finsight-egress", namespace)
    assert policy is not None and policy["spec"]["policyTypes"] == ["Ingress", "Egress"]
    rules = client.get(CONFIG_MAP, "finsight-alerts", namespace)
    assert rules is not None
    assert "FinsightWorkersDown" in rules["data"]["finsight-alerts.yaml"]

    reasons = {event["reason"] for event in kube.events(unique_slug)}
    assert {"Provisioned", "OwnerInvited"} <= reasons


def test_worker_login_reaches_only_its_own_schema(kube, operator, unique_slug):
    """Two organizations: separate schemas, and each worker login is confined to its own."""
    first, second = unique_slug + "a", unique_slug + "b"
    for slug in (first, second):
        kube.create_organization(slug, {"owner": f"owner@{slug}.example.com"})
    for slug in (first, second):
        kube.wait_for_phase(slug, "Ready")

    schemas = {kube.organization(slug)["status"]["schema"] for slug in (first, second)}
    assert schemas == {TenantNames.for_slug(first).schema, TenantNames.for_slug(second).schema}
    url = secret_data(kube, f"org-{first}", "db-credentials")["database-url"]
    assert url != secret_data(kube, f"org-{second}", "db-credentials")["database-url"]
    # Each worker gets its own organization's model-signing key, derived from the platform's
    # root (which stays out of tenant namespaces): it cannot sign another tenant's models.
    root = get_settings().model_signing_root()
    for slug in (first, second):
        schema = TenantNames.for_slug(slug).schema
        key = secret_data(kube, f"org-{slug}", "db-credentials")["model-signing-key"]
        assert key == tenant_model_signing_key(root, schema) and root not in key
    deployment = kube.client().get(DEPLOYMENT, "finsight-worker", f"org-{first}")
    env = {e["name"]: e for e in deployment["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["TENANT_MODEL_SIGNING_KEY"]["valueFrom"]["secretKeyRef"] == {
        "name": "db-credentials",
        "key": "model-signing-key",
    }
    assert "JWT_SECRET" not in env and "MODEL_SIGNING_KEY" not in env

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            # The worker's own tables, through its search_path.
            assert connection.execute(text("SELECT count(*) FROM categories")).scalar() > 0
            other = TenantNames.for_slug(second).schema
            with pytest.raises(ProgrammingError, match="permission denied"):
                connection.execute(text(f"SELECT count(*) FROM {other}.categories"))
    finally:
        engine.dispose()


def test_updates_to_replicas_plan_and_alert_rules_are_applied(
    kube_with_prometheus, operator_with_prometheus, unique_slug
):
    kube = kube_with_prometheus
    namespace = f"org-{unique_slug}"
    kube.create_organization(unique_slug, {"owner": f"owner@{unique_slug}.example.com"})
    kube.wait_for_phase(unique_slug, "Ready")
    client = kube.client()
    rule = client.get(PROMETHEUS_RULE, "finsight-alerts", namespace)
    assert rule is not None
    assert rule["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    assert client.get(CONFIG_MAP, "finsight-alerts", namespace) is None

    kube.patch_organization(
        unique_slug,
        {
            "plan": "enterprise",
            "workers": {"replicas": 3},
            "alerting": {
                "rules": [
                    {
                        "name": "LargeCardSpend",
                        "expr": "sum(finsight_card_spend) > 1000",
                        "for": "10m",
                        "severity": "critical",
                        "summary": "big spend",
                    }
                ]
            },
        },
    )
    kube.wait_for_organization(
        unique_slug,
        lambda org: (
            org["status"].get("observedGeneration") == 2 and org["status"]["phase"] == "Ready"
        ),
        what="generation 2 to be Ready",
    )
    deployment = client.get(DEPLOYMENT, "finsight-worker", namespace)
    assert deployment["spec"]["replicas"] == 3
    rules = client.get(PROMETHEUS_RULE, "finsight-alerts", namespace)["spec"]["groups"][0]["rules"]
    by_name = {r["alert"]: r for r in rules}
    assert by_name["LargeCardSpend"]["labels"]["severity"] == "critical"
    assert by_name["LargeCardSpend"]["for"] == "10m"
    assert "FinsightQueueBacklog" in by_name  # the plan's defaults stay
    assert "> 10000" in by_name["FinsightQueueBacklog"]["expr"]  # enterprise threshold
    quota = client.get(RESOURCE_QUOTA, "finsight-quota", namespace)
    assert quota["spec"]["hard"]["pods"] == "50"
    with platform_session() as session:
        assert find_organization(session, unique_slug).plan == "enterprise"


def test_suspension_stops_workers_and_sign_ins_and_resumes(kube, operator, unique_slug):
    namespace = f"org-{unique_slug}"
    kube.create_organization(unique_slug, {"owner": f"owner@{unique_slug}.example.com"})
    kube.wait_for_phase(unique_slug, "Ready")

    kube.patch_organization(unique_slug, {"suspended": True})
    org = kube.wait_for_phase(unique_slug, "Suspended")
    assert conditions(org)["Ready"]["reason"] == "Suspended"
    assert conditions(org)["Ready"]["status"] == "False"
    assert kube.client().get(DEPLOYMENT, "finsight-worker", namespace)["spec"]["replicas"] == 0
    with platform_session() as session:
        assert find_organization(session, unique_slug).status == "suspended"
    rules = kube.client().get(CONFIG_MAP, "finsight-alerts", namespace)["data"]
    assert "FinsightWorkersDown" not in rules["finsight-alerts.yaml"]

    kube.patch_organization(unique_slug, {"suspended": False})
    kube.wait_for_phase(unique_slug, "Ready")
    assert kube.client().get(DEPLOYMENT, "finsight-worker", namespace)["spec"]["replicas"] == 1
    with platform_session() as session:
        assert find_organization(session, unique_slug).status == "active"


def test_invalid_spec_is_a_condition_not_a_retry_loop(kube, operator, unique_slug):
    kube.create_organization(
        unique_slug,
        {
            "owner": f"owner@{unique_slug}.example.com",
            "plan": "free",
            "workers": {"replicas": 3},
        },
    )
    # The handler finishes (kopf records the spec as handled, keeps no retry pending)...
    org = kube.wait_for_organization(
        unique_slug,
        lambda o: (
            (o.get("status") or {}).get("phase") == "Invalid"
            and "finsight.io/last-handled-configuration" in o["metadata"].get("annotations", {})
        ),
        what="the invalid spec to be handled",
    )
    assert not any(
        key.startswith("finsight.io/reconcile") for key in org["metadata"]["annotations"]
    )
    ready = conditions(org)["Ready"]
    assert ready["status"] == "False"
    assert ready["reason"] == "PlanLimitExceeded"
    assert "spec.workers.replicas" in ready["message"]
    # ... and nothing was provisioned.
    assert not tenant_state(unique_slug).schema_exists
    assert kube.client().get(NAMESPACE, f"org-{unique_slug}") is None
    assert "PlanLimitExceeded" in {event["reason"] for event in kube.events(unique_slug)}

    kube.patch_organization(unique_slug, {"workers": {"replicas": 1}})
    kube.wait_for_phase(unique_slug, "Ready")


def test_unknown_database_cluster_is_reported(kube, operator, unique_slug):
    kube.create_organization(
        unique_slug,
        {
            "owner": f"owner@{unique_slug}.example.com",
            "database": {"cluster": "nowhere"},
        },
    )
    org = kube.wait_for_phase(unique_slug, "Invalid")
    ready = conditions(org)["Ready"]
    assert ready["reason"] == "UnknownDatabaseCluster"
    assert "'nowhere'" in ready["message"] and "DATABASE_CLUSTERS" in ready["message"]


@pytest.mark.parametrize("policy", ["Retain", "Delete"])
def test_delete_follows_the_deletion_policy(kube, operator, unique_slug, policy):
    names = TenantNames.for_slug(unique_slug)
    kube.create_organization(
        unique_slug,
        {
            "owner": f"owner@{unique_slug}.example.com",
            "deletionPolicy": policy,
        },
    )
    org = kube.wait_for_phase(unique_slug, "Ready")
    assert "finsight.io/organization" in org["metadata"]["finalizers"]

    assert kube.delete_organization(unique_slug)
    wait_for(lambda: kube.organization(unique_slug) is None, what="the finalizer's release")

    assert kube.client().get(NAMESPACE, f"org-{unique_slug}") is None
    state = tenant_state(unique_slug)
    assert not (state.schema_exists or state.role_exists or state.worker_role_exists)
    with get_engine().connect() as connection:
        archived = (
            connection.execute(
                text("SELECT nspname FROM pg_namespace WHERE nspname LIKE :p"),
                {"p": f"archived_{names.schema}_%"},
            )
            .scalars()
            .all()
        )
    if policy == "Retain":
        assert len(archived) == 1
        with get_engine().connect() as connection:
            count = connection.execute(text(f"SELECT count(*) FROM {archived[0]}.categories"))
            assert count.scalar() > 0
    else:
        assert archived == []
    with platform_session() as session:
        assert find_organization(session, unique_slug) is None
    assert "Deleted" in {event["reason"] for event in kube.events(unique_slug)}
