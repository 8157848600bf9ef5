"""The operator keeps the tenant as specified: drift is repaired, the status follows the
workers, and an operator stopped half-way converges when it starts again."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import text

from finsight.db import get_engine, get_migration_engine
from finsight.tenancy import TenantNames, inspect_tenant
from finsight_operator import builders
from finsight_operator.handlers.reconcile import TransientFailure
from finsight_operator.kube import DEPLOYMENT, NETWORK_POLICY, ORGANIZATION, SECRET

from support.kube_emulator import wait_for

pytestmark = pytest.mark.integration


def password_in(kube, namespace: str) -> str | None:
    secret = kube.client().get(SECRET, "db-credentials", namespace)
    return base64.b64decode(secret["data"]["password"]).decode() if secret else None


def role_has_password(role: str, password: str) -> bool:
    """Check a password against PostgreSQL's SCRAM-SHA-256 verifier of the role (RFC 5802)."""
    with get_migration_engine().connect() as connection:  # pg_authid: superuser only
        verifier = connection.execute(
            text("SELECT rolpassword FROM pg_authid WHERE rolname = :r"), {"r": role}
        ).scalar_one()
    method, rest = verifier.split("$", 1)
    iterations_salt, keys = rest.split("$")
    iterations, salt = iterations_salt.split(":")
    stored_key, server_key = keys.split(":")
    salted = hashlib.pbkdf2_hmac(
        "sha256", password.encode(), base64.b64decode(salt), int(iterations)
    )
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    return method == "SCRAM-SHA-256" and (
        base64.b64encode(hashlib.sha256(client_key).digest()).decode() == stored_key
        and base64.b64encode(hmac.new(salted, b"Server Key", "sha256").digest()).decode()
        == server_key
    )


def tenant(slug: str):
    with get_engine().connect() as connection:
        return inspect_tenant(connection, slug)


def condition(org, type_: str) -> dict:
    return next(c for c in org["status"]["conditions"] if c["type"] == type_)


def test_deleted_objects_and_roles_come_back(kube, operator, unique_slug):
    names = TenantNames.for_slug(unique_slug)
    namespace = f"org-{unique_slug}"
    kube.create_organization(unique_slug, {"owner": f"owner@{unique_slug}.example.com"})
    kube.wait_for_phase(unique_slug, "Ready")
    client = kube.client()
    old_password = password_in(kube, namespace)
    old_fingerprint = client.get(DEPLOYMENT, builders.WORKER, namespace)["spec"]["template"][
        "metadata"
    ]["annotations"][builders.CREDENTIALS_HASH]

    assert client.delete(DEPLOYMENT, builders.WORKER, namespace)
    assert client.delete(SECRET, builders.DB_SECRET, namespace)
    with get_engine().begin() as connection:
        # Take the tenant's lock as finsight.tenancy does, not to deadlock with the operator.
        connection.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"),
            {"k": f"finsight.tenant:{unique_slug}"},
        )
        connection.execute(text(f"DROP ROLE {names.worker_role}"))

    deployment = wait_for(
        lambda: client.get(DEPLOYMENT, builders.WORKER, namespace), what="the Deployment"
    )
    assert deployment["spec"]["replicas"] == 1
    wait_for(lambda: tenant(unique_slug).worker_role_exists, what="the worker role")
    # The Secret comes back holding the password the recreated login has (a new one, unless the
    # repair raced the deletion and kept the old), and the workers run with those credentials.
    wait_for(
        lambda: (
            (password := password_in(kube, namespace))
            and role_has_password(names.worker_role, password)
        ),
        what="the Secret to hold the login's password",
    )
    password = password_in(kube, namespace)
    if password != old_password:
        wait_for(
            lambda: (
                client.get(DEPLOYMENT, builders.WORKER, namespace)["spec"]["template"]["metadata"][
                    "annotations"
                ][builders.CREDENTIALS_HASH]
                != old_fingerprint
            ),
            what="the workers to restart onto the new credentials",
        )
    org = kube.wait_for_phase(unique_slug, "Ready")
    assert condition(org, "DatabaseReady")["status"] == "True"
    assert "DriftRepaired" in {event["reason"] for event in kube.events(unique_slug)}


def test_status_follows_the_workers(kube, operator, unique_slug):
    """WorkersReady (and so Ready) is True only while the Deployment has its workers."""
    namespace = f"org-{unique_slug}"
    kube.set_deployments_available(False)  # the test plays the Deployment controller
    kube.create_organization(unique_slug, {"owner": f"owner@{unique_slug}.example.com"})
    org = kube.wait_for_organization(
        unique_slug,
        lambda o: (
            "conditions" in (o.get("status") or {})
            and any(c["type"] == "WorkersReady" for c in o["status"]["conditions"])
        ),
        what="WorkersReady",
    )
    assert org["status"]["phase"] == "Provisioning"
    assert condition(org, "WorkersReady")["status"] == "False"
    assert condition(org, "Ready")["status"] == "False"
    assert condition(org, "DatabaseReady")["status"] == "True"

    client = kube.client()
    client.patch_status(
        DEPLOYMENT,
        builders.WORKER,
        {
            "replicas": 1,
            "updatedReplicas": 1,
            "readyReplicas": 1,
            "availableReplicas": 1,
        },
        namespace,
    )
    org = kube.wait_for_phase(unique_slug, "Ready")
    assert condition(org, "WorkersReady")["message"] == "1/1 workers available"

    client.patch_status(
        DEPLOYMENT, builders.WORKER, {"readyReplicas": 0, "availableReplicas": 0}, namespace
    )
    org = kube.wait_for_phase(unique_slug, "Provisioning")
    assert condition(org, "Ready")["reason"] == "WorkersProgressing"


def test_operator_restarted_half_way_converges(kube, start_operator, unique_slug, monkeypatch):
    namespace = f"org-{unique_slug}"

    def api_server_gone(*args, **kwargs):
        raise TransientFailure("KubernetesUnavailable", "injected: the API server went away")

    # The first run stops after the database, the credentials and the quota, before the workers.
    worker_deployment = builders.worker_deployment
    monkeypatch.setattr(builders, "worker_deployment", api_server_gone)
    with start_operator():
        kube.create_organization(unique_slug, {"owner": f"owner@{unique_slug}.example.com"})
        org = kube.wait_for_organization(
            unique_slug,
            lambda o: any(
                c["reason"] == "KubernetesUnavailable"
                for c in (o.get("status") or {}).get("conditions", [])
            ),
            what="the injected failure to be reported",
        )
    assert org["status"]["phase"] == "Provisioning"
    assert tenant(unique_slug).ready
    password = password_in(kube, namespace)
    assert password is not None
    assert kube.client().get(DEPLOYMENT, builders.WORKER, namespace) is None

    monkeypatch.setattr(builders, "worker_deployment", worker_deployment)
    with start_operator():
        org = kube.wait_for_phase(unique_slug, "Ready")
    assert all(c["status"] == "True" for c in org["status"]["conditions"])
    assert kube.client().get(DEPLOYMENT, builders.WORKER, namespace) is not None
    assert password_in(kube, namespace) == password  # nothing re-made that was already there
    assert role_has_password(TenantNames.for_slug(unique_slug).worker_role, password)
    assert kube.client().get(ORGANIZATION, unique_slug)["metadata"]["finalizers"] == [
        "finsight.io/organization"
    ]


def _drift_ticks() -> float:
    """Drift checks finished without a failure (the operator runs in this process)."""
    return (
        REGISTRY.get_sample_value(
            "finsight_operator_reconciles_total", {"trigger": "drift", "result": "ok"}
        )
        or 0.0
    )


@pytest.mark.parametrize(
    "monitoring_namespace",
    [
        "monitoring",
        # No monitoring namespace: the NetworkPolicy says `ingress: []`, which the API server
        # drops; that is not drift either.
        "",
    ],
)
def test_a_drift_tick_on_an_unchanged_organization_changes_nothing(
    kube, start_operator, unique_slug, monkeypatch, monitoring_namespace
):
    """The emulator stores objects as a real API server does (empty lists dropped, quantities
    canonical), and resources are written the long way: nothing of that is drift."""
    monkeypatch.setenv("OPERATOR_MONITORING_NAMESPACE", monitoring_namespace)
    spec = {
        "owner": f"owner@{unique_slug}.example.com",
        "workers": {
            "resources": {
                "requests": {"cpu": "0.25", "memory": "1024Mi"},
                "limits": {"cpu": "1000m", "memory": "2048Mi"},
            }
        },
    }
    namespace = f"org-{unique_slug}"
    with start_operator():
        kube.create_organization(unique_slug, spec)
        kube.wait_for_phase(unique_slug, "Ready")
        stored = kube.client().get(DEPLOYMENT, builders.WORKER, namespace)
        resources = stored["spec"]["template"]["spec"]["containers"][0]["resources"]
        assert resources["requests"] == {"cpu": "250m", "memory": "1Gi"}  # as a server keeps it
        policy = kube.client().get(NETWORK_POLICY, builders.NETWORK_POLICY, namespace)
        assert ("ingress" in policy["spec"]) == bool(monitoring_namespace)

        # Past the first drift check (which may still see the status settle), then two more.
        first = _drift_ticks()
        wait_for(lambda: _drift_ticks() > first, what="a drift check")
        writes_before = len(kube.writes())
        events_before = len(kube.events(unique_slug))
        settled = _drift_ticks()
        wait_for(lambda: _drift_ticks() >= settled + 2, what="two more drift checks")
        assert kube.writes()[writes_before:] == []
        events = kube.events(unique_slug)
        assert len(events) == events_before, [e["message"] for e in events[events_before:]]
