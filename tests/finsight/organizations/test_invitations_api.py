"""Invitations (issue 19, item 1): nobody sets another person's password, the answer never
tells whether an address is registered, links are single-use, expire, and can be revoked."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select, update

from finsight.db import platform_session
from finsight.kit.models import utcnow
from finsight.organizations.models import Invitation
from finsight.users.models import User

from support.api import Member, add_user, create_org, login, unique_email
from support.mail import MailSink, text_of

pytestmark = pytest.mark.integration

MEMBERS = "/api/organizations/current/members"
INVITATIONS = "/api/organizations/current/invitations"


def _token(issued: dict[str, str]) -> str:
    return issued["accept_url"].split("token=")[1]


def _invite(client: httpx.Client, who: Member, email: str, role: str = "viewer") -> dict:
    response = client.post(MEMBERS, headers=who.headers, json={"email": email, "role": role})
    assert response.status_code == 201, response.text
    return response.json()


def test_the_pre_hijack_of_issue_19_is_closed(client: httpx.Client, unique_slug: str):
    """An admin of A can no longer give an address a password: inviting creates no account,
    and B's invitation lets the real person choose theirs."""
    attacker = login(client, create_org(unique_slug), unique_slug)
    victim = unique_email("newhire")
    with_password = client.post(
        MEMBERS,
        headers=attacker.headers,
        json={"email": victim, "role": "viewer", "password": "attacker's choice"},
    )
    assert with_password.status_code == 422
    assert with_password.json()["errors"][0]["field"] == "password"
    _invite(client, attacker, victim)
    with platform_session() as session:
        assert session.scalar(select(func.count()).where(User.email == victim)) == 0
    listed = client.get(INVITATIONS, headers=attacker.headers).json()
    revoked = next(i for i in listed if i["email"] == victim)
    client.delete(f"{INVITATIONS}/{revoked['id']}", headers=attacker.headers)

    b = login(client, create_org(unique_slug + "b"), unique_slug + "b")
    issued = _invite(client, b, victim)
    accepted = client.post(
        "/api/invitations/accept", json={"token": _token(issued), "password": "the victim's own"}
    )
    assert accepted.status_code == 200 and accepted.json()["account_created"] is True
    refused = client.post(
        "/api/auth/login", json={"email": victim, "password": "attacker's choice"}
    )
    assert refused.status_code == 401
    assert login(client, victim, password="the victim's own").org_slug == unique_slug + "b"


def test_answer_is_the_same_for_registered_and_unknown_addresses(
    client: httpx.Client, owner: Member, unique_slug: str
):
    registered = create_org(unique_slug + "o")
    unknown = unique_email("unknown")
    a = _invite(client, owner, registered)
    b = _invite(client, owner, unknown)
    assert set(a) == set(b)
    for answer in (a, b):
        assert "user_id" not in answer and "full_name" not in answer
        assert answer["status"] == "pending" and answer["role"] == "viewer"


def test_emailed_link_is_single_use_and_sets_your_own_password(
    client: httpx.Client, owner: Member, mail_sink: MailSink, worker_process: object
):
    email = unique_email("invitee")
    issued = _invite(client, owner, email, role="analyst")
    [mail] = mail_sink.wait_for(email, timeout=60)
    assert issued["accept_url"] in text_of(mail)
    assert mail.get_body(preferencelist=("html",)) is not None

    token = _token(issued)
    preview = client.post("/api/invitations/preview", json={"token": token}).json()
    assert preview["account_exists"] is False and preview["role"] == "analyst"
    missing = client.post("/api/invitations/accept", json={"token": token})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "password"
    short = client.post("/api/invitations/accept", json={"token": token, "password": "short"})
    assert short.status_code == 422
    ok = client.post(
        "/api/invitations/accept",
        json={"token": token, "password": "my own password", "full_name": "Ivy"},
    )
    assert ok.status_code == 200, ok.text
    again = client.post("/api/invitations/accept", json={"token": token, "password": "x" * 12})
    assert again.status_code == 404
    member = login(client, email, password="my own password")
    me = client.get("/api/users/me", headers=member.headers).json()
    assert me["role"] == "analyst" and me["full_name"] == "Ivy"
    audit = client.get("/api/audit", headers=owner.headers, params={"action": "invitation.accept"})
    assert audit.status_code == 200
    assert any(e["details"].get("email") == email for e in audit.json()["items"])


def test_existing_account_signs_in_and_accepts_as_itself(
    client: httpx.Client, owner: Member, unique_slug: str
):
    other_slug = unique_slug + "e"
    existing = create_org(other_slug)
    issued = _invite(client, owner, existing, role="viewer")
    token = _token(issued)
    assert client.post("/api/invitations/preview", json={"token": token}).json()["account_exists"]
    anonymous = client.post("/api/invitations/accept", json={"token": token, "password": "x" * 12})
    assert anonymous.status_code == 409 and anonymous.json()["code"] == "sign_in_required"
    stranger = login(client, add_user(other_slug, "viewer"), other_slug)
    wrong = client.post("/api/invitations/accept", headers=stranger.headers, json={"token": token})
    assert wrong.status_code == 403
    themselves = login(client, existing, other_slug)
    ok = client.post("/api/invitations/accept", headers=themselves.headers, json={"token": token})
    assert ok.status_code == 200 and ok.json()["account_created"] is False
    assert login(client, existing, unique_slug).org_slug == unique_slug


def test_revoke_resend_and_expiry(client: httpx.Client, owner: Member):
    email = unique_email("later")
    first = _invite(client, owner, email)
    resent = client.post(f"{INVITATIONS}/{first['id']}/resend", headers=owner.headers)
    assert resent.status_code == 200
    old, new = _token(first), _token(resent.json())
    assert old != new
    preview = "/api/invitations/preview"
    assert client.post(preview, json={"token": old}).status_code == 404
    assert client.post(preview, json={"token": new}).status_code == 200

    with platform_session() as session:
        session.execute(
            update(Invitation)
            .where(Invitation.id == first["id"])
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
    expired = client.post("/api/invitations/accept", json={"token": new, "password": "x" * 12})
    assert expired.status_code == 404
    listed = {i["id"]: i for i in client.get(INVITATIONS, headers=owner.headers).json()}
    assert listed[first["id"]]["status"] == "expired"

    other = _invite(client, owner, unique_email("revoked"))
    revoked = client.delete(f"{INVITATIONS}/{other['id']}", headers=owner.headers)
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    gone = client.post(
        "/api/invitations/accept", json={"token": _token(other), "password": "x" * 12}
    )
    assert gone.status_code == 404
    twice = client.delete(f"{INVITATIONS}/{other['id']}", headers=owner.headers)
    assert twice.status_code == 409


def test_already_a_member_is_a_conflict_and_other_tenants_invitations_are_invisible(
    client: httpx.Client, owner: Member, unique_slug: str
):
    member = add_user(unique_slug, "viewer")
    again = client.post(MEMBERS, headers=owner.headers, json={"email": member, "role": "viewer"})
    assert again.status_code == 409
    issued = _invite(client, owner, unique_email("mine"))
    other = login(client, create_org(unique_slug + "z"), unique_slug + "z")
    seen = [i["email"] for i in client.get(INVITATIONS, headers=other.headers).json()]
    assert seen == [other.email]  # only its own owner's, accepted
    for call in (
        lambda: client.delete(f"{INVITATIONS}/{issued['id']}", headers=other.headers),
        lambda: client.post(f"{INVITATIONS}/{issued['id']}/resend", headers=other.headers),
    ):
        assert call().status_code == 404
