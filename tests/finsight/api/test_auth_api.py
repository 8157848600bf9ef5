"""Sign-in, refresh rotation with reuse detection, sign-out, switch and throttling, over HTTP."""

from __future__ import annotations

import uuid

import httpx
import pytest

from support.api import PASSWORD, Member, add_user, create_org, login, unique_email

pytestmark = pytest.mark.integration


def test_login_returns_tokens_for_the_organization(client: httpx.Client, unique_slug: str):
    email = create_org(unique_slug)
    response = client.post("/api/auth/login", json={"email": email.upper(), "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] > 0
    assert body["organization"]["slug"] == unique_slug
    me = client.get("/api/users/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json()["role"] == "owner" and "audit:read" in me.json()["permissions"]


def test_unknown_user_and_wrong_password_answer_alike(client: httpx.Client, unique_slug: str):
    email = create_org(unique_slug)
    wrong = client.post("/api/auth/login", json={"email": email, "password": "nope-nope-nope"})
    unknown = client.post(
        "/api/auth/login", json={"email": unique_email("ghost"), "password": "nope-nope-nope"}
    )
    assert wrong.status_code == unknown.status_code == 401
    strip = lambda r: {k: v for k, v in r.json().items() if k != "request_id"}  # noqa: E731
    assert strip(wrong) == strip(unknown)
    assert wrong.headers["content-type"] == "application/problem+json"


def test_repeated_failures_per_account_are_throttled(client: httpx.Client, unique_slug: str):
    email = create_org(unique_slug)
    statuses = [
        client.post(
            "/api/auth/login",
            json={"email": email, "password": "wrong-password"},
            headers={"X-Forwarded-For": f"198.51.100.{i}"},
        ).status_code
        for i in range(6)
    ]
    assert statuses == [401] * 5 + [429]
    # Throttled even with the right password, from yet another address: the account is locked.
    locked = client.post(
        "/api/auth/login",
        json={"email": email, "password": PASSWORD},
        headers={"X-Forwarded-For": "198.51.100.99"},
    )
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 0


def test_repeated_failures_per_address_are_throttled(client: httpx.Client):
    address = f"203.0.113.{uuid.uuid4().int % 250 + 1}"
    statuses = [
        client.post(
            "/api/auth/login",
            json={"email": unique_email("spray"), "password": "wrong-password"},
            headers={"X-Forwarded-For": address},
        ).status_code
        for _ in range(31)
    ]
    assert statuses[:30] == [401] * 30 and statuses[30] == 429


def test_refresh_rotates_and_reuse_revokes_the_whole_family(client: httpx.Client, owner: Member):
    first = client.post("/api/auth/refresh", json={"refresh_token": owner.refresh_token})
    assert first.status_code == 200
    rotated = first.json()
    assert rotated["refresh_token"] != owner.refresh_token
    # The spent token comes back: 401, and everything descended from that sign-in dies.
    reuse = client.post("/api/auth/refresh", json={"refresh_token": owner.refresh_token})
    assert reuse.status_code == 401
    again = client.post("/api/auth/refresh", json={"refresh_token": rotated["refresh_token"]})
    assert again.status_code == 401
    me = client.get("/api/users/me", headers={"Authorization": f"Bearer {rotated['access_token']}"})
    assert me.status_code == 401


def test_logout_ends_the_access_token_at_once(client: httpx.Client, owner: Member):
    assert client.get("/api/users/me", headers=owner.headers).status_code == 200
    assert client.post("/api/auth/logout", headers=owner.headers).status_code == 204
    assert client.get("/api/users/me", headers=owner.headers).status_code == 401
    assert (
        client.post("/api/auth/refresh", json={"refresh_token": owner.refresh_token}).status_code
        == 401
    )


def test_switch_to_another_organization_of_the_user(client: httpx.Client, unique_slug: str):
    email = create_org(unique_slug + "a")
    create_org(unique_slug + "b")
    add_user(unique_slug + "b", "viewer", email=email)
    member = login(client, email, unique_slug + "a")
    switched = client.post(
        "/api/auth/switch", json={"organization": unique_slug + "b"}, headers=member.headers
    )
    assert switched.status_code == 200
    token = switched.json()["access_token"]
    me = client.get("/api/users/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["organization"]["slug"] == unique_slug + "b" and me["role"] == "viewer"
    assert {m["organization"]["slug"] for m in me["memberships"]} == {
        unique_slug + "a",
        unique_slug + "b",
    }


def test_switch_to_a_foreign_organization_is_refused(client: httpx.Client, unique_slug: str):
    member = login(client, create_org(unique_slug + "a"))
    create_org(unique_slug + "b")
    refused = client.post(
        "/api/auth/switch", json={"organization": unique_slug + "b"}, headers=member.headers
    )
    assert refused.status_code == 403


def test_suspended_organization_refuses_sign_in_with_a_clear_message(
    client: httpx.Client, unique_slug: str
):
    from finsight.db import platform_session
    from finsight.organizations.service import set_suspended

    from support.api import TEST_ACTOR

    email = create_org(unique_slug)
    member = login(client, email)
    with platform_session() as session:
        set_suspended(session, unique_slug, True, TEST_ACTOR)
    refused = client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert refused.status_code == 403 and "suspended" in refused.json()["detail"]
    assert client.get("/api/users/me", headers=member.headers).status_code in (401, 403)
    with platform_session() as session:
        set_suspended(session, unique_slug, False, TEST_ACTOR)
    assert (
        client.post("/api/auth/login", json={"email": email, "password": PASSWORD}).status_code
        == 200
    )


def test_password_change_ends_other_sessions(client: httpx.Client, unique_slug: str):
    email = create_org(unique_slug)
    here, elsewhere = login(client, email), login(client, email)
    new_password = "another long passphrase"
    short = client.post(
        "/api/users/me/password",
        headers=here.headers,
        json={"current_password": PASSWORD, "new_password": "short"},
    )
    assert short.status_code == 422 and short.json()["errors"][0]["field"] == "new_password"
    changed = client.post(
        "/api/users/me/password",
        headers=here.headers,
        json={"current_password": PASSWORD, "new_password": new_password},
    )
    assert changed.status_code == 204
    assert client.get("/api/users/me", headers=here.headers).status_code == 200
    assert client.get("/api/users/me", headers=elsewhere.headers).status_code == 401
    login(client, email, password=new_password)
