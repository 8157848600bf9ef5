"""charts/finsight, the operator's part (tests/charts/ holds the rest): helm v4 lints and
renders it, and every rendered manifest is valid Kubernetes. helm comes from `make tools` (a
prerequisite of `make test`)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from finsight_operator import kube

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "charts" / "finsight"
HELM = ROOT / ".tools" / "helm"
KUBERNETES_VERSION = "1.35"


def helm(*args: str) -> str:
    assert HELM.exists(), f"{HELM} is missing: run `make tools`"
    result = subprocess.run([str(HELM), *args], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr or result.stdout
    return result.stdout


def render(*values: str) -> list[dict]:
    args = ["template", "acme", str(CHART), "--namespace", "finsight", "--include-crds"]
    for value in values:
        args += ["--set", value]
    return [doc for doc in yaml.safe_load_all(helm(*args)) if doc]


def by_kind(documents: list[dict]) -> dict[str, dict]:
    """The operator's objects by kind (the chart renders the platform's services too)."""
    return {
        doc["kind"]: doc
        for doc in documents
        if (doc["metadata"].get("labels") or {}).get("app.kubernetes.io/component") == "operator"
        and doc["kind"] != "ConfigMap"
    }


def test_helm_lint_passes():
    assert "0 chart(s) failed" in helm("lint", "--strict", str(CHART))


@pytest.mark.parametrize(
    "values",
    [
        (),
        (
            "redis.existingSecret=finsight-redis",
            "database.clustersKey=DATABASE_CLUSTERS",
            "operator.serviceAccount.create=false",
            "operator.serviceAccount.name=ops",
            "operator.postgresEgressCidrs={10.0.0.0/8}",
            "image.tag=1.2.3",
        ),
    ],
)
def test_rendered_manifests_are_valid_kubernetes(values):
    documents = render(*values)
    assert {doc["kind"] for doc in documents} >= {
        "CustomResourceDefinition",
        "ClusterRole",
        "ClusterRoleBinding",
        "Deployment",
        "Service",
    }
    for document in documents:
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


def test_operator_deployment_is_one_replica_recreated_with_probe_and_metrics():
    kinds = by_kind(render())
    deployment = kinds["Deployment"]
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    pod = deployment["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == kinds["ServiceAccount"]["metadata"]["name"]
    container = pod["containers"][0]
    assert container["command"] == [
        "finsight",
        "serve",
        "operator",
        "--host",
        "0.0.0.0",
        "--port",
        "8081",
    ]
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "health"}
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports == {"health": 8081, "metrics": 8082}
    env = {e["name"]: e for e in container["env"]}
    assert env["DATABASE_URL"]["valueFrom"]["secretKeyRef"]["name"] == "finsight-database"
    assert env["OPERATOR_IMAGE"]["value"] == "ghcr.io/finsight/finsight:0.1.0"
    assert kinds["Service"]["spec"]["ports"][0]["targetPort"] == "metrics"


def test_cluster_role_names_exactly_what_the_operator_touches():
    role = by_kind(render())["ClusterRole"]
    granted: dict[tuple[str, str], set[str]] = {}
    for rule in role["rules"]:
        for group in rule["apiGroups"]:
            for resource in rule["resources"]:
                granted.setdefault((group, resource), set()).update(rule["verbs"])
    assert not any("*" in key[0] or "*" in key[1] or "*" in verbs for key, verbs in granted.items())
    # Every kind the operator writes can be read, created and patched (server-side apply).
    for kind in kube.KINDS.values():
        if kind is kube.ORGANIZATION:
            continue
        group = kind.api_version.rpartition("/")[0]
        assert {"get", "create", "patch"} <= granted[(group, kind.plural)], kind.kind
    assert granted[("finsight.io", "organizations")] == {"get", "list", "watch", "patch"}
    assert granted[("finsight.io", "organizations/status")] == {"get", "patch"}
    assert "delete" in granted[("", "namespaces")]
    assert "delete" not in granted[("", "secrets")]
    assert {"list", "watch"} <= granted[("apps", "deployments")]
