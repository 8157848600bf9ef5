"""Two-factor sign-in (issue 19, item 11): TOTP enrolment, the sign-in challenge, recovery
codes, throttling, and organizations that require it."""

from __future__ import annotations

import time

import httpx
import pyotp
import pytest
from sqlalchemy import select

from finsight.crypto.envelope import decrypt_secret
from finsight.db import platform_session
from finsight.users.models import User

from support.api import PASSWORD, Member, add_user, create_org, login

pytestmark = pytest.mark.integration

TWO_FACTOR = "/api/users/me/two-factor"


def _enrol(client: httpx.Client, member: Member) -> tuple[pyotp.TOTP, list[str]]:
    setup = client.post(f"{TWO_FACTOR}/setup", headers=member.headers)
    assert setup.status_code == 200, setup.text
    secret = setup.json()["secret"]
    assert setup.json()["otpauth_uri"].startswith("otpauth://totp/finsight:")
    totp = pyotp.TOTP(secret)
    wrong = client.post(f"{TWO_FACTOR}/enable", headers=member.headers, json={"code": "000000"})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "code"
    enabled = client.post(f"{TWO_FACTOR}/enable", headers=member.headers, json={"code": totp.now()})
    assert enabled.status_code == 200, enabled.text
    return totp, enabled.json()["recovery_codes"]


def _next_code(totp: pyotp.TOTP) -> str:
    """The next time step's code: accepted (clock drift) and never used before."""
    return totp.at(time.time() + 30)


def test_enrol_then_sign_in_needs_a_code_and_each_code_works_once(
    client: httpx.Client, unique_slug: str
):
    email = create_org(unique_slug)
    owner = login(client, email)
    totp, recovery = _enrol(client, owner)
    assert len(recovery) == 10 and len(set(recovery)) == 10
    status = client.get(TWO_FACTOR, headers=owner.headers).json()
    assert status["enabled"] and status["recovery_codes_left"] == 10

    with platform_session() as session:  # sealed at rest, and opens to the same secret
        user = session.scalar(select(User).where(User.email == email))
        assert user is not None and user.totp_secret is not None
        assert totp.secret.encode() not in user.totp_secret
        sealed = user.totp_secret.decode()
        assert sealed.startswith("fs1:") and totp.secret not in sealed
        assert decrypt_secret(sealed, context=f"totp:{user.id}".encode()) == totp.secret

    answer = client.post("/api/auth/login", json={"email": email, "password": PASSWORD}).json()
    assert answer["second_factor_required"] is True and "access_token" not in answer
    challenge = answer["challenge"]
    bad = client.post("/api/auth/login/totp", json={"challenge": challenge, "code": "123456"})
    assert bad.status_code == 401
    code = _next_code(totp)
    ok = client.post("/api/auth/login/totp", json={"challenge": challenge, "code": code})
    assert ok.status_code == 200, ok.text
    assert ok.json()["organization"]["slug"] == unique_slug
    replay = client.post("/api/auth/login/totp", json={"challenge": challenge, "code": code})
    assert replay.status_code == 401  # that time step was spent

    by_recovery = client.post(
        "/api/auth/login/totp", json={"challenge": challenge, "code": recovery[0].upper()}
    )
    assert by_recovery.status_code == 200
    again = client.post("/api/auth/login/totp", json={"challenge": challenge, "code": recovery[0]})
    assert again.status_code == 401
    assert client.get(TWO_FACTOR, headers=owner.headers).json()["recovery_codes_left"] == 9
    forged = client.post("/api/auth/login/totp", json={"challenge": "x.y.z", "code": recovery[1]})
    assert forged.status_code == 401


def test_wrong_codes_are_throttled_like_passwords(client: httpx.Client, unique_slug: str):
    email = create_org(unique_slug)
    _enrol(client, login(client, email))
    challenge = client.post("/api/auth/login", json={"email": email, "password": PASSWORD}).json()[
        "challenge"
    ]
    statuses = [
        client.post(
            "/api/auth/login/totp",
            json={"challenge": challenge, "code": f"{i:06d}"},
            headers={"X-Forwarded-For": f"198.51.100.{i + 1}"},
        ).status_code
        for i in range(6)
    ]
    # The wrong code tried while enrolling counted too: five failures in all, then 429.
    assert statuses == [401] * 4 + [429] * 2
    # The right password does not reset the count while 2FA is on: still throttled.
    locked = client.post(
        "/api/auth/login",
        json={"email": email, "password": PASSWORD},
        headers={"X-Forwarded-For": "198.51.100.77"},
    )
    assert locked.status_code == 429


def test_disable_needs_a_code(client: httpx.Client, unique_slug: str):
    email = create_org(unique_slug)
    owner = login(client, email)
    totp, _ = _enrol(client, owner)
    refused = client.post(f"{TWO_FACTOR}/disable", headers=owner.headers, json={"code": "999999"})
    assert refused.status_code == 422
    off = client.post(
        f"{TWO_FACTOR}/disable", headers=owner.headers, json={"code": _next_code(totp)}
    )
    assert off.status_code == 204
    assert (
        "access_token"
        in client.post("/api/auth/login", json={"email": email, "password": PASSWORD}).json()
    )


def test_an_organization_can_require_it(client: httpx.Client, unique_slug: str):
    owner_email = create_org(unique_slug)
    owner = login(client, owner_email)
    member_email = add_user(unique_slug, "analyst")
    member = login(client, member_email)

    too_early = client.patch(
        "/api/organizations/current", headers=owner.headers, json={"require_two_factor": True}
    )
    assert too_early.status_code == 409  # the owner would lock themselves out
    _, recovery = _enrol(client, owner)
    turned_on = client.patch(
        "/api/organizations/current", headers=owner.headers, json={"require_two_factor": True}
    )
    assert turned_on.status_code == 200 and turned_on.json()["require_two_factor"] is True

    # The member's session ended, and they get no token for the organization until enrolled.
    assert client.get("/api/users/me", headers=member.headers).status_code == 401
    refused = client.post("/api/auth/login", json={"email": member_email, "password": PASSWORD})
    assert refused.status_code == 403
    assert refused.json()["code"] == "two_factor_enrollment_required"
    personal = login_personal(client, member_email)
    assert client.get("/api/accounts", headers=personal.headers).status_code == 403
    _enrol(client, personal)
    challenge = client.post(
        "/api/auth/login", json={"email": member_email, "password": PASSWORD}
    ).json()
    assert challenge["second_factor_required"] is True

    audit = client.post(
        "/api/auth/login/totp",
        json={
            "challenge": client.post(
                "/api/auth/login", json={"email": owner_email, "password": PASSWORD}
            ).json()["challenge"],
            "code": recovery[0],
        },
    ).json()
    entries = client.get(
        "/api/audit",
        headers={"Authorization": f"Bearer {audit['access_token']}"},
        params={"action": "organization.update"},
    ).json()["items"]
    assert any(e["details"].get("require_two_factor") is True for e in entries)


def login_personal(client: httpx.Client, email: str) -> Member:
    response = client.post(
        "/api/auth/login", json={"email": email, "password": PASSWORD, "personal": True}
    )
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["organization"] is None
    return Member(email, data["access_token"], data["refresh_token"], None)
