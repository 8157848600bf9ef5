"""Anonymous refusals do not grow the audit log one row each (issue 19, item 5): they are
counted per address, action and status, and summarised at counts 1, 10, 100, ..."""

from __future__ import annotations

import random

import httpx
import pytest
from sqlalchemy import text

from finsight.db import get_engine

from support.api import add_user, create_org, login

pytestmark = pytest.mark.integration


def _rows_from(ip: str) -> list[tuple[str, str, dict]]:
    with get_engine().connect() as connection:
        return [
            (row.action, row.result, row.details)
            for row in connection.execute(
                text(
                    "SELECT action, result, details FROM platform.audit_log "
                    "WHERE ip = :ip ORDER BY id"
                ),
                {"ip": ip},
            )
        ]


def _address() -> str:
    """A documentation address of its own (the api believes X-Forwarded-For from loopback)."""
    return f"2001:db8::{random.getrandbits(16):x}:{random.getrandbits(16):x}"


def test_500_anonymous_refusals_add_a_handful_of_rows(client: httpx.Client, unique_slug: str):
    ip = _address()
    headers = {"X-Forwarded-For": ip}
    for attempt in range(500):
        token = {"Authorization": f"Bearer not-a-token-{attempt}"} if attempt % 2 else {}
        response = client.post("/api/accounts", headers={**headers, **token}, json={})
        assert response.status_code == 401, response.text
    rows = _rows_from(ip)
    assert 1 <= len(rows) <= 5, rows
    assert {action for action, _, _ in rows} == {"account.create"}
    assert [details["count"] for _, _, details in rows] == [1, 10, 100]
    assert all(result == "failure" and details["aggregated"] for _, result, details in rows)


def test_failed_sign_ins_of_unknown_users_are_aggregated(client: httpx.Client):
    ip = _address()
    for attempt in range(40):  # the address is throttled after 30: those 429s count too
        client.post(
            "/api/auth/login",
            headers={"X-Forwarded-For": ip},
            json={"email": f"nobody{attempt}@example.test", "password": "wrong password"},
        )
    rows = _rows_from(ip)
    assert 1 <= len(rows) <= 4, rows
    assert {action for action, _, _ in rows} == {"auth.login"}


def test_refused_writes_of_members_are_still_audited_one_by_one(
    client: httpx.Client, unique_slug: str
):
    create_org(unique_slug)
    viewer = login(client, add_user(unique_slug, "viewer"))
    ip = _address()
    for _ in range(3):
        refused = client.post(
            "/api/roles",
            headers={**viewer.headers, "X-Forwarded-For": ip},
            json={"name": "x", "permissions": []},
        )
        assert refused.status_code == 403
    rows = _rows_from(ip)
    assert [(action, result) for action, result, _ in rows] == [("role.create", "denied")] * 3
