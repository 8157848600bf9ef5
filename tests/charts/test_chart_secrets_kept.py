"""Generated secrets are generated once: on an upgrade, helm's `lookup` finds the values already
in the cluster and keeps them, and only a newly listed one is generated. Run with helm against
the emulated API server (`helm template --dry-run=server`, which does look up)."""

from __future__ import annotations

import base64
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from support import kube_emulator
from support.helm import CHART, HELM
from support.kube_emulator import KubeEmulator, running_emulator

pytestmark = pytest.mark.integration

KEPT = "kept-" + "k" * 59


@pytest.fixture
def cluster(monkeypatch: pytest.MonkeyPatch) -> Iterator[KubeEmulator]:
    """kmock 0.8, made acceptable to helm's client: it reports Kubernetes 1.26 (the chart wants
    1.30 or later) and names the core group version "/v1" in discovery."""

    async def server_version(self: Any, request: Any) -> dict[str, str]:
        return {"major": "1", "minor": "33", "gitVersion": "v1.33.0", "platform": "linux/amd64"}

    serve_version = kube_emulator.ApiServer._serve_version

    async def group_version(self: Any, request: Any) -> Any:
        payload = await serve_version(self, request)
        if isinstance(payload, dict) and str(payload.get("groupVersion", "")).startswith("/"):
            payload = {**payload, "groupVersion": payload["groupVersion"][1:]}
        return payload

    monkeypatch.setattr(kube_emulator.ApiServer, "_serve_server_version", server_version)
    monkeypatch.setattr(kube_emulator.ApiServer, "_serve_version", group_version)
    with running_emulator() as emulator:
        yield emulator


def generated_secret(cluster: KubeEmulator, *sets: str) -> dict[str, str]:
    args = [str(HELM), "template", "acme", str(CHART), "--namespace", "finsight"]
    args += ["--dry-run=server", "--disable-openapi-validation"]
    args += [
        "--kubeconfig",
        str(cluster.kubeconfig),
        "--show-only",
        "templates/secret-generated.yaml",
    ]
    for value in sets:
        args += ["--set", value]
    result = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    [secret] = [doc for doc in yaml.safe_load_all(result.stdout) if doc]
    return {key: base64.b64decode(value).decode() for key, value in secret["data"].items()}


def test_an_upgrade_keeps_what_the_first_install_generated(cluster):
    client = cluster.client()
    client.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "finsight"}})
    # What the first install left (with the ownership marks helm checks before adopting it).
    client.create(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {
                "name": "acme-finsight-generated",
                "namespace": "finsight",
                "labels": {"app.kubernetes.io/managed-by": "Helm"},
                "annotations": {
                    "meta.helm.sh/release-name": "acme",
                    "meta.helm.sh/release-namespace": "finsight",
                },
            },
            "type": "Opaque",
            "data": {"JWT_SECRET": base64.b64encode(KEPT.encode()).decode()},
        }
    )
    upgraded = generated_secret(cluster, "generatedSecrets={ENCRYPTION_KEY}")
    assert upgraded["JWT_SECRET"] == KEPT
    assert len(upgraded["ENCRYPTION_KEY"]) == 64 and upgraded["ENCRYPTION_KEY"] != KEPT


def test_a_first_install_generates_a_fresh_key_each_time(cluster):
    cluster.client().create(
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "finsight"}}
    )
    first, second = generated_secret(cluster)["JWT_SECRET"], generated_secret(cluster)["JWT_SECRET"]
    assert len(first) == 64 and first.isalnum()
    assert first != second  # nothing stored yet: nothing to keep
