"""With A's token nothing of B is returned, changed or revealed: B's ids answer 404."""

from __future__ import annotations

import httpx
import pytest

from support.api import add_user, create_org, login

pytestmark = pytest.mark.integration


def test_organization_a_cannot_see_or_touch_b(client: httpx.Client, unique_slug: str):
    a_slug, b_slug = unique_slug + "a", unique_slug + "b"
    a = login(client, create_org(a_slug))
    b = login(client, create_org(b_slug))
    b_member_email = add_user(b_slug, "analyst")
    b_members = client.get("/api/organizations/current/members", headers=b.headers).json()["items"]
    b_user_id = next(m["user_id"] for m in b_members if m["email"] == b_member_email)
    b_role = client.post(
        "/api/roles", headers=b.headers, json={"name": "b-only", "permissions": ["audit:read"]}
    ).json()

    # Reads show only A.
    assert client.get("/api/organizations/current", headers=a.headers).json()["slug"] == a_slug
    a_members = client.get("/api/organizations/current/members", headers=a.headers).json()
    assert b_member_email not in {m["email"] for m in a_members["items"]}
    assert "b-only" not in {r["name"] for r in client.get("/api/roles", headers=a.headers).json()}
    a_audit = client.get("/api/audit", headers=a.headers, params={"limit": 200}).json()["items"]
    assert b_member_email not in str(a_audit) and b_slug not in str(a_audit)

    # Writes aimed at B's ids answer 404, exactly as an id that does not exist.
    for response in (
        client.patch(
            f"/api/organizations/current/members/{b_user_id}",
            headers=a.headers,
            json={"role": "viewer"},
        ),
        client.delete(f"/api/organizations/current/members/{b_user_id}", headers=a.headers),
        client.patch(f"/api/roles/{b_role['id']}", headers=a.headers, json={"name": "mine"}),
        client.delete(f"/api/roles/{b_role['id']}", headers=a.headers),
    ):
        assert response.status_code == 404, response.text

    # B is unchanged.
    b_after = client.get("/api/organizations/current/members", headers=b.headers).json()["items"]
    assert {m["email"]: m["role"] for m in b_after}[b_member_email] == "analyst"
    assert any(r["name"] == "b-only" for r in client.get("/api/roles", headers=b.headers).json())


def test_token_of_a_cannot_switch_into_b(client: httpx.Client, unique_slug: str):
    a = login(client, create_org(unique_slug + "a"))
    create_org(unique_slug + "b")
    response = client.post(
        "/api/auth/switch", json={"organization": unique_slug + "b"}, headers=a.headers
    )
    assert response.status_code == 403
