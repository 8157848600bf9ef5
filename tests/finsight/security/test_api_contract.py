"""The findings Schemathesis made, one by one (issue 19, item 8): each is fixed in one place
(`finsight.api.contract`, the problem handlers), so these stand for every route."""

from __future__ import annotations

import httpx
import pytest

from support.accounts import make_account
from support.api import Member
from support.routes import openapi

pytestmark = pytest.mark.integration


def test_every_operation_documents_its_problems_as_problem_json():
    for path, operations in openapi()["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert list(responses["422"]["content"]) == ["application/problem+json"], path
            if "requestBody" in operation:
                assert "400" in responses, f"{method} {path}"


def test_405_lists_every_method_of_the_path(client: httpx.Client, owner: Member):
    refused = client.request("OPTIONS", "/api/accounts", headers=owner.headers)
    assert refused.status_code == 405
    assert set(refused.headers["allow"].split(", ")) >= {"GET", "POST"}
    assert refused.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("GET", "/api/imports/preview", {"POST"}),
        ("PATCH", "/api/analytics/merchants/merge", {"POST"}),
        ("PATCH", "/api/analytics/rules/dry-run", {"POST"}),
        ("PATCH", "/api/transactions/bulk-recategorize", {"POST"}),
    ],
)
def test_a_static_path_is_never_taken_for_an_id(
    client: httpx.Client, owner: Member, method: str, path: str, allowed: set[str]
):
    response = client.request(method, path, headers=owner.headers, json={})
    assert response.status_code == 405, response.text
    assert set(response.headers["allow"].split(", ")) == allowed


@pytest.mark.parametrize(
    ("path", "name", "value"),
    [
        ("/api/transactions", "date_to", "0"),
        ("/api/transactions/summary", "date_from", "1700000000"),
        ("/api/transactions/export", "date_to", "0"),
        ("/api/audit", "until", "0.5"),
    ],
)
def test_dates_must_be_written_as_dates(
    client: httpx.Client, owner: Member, path: str, name: str, value: str
):
    response = client.get(path, headers=owner.headers, params={name: value})
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == name
    fine = client.get(path, headers=owner.headers, params={name: "2024-01-31"})
    assert fine.status_code == 200, fine.text


def test_malformed_json_is_a_documented_400(client: httpx.Client, owner: Member):
    response = client.post(
        "/api/categories",
        headers={**owner.headers, "content-type": "application/json"},
        content=b"\xff",  # not even text: FastAPI answers 400, not 422
    )
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "malformed_body"
    assert "400" in openapi()["paths"]["/api/categories"]["post"]["responses"]


def test_dates_in_json_bodies_must_be_written_as_dates(client: httpx.Client, owner: Member):
    account = make_account(owner.org_slug or "")
    body = {"account_id": str(account), "amount": "-1", "description": "cash"}
    body["transaction_date"] = 0
    refused = client.post("/api/transactions", headers=owner.headers, json=body)
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "transaction_date"
    body["transaction_date"] = "2024-01-31"
    created = client.post("/api/transactions", headers=owner.headers, json=body)
    assert created.status_code == 201, created.text
