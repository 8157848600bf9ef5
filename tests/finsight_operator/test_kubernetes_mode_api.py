"""POST/DELETE /api/organizations in Kubernetes mode, over HTTP: a real api process asks the
(emulated) Kubernetes API for Organization resources instead of provisioning itself."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from finsight.embedded import free_port

from support.api import create_platform_admin, login, unique_email
from support.processes import ServerProcess, finsight_command

pytestmark = pytest.mark.integration


@pytest.fixture
def k8s_api(test_env, kube, tmp_path: Path):
    port = free_port()
    env = {**test_env, "KUBERNETES_MODE": "true", "KUBECONFIG": str(kube.kubeconfig)}
    env.pop("KUBERNETES_SERVICE_HOST", None)
    server = ServerProcess(
        finsight_command("serve", "api", "--port", str(port)), env, tmp_path / "api.log"
    )
    url = f"http://127.0.0.1:{port}"
    try:
        server.wait_http(url + "/healthz")
        yield url
    finally:
        server.stop()


def test_create_and_delete_go_through_the_resource(k8s_api, kube, unique_slug):
    with httpx.Client(base_url=k8s_api, timeout=30) as client:
        admin = login(client, create_platform_admin())
        owner = unique_email("owner")
        created = client.post(
            "/api/organizations",
            headers=admin.headers,
            json={"slug": unique_slug, "name": "Acme", "owner_email": owner},
        )
        assert created.status_code == 202, created.text
        assert created.json() == {
            "slug": unique_slug,
            "name": "Acme",
            "plan": "standard",
            "status": "provisioning",
            "resource": f"organizations.finsight.io/{unique_slug}",
        }
        assert kube.organization(unique_slug)["spec"]["owner"] == owner
        again = client.post(
            "/api/organizations",
            headers=admin.headers,
            json={"slug": unique_slug, "name": "Acme", "owner_email": owner},
        )
        assert again.status_code == 409
        purge = client.delete(
            f"/api/organizations/{unique_slug}", headers=admin.headers, params={"purge": "true"}
        )
        assert purge.status_code == 422 and purge.json()["errors"][0]["field"] == "purge"
        deleted = client.delete(f"/api/organizations/{unique_slug}", headers=admin.headers)
        assert deleted.status_code == 202 and deleted.json()["policy"] == "Resource"
        assert kube.organization(unique_slug) is None
