"""Each endpoint demands its one permission; roles hold exactly what they say."""

from __future__ import annotations

import uuid

import httpx
import pytest

from support.api import Member, add_user, create_org, login, unique_email
from support.routes import SELF_SERVICE, mutating_routes

pytestmark = pytest.mark.integration


def _fill(path: str) -> str:
    return (
        path.replace("{user_id}", str(uuid.uuid4()))
        .replace("{role_id}", str(uuid.uuid4()))
        .replace("{slug}", "some-org")
    )


@pytest.mark.parametrize(
    ("method", "path", "name"),
    [route for route in mutating_routes() if route[2] not in SELF_SERVICE],
)
def test_viewer_is_refused_every_write(client: httpx.Client, method, path, name, unique_slug):
    create_org(unique_slug)
    viewer = login(client, add_user(unique_slug, "viewer"))
    response = client.request(method, _fill(path), headers=viewer.headers, json={})
    assert response.status_code == 403, (name, response.text)
    assert response.json()["code"] == "permission_denied"


def test_custom_role_grants_exactly_its_permission(client: httpx.Client, owner: Member):
    created = client.post(
        "/api/roles",
        headers=owner.headers,
        json={"name": "member-reader", "permissions": ["members:read"]},
    )
    assert created.status_code == 201, created.text
    email = unique_email("reader")
    added = client.post(
        "/api/organizations/current/members",
        headers=owner.headers,
        json={"email": email, "role": "member-reader"},
    )
    assert added.status_code == 201, added.text
    token = added.json()["accept_url"].split("token=")[1]
    accepted = client.post("/api/invitations/accept", json={"token": token, "password": "p" * 12})
    assert accepted.status_code == 200, accepted.text
    reader = login(client, email, password="p" * 12)
    assert (
        client.get("/api/organizations/current/members", headers=reader.headers).status_code == 200
    )
    for path in ("/api/roles", "/api/audit", "/api/organizations/current", "/api/permissions"):
        assert client.get(path, headers=reader.headers).status_code == 403, path
    assert (
        client.post(
            "/api/organizations/current/members",
            headers=reader.headers,
            json={"email": unique_email(), "role": "viewer"},
        ).status_code
        == 403
    )
    me = client.get("/api/users/me", headers=reader.headers).json()
    assert me["permissions"] == ["members:read"] and me["role"] == "member-reader"


def test_nobody_grants_more_than_they_hold(client: httpx.Client, unique_slug: str):
    create_org(unique_slug)
    admin = login(client, add_user(unique_slug, "admin"))
    as_owner = client.post(
        "/api/organizations/current/members",
        headers=admin.headers,
        json={"email": unique_email(), "role": "owner"},
    )
    assert as_owner.status_code == 403 and "organization:delete" in as_owner.json()["detail"]
    role = client.post(
        "/api/roles",
        headers=admin.headers,
        json={"name": "sneaky", "permissions": ["organization:delete"]},
    )
    assert role.status_code == 403


def test_last_owner_cannot_leave_or_be_demoted(client: httpx.Client, owner: Member):
    me = client.get("/api/users/me", headers=owner.headers).json()
    demote = client.patch(
        f"/api/organizations/current/members/{me['id']}",
        headers=owner.headers,
        json={"role": "viewer"},
    )
    assert demote.status_code == 409
    leave = client.delete(f"/api/organizations/current/members/{me['id']}", headers=owner.headers)
    assert leave.status_code == 409


def test_role_lifecycle_and_errors(client: httpx.Client, owner: Member):
    bad = client.post(
        "/api/roles", headers=owner.headers, json={"name": "x", "permissions": ["nope:write"]}
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "permissions"
    builtin = client.post(
        "/api/roles", headers=owner.headers, json={"name": "Admin", "permissions": []}
    )
    assert builtin.status_code == 409
    role = client.post(
        "/api/roles", headers=owner.headers, json={"name": "auditor", "permissions": ["audit:read"]}
    ).json()
    renamed = client.patch(
        f"/api/roles/{role['id']}",
        headers=owner.headers,
        json={"permissions": ["audit:read", "members:read"]},
    )
    assert renamed.json()["permissions"] == ["audit:read", "members:read"]
    invited = client.post(
        "/api/organizations/current/members",
        headers=owner.headers,
        json={"email": unique_email(), "role": "auditor"},
    ).json()
    offered = client.delete(f"/api/roles/{role['id']}", headers=owner.headers)
    assert offered.status_code == 409 and "1 open invitation" in offered.json()["detail"]
    token = invited["accept_url"].split("token=")[1]
    client.post("/api/invitations/accept", json={"token": token, "password": "p" * 12})
    in_use = client.delete(f"/api/roles/{role['id']}", headers=owner.headers)
    assert in_use.status_code == 409 and "held by 1" in in_use.json()["detail"]
    roles = client.get("/api/roles", headers=owner.headers).json()
    assert [r["name"] for r in roles][:4] == ["admin", "analyst", "owner", "viewer"]
    builtin_id = next(r["id"] for r in roles if r["name"] == "viewer")
    assert client.delete(f"/api/roles/{builtin_id}", headers=owner.headers).status_code == 409


def test_rbac_disabled_grants_members_everything_in_their_own_org(monkeypatch):
    """Unit: ENABLE_RBAC=false makes every role hold every permission; tenancy is untouched."""
    from finsight.auth.principal import effective_permissions
    from finsight.config import get_settings
    from finsight.rbac.models import Role
    from finsight.rbac.permissions import ALL_PERMISSIONS

    viewer = Role(name="viewer", is_builtin=True)
    assert "members:write" not in effective_permissions(viewer)
    monkeypatch.setenv("ENABLE_RBAC", "false")
    get_settings.cache_clear()
    try:
        assert effective_permissions(viewer) == ALL_PERMISSIONS
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
