"""Helpers for tests that talk to a real api process over HTTP."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import httpx

from finsight.db import platform_session
from finsight.kit.identity import Actor
from finsight.organizations.members import add_member
from finsight.organizations.service import OrganizationSpec, create_organization, get_organization
from finsight.rbac.permissions import ALL_PERMISSIONS
from finsight.users.service import create_user

PASSWORD = "correct horse battery staple"
TEST_ACTOR = Actor.system("tests")


@dataclass
class Member:
    email: str
    token: str
    refresh_token: str
    org_slug: str | None

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.test"


def create_org(slug: str, owner_email: str | None = None, *, cluster: str = "default") -> str:
    """An organization with an owner whose password is PASSWORD; returns the owner's email."""
    owner_email = owner_email or unique_email("owner")
    with platform_session() as session:
        create_organization(
            session,
            OrganizationSpec(
                slug=slug,
                name=f"Org {slug}",
                owner_email=owner_email,
                owner_password=PASSWORD,
                database_cluster=cluster,
            ),
            TEST_ACTOR,
        )
    return owner_email


def add_user(slug: str, role: str, email: str | None = None) -> str:
    email = email or unique_email(role)
    with platform_session() as session:
        add_member(
            session,
            get_organization(session, slug),
            email=email,
            role_name=role,
            password=PASSWORD,
            granter_permissions=ALL_PERMISSIONS,
            actor=TEST_ACTOR,
        )
    return email


def create_platform_admin() -> str:
    email = unique_email("admin")
    with platform_session() as session:
        create_user(session, email, PASSWORD, actor=TEST_ACTOR, is_platform_admin=True)
    return email


def login(
    client: httpx.Client, email: str, org: str | None = None, password: str = PASSWORD
) -> Member:
    body: dict[str, str] = {"email": email, "password": password}
    if org:
        body["organization"] = org
    response = client.post("/api/auth/login", json=body)
    assert response.status_code == 200, response.text
    data = response.json()
    slug = data["organization"]["slug"] if data["organization"] else None
    return Member(email, data["access_token"], data["refresh_token"], slug)
