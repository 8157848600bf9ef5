"""Platform administrators create, list, suspend and delete organizations through the API."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text

from finsight.db import get_engine

from support.api import Member, create_org, create_platform_admin, login, unique_email
from support.mail import MailSink, text_of

pytestmark = pytest.mark.integration


@pytest.fixture
def admin(client: httpx.Client) -> Member:
    return login(client, create_platform_admin())


def _schemas_like(pattern: str) -> list[str]:
    with get_engine().connect() as connection:
        return list(
            connection.execute(
                text("SELECT nspname FROM pg_namespace WHERE nspname LIKE :p ORDER BY 1"),
                {"p": pattern},
            ).scalars()
        )


def test_create_provisions_schema_and_invites_the_owner(
    client: httpx.Client,
    admin: Member,
    unique_slug: str,
    mail_sink: MailSink,
    worker_process: object,
):
    owner_email = unique_email("owner")
    created = client.post(
        "/api/organizations",
        headers=admin.headers,
        json={"slug": unique_slug, "name": "Acme", "owner_email": owner_email},
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["schema_name"] == f"org_{unique_slug}" and body["status"] == "active"
    assert _schemas_like(f"org_{unique_slug}") == [f"org_{unique_slug}"]
    assert "owner_initial_password" not in body
    # The owner chooses their own password from the emailed link.
    [mail] = mail_sink.wait_for(owner_email)
    link = body["owner_invitation_url"]
    assert link in text_of(mail)
    token = link.split("token=")[1]
    accepted = client.post(
        "/api/invitations/accept", json={"token": token, "password": "the owner's own choice"}
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["role"] == "owner"
    owner = login(client, owner_email, password="the owner's own choice")
    assert owner.org_slug == unique_slug


def test_an_owner_password_is_refused(client: httpx.Client, admin: Member, unique_slug: str):
    response = client.post(
        "/api/organizations",
        headers=admin.headers,
        json={
            "slug": unique_slug,
            "name": "Acme",
            "owner_email": unique_email(),
            "owner_password": "chosen by someone else",
        },
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "owner_password"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"slug": "Bad_Slug", "name": "x", "owner_email": "a@b.example"}, "slug"),
        ({"slug": "current", "name": "x", "owner_email": "a@b.example"}, "slug"),
        ({"slug": "okslug", "name": "x", "owner_email": "not-an-email"}, "email"),
        ({"slug": "okslug", "name": "x", "owner_email": "a@b.example", "plan": "gold"}, "plan"),
    ],
)
def test_invalid_input_names_the_field(client: httpx.Client, admin: Member, payload, field):
    response = client.post("/api/organizations", headers=admin.headers, json=payload)
    assert response.status_code == 422
    assert any(field in (error["field"] or "") for error in response.json()["errors"])


def test_existing_slug_is_a_conflict(client: httpx.Client, admin: Member, unique_slug: str):
    create_org(unique_slug)
    response = client.post(
        "/api/organizations",
        headers=admin.headers,
        json={"slug": unique_slug, "name": "Again", "owner_email": unique_email()},
    )
    assert response.status_code == 409 and unique_slug in response.json()["detail"]


def test_members_cannot_manage_organizations(client: httpx.Client, owner: Member):
    assert client.get("/api/organizations", headers=owner.headers).status_code == 403
    assert (
        client.post(
            "/api/organizations",
            headers=owner.headers,
            json={"slug": "whatever", "name": "x", "owner_email": unique_email()},
        ).status_code
        == 403
    )


def test_list_filters_and_paginates(client: httpx.Client, admin: Member, unique_slug: str):
    for suffix in ("a", "b", "c"):
        create_org(unique_slug + suffix)
    first = client.get(
        "/api/organizations", headers=admin.headers, params={"q": unique_slug, "limit": 2}
    ).json()
    assert [o["slug"] for o in first["items"]] == [unique_slug + "a", unique_slug + "b"]
    second = client.get(
        "/api/organizations",
        headers=admin.headers,
        params={"q": unique_slug, "limit": 2, "cursor": first["next_cursor"]},
    )
    assert [o["slug"] for o in second.json()["items"]] == [unique_slug + "c"]
    assert second.json()["next_cursor"] is None
    bad = client.get("/api/organizations", headers=admin.headers, params={"cursor": "%%%"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "cursor"


def test_delete_retains_by_default_and_purges_on_request(
    client: httpx.Client, admin: Member, unique_slug: str
):
    kept, purged = unique_slug + "k", unique_slug + "p"
    kept_owner = create_org(kept)
    create_org(purged)
    member = login(client, kept_owner)
    retained = client.delete(f"/api/organizations/{kept}", headers=admin.headers)
    assert retained.status_code == 200 and retained.json()["policy"] == "Retain"
    assert _schemas_like(f"archived_org_{kept}_%") == [retained.json()["archived_schema"]]
    assert client.get("/api/users/me", headers=member.headers).status_code == 401
    dropped = client.delete(
        f"/api/organizations/{purged}", headers=admin.headers, params={"purge": "true"}
    )
    assert dropped.json() == {"slug": purged, "policy": "Delete", "archived_schema": None}
    assert _schemas_like(f"%org_{purged}%") == []
    assert client.delete(f"/api/organizations/{purged}", headers=admin.headers).status_code == 404
    # The slug is free again.
    create_org(purged)
