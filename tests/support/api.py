"""Helpers for tests that talk to a real api process over HTTP."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import httpx

from finsight.db import platform_session
from finsight.kit.identity import Actor
from finsight.organizations.invitations import (
    IssuedInvitation,
    accept_as_user,
    accept_with_new_account,
    invite,
)
from finsight.organizations.service import OrganizationSpec, create_organization, get_organization
from finsight.rbac.permissions import ALL_PERMISSIONS
from finsight.users.service import create_user, find_user_by_email

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


def join_by_invitation(issued: IssuedInvitation, password: str = PASSWORD) -> None:
    """What an invitee does with the emailed link: set their own password (a new account) or,
    already registered, accept as themselves."""
    with platform_session() as session:
        user = find_user_by_email(session, issued.invitation.email)
        if user is None:
            accept_with_new_account(
                session, issued.token, password=password, full_name="", actor=TEST_ACTOR
            )
        else:
            accept_as_user(session, issued.token, user.id, TEST_ACTOR)


def create_org(slug: str, owner_email: str | None = None, *, cluster: str = "default") -> str:
    """An organization whose owner accepted their invitation with PASSWORD (or, already
    registered, accepted as themselves); returns the owner's email."""
    owner_email = owner_email or unique_email("owner")
    with platform_session() as session:
        created = create_organization(
            session,
            OrganizationSpec(
                slug=slug, name=f"Org {slug}", owner_email=owner_email, database_cluster=cluster
            ),
            TEST_ACTOR,
        )
        issued = created.owner_invitation
    assert issued is not None
    join_by_invitation(issued)
    return owner_email


def add_user(slug: str, role: str, email: str | None = None) -> str:
    """Invite someone into the organization, and accept as them (password PASSWORD)."""
    email = email or unique_email(role)
    with platform_session() as session:
        issued = invite(
            session,
            get_organization(session, slug),
            email=email,
            role_name=role,
            granter_permissions=ALL_PERMISSIONS,
            actor=TEST_ACTOR,
        )
    join_by_invitation(issued)
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
