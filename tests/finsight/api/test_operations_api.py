"""Health, readiness, metrics, request ids and the OpenAPI document."""

from __future__ import annotations

import re

import httpx
import pytest

from support.api import Member
from support.routes import openapi

pytestmark = pytest.mark.integration


def test_health_and_readiness(client: httpx.Client):
    assert client.get("/healthz").json() == {"status": "ok", "checks": {}}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "redis": "ok"}


def test_metrics_use_route_templates_not_raw_paths(client: httpx.Client, owner: Member):
    member_id = "00000000-0000-0000-0000-000000000001"
    client.delete(f"/api/organizations/current/members/{member_id}", headers=owner.headers)
    client.get("/no/such/path")
    body = client.get("/metrics").text
    assert (
        'finsight_http_requests_total{method="DELETE",'
        'route="/api/organizations/current/members/{user_id}",status_class="4xx"}'
    ) in body
    assert 'route="<unmatched>"' in body
    assert member_id not in body and owner.email not in body
    for name in (
        "finsight_http_request_duration_seconds_bucket",
        "finsight_http_requests_in_flight",
        "finsight_db_pool_connections",
    ):
        assert name in body


def test_request_id_is_echoed_or_made(client: httpx.Client):
    echoed = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert echoed.headers["x-request-id"] == "abc-123"
    made = client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert len(made.headers["x-request-id"]) == 32
    problem = client.get("/api/users/me", headers={"X-Request-ID": "trace-7"})
    assert problem.json()["request_id"] == "trace-7"


def test_openapi_documents_every_operation():
    spec = openapi()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            assert operation.get("summary"), where
            assert (
                "200" in operation["responses"]
                or "201" in operation["responses"]
                or "202" in operation["responses"]
                or "204" in operation["responses"]
            ), where
            if (
                path.startswith("/api/")
                and path != "/api/auth/login"
                and path != "/api/auth/refresh"
            ):
                assert "401" in operation["responses"], where
            if "requestBody" in operation:
                assert "422" in operation["responses"], where
    assert "Problem" in spec["components"]["schemas"]
    login = spec["paths"]["/api/auth/login"]["post"]
    schema_ref = login["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert spec["components"]["schemas"][schema_ref.rsplit("/", 1)[1]].get("examples")


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_api_docs_work_offline(client: httpx.Client, page: str):
    """Swagger UI and ReDoc load their scripts, styles and icon from the API itself, so the
    pages work without the internet (they used to come from a public CDN)."""
    html = client.get(page)
    assert html.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', html.text)
    assert assets, html.text
    assert not re.search(r"https?://", html.text), "a page refers to another host"
    for asset in assets:
        assert asset.startswith("/docs-assets/"), asset
        loaded = client.get(asset)
        assert loaded.status_code == 200, asset
        assert len(loaded.content) > 1000, asset
    assert client.get("/openapi.json").json()["info"]["title"] == "finsight API"
