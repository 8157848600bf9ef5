"""NUL and other control characters are refused with a 422 naming the field, on every route
(issue 19, item 3): each route of the app is called with a NUL in each of its query and path
parameters and each string field of its body, against the real api process."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from fastapi.routing import iter_route_contexts

from support.api import Member, create_org, login
from support.routes import openapi

pytestmark = pytest.mark.integration

NUL = "a\x00b"


@pytest.fixture(scope="module")
def member(api_url: str) -> Member:
    """One organization's owner for the whole module (every case only reads its token)."""
    slug = "t" + uuid.uuid4().hex[:12]
    with httpx.Client(base_url=api_url, timeout=30) as http:
        return login(http, create_org(slug), slug)


def _app_routes() -> list[tuple[str, str, dict[str, Any]]]:
    """(METHOD, path, OpenAPI operation) of every route the app serves."""
    from finsight.app import create_app

    document = openapi()
    routes = []
    # FastAPI keeps included routers as branches: iter_route_contexts flattens them.
    for route in iter_route_contexts(create_app().routes):
        if not getattr(route, "include_in_schema", False) or route.path_format is None:
            continue
        for method in sorted(route.methods or ()):
            operation = document["paths"][route.path_format].get(method.lower())
            if operation is not None:
                routes.append((method, route.path_format, operation))
    return routes


ROUTES = _app_routes()
DOCUMENT = openapi()


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = DOCUMENT["components"]["schemas"][name]
    return schema


def _takes_string(schema: dict[str, Any]) -> bool:
    schema = _resolve(schema)
    options = schema.get("anyOf") or schema.get("oneOf") or [schema]
    return any(_resolve(option).get("type") == "string" for option in options)


def _string_fields(operation: dict[str, Any], media: str) -> list[str]:
    content = operation.get("requestBody", {}).get("content", {})
    if media not in content:
        return []
    schema = _resolve(content[media]["schema"])
    return [
        name
        for name, prop in schema.get("properties", {}).items()
        if _takes_string(prop) and _resolve(prop).get("format") != "binary"
    ]


def _path(template: str, params: dict[str, str]) -> str:
    for name in params:
        template = template.replace("{" + name + "}", quote(params[name], safe=""))
    return template


def _path_values(operation: dict[str, Any]) -> dict[str, str]:
    return {
        p["name"]: str(uuid.uuid4()) for p in operation.get("parameters", []) if p["in"] == "path"
    }


def _assert_refused(response: httpx.Response, field: str, where: str) -> None:
    assert response.status_code == 422, f"{where}: {response.status_code} {response.text[:300]}"
    problem = response.json()
    assert problem["errors"][0]["field"] == field, f"{where}: {problem}"
    assert "control character NUL" in problem["detail"], f"{where}: {problem}"


def _cases() -> list[Any]:
    cases = []
    for method, template, operation in ROUTES:
        ident = f"{method} {template}"
        for parameter in operation.get("parameters", []):
            if parameter["in"] in ("query", "path"):
                cases.append(
                    pytest.param(
                        method,
                        template,
                        parameter["in"],
                        parameter["name"],
                        id=f"{ident} {parameter['in']}:{parameter['name']}",
                    )
                )
        for media, kind in (("application/json", "json"), ("multipart/form-data", "form")):
            for name in _string_fields(operation, media):
                cases.append(
                    pytest.param(method, template, kind, name, id=f"{ident} {kind}:{name}")
                )
    return cases


@pytest.mark.parametrize(("method", "template", "where", "name"), _cases())
def test_nul_is_refused_naming_the_field(
    client: httpx.Client, member: Member, method: str, template: str, where: str, name: str
):
    operation = next(op for m, t, op in ROUTES if (m, t) == (method, template))
    path_values = _path_values(operation)
    kwargs: dict[str, Any] = {"headers": member.headers}
    if where == "path":
        path_values[name] = NUL
    elif where == "query":
        kwargs["params"] = {name: NUL}
    elif where == "json":
        kwargs["json"] = {name: NUL}
    else:
        kwargs["data"] = {name: NUL}
        kwargs["files"] = {"file": ("statement.csv", b"Date,Amount\n", "text/csv")}
    response = client.request(method, _path(template, path_values), **kwargs)
    _assert_refused(response, name, f"{method} {template} {where}:{name}")


def test_sign_in_refuses_nul_before_authentication(client: httpx.Client):
    for body, field in (
        ({"email": "a\x00@example.test", "password": "x" * 12}, "email"),
        ({"email": "a@example.test", "password": "pass\x00word"}, "password"),
    ):
        _assert_refused(client.post("/api/auth/login", json=body), field, "login")


def test_free_text_keeps_tabs_and_newlines_but_names_do_not(client: httpx.Client, owner: Member):
    """A multi-line description is fine; a tab in a name (single-line) is refused."""
    refused = client.post(
        "/api/categories", headers=owner.headers, json={"name": "Food\tand drink"}
    )
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "name"
    assert "U+0009" in refused.json()["detail"]
    bell = client.post(
        "/api/analytics/rules/dry-run",
        headers=owner.headers,
        json={"conditions": {"description_contains": ["a\x07"]}, "actions": {"add_tags": ["t"]}},
    )
    assert bell.status_code == 422, bell.text
    assert bell.json()["errors"][0]["field"] == "conditions.description_contains.0"


def test_export_with_a_nul_tag_is_refused_before_any_header(client: httpx.Client, owner: Member):
    for export in ("csv", "json"):
        response = client.get(
            "/api/transactions/export",
            headers=owner.headers,
            params={"format": export, "tag": "\x00"},
        )
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"][0]["field"] == "tag"
