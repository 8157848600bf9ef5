"""An organization on another PostgreSQL cluster works end to end, and only there.

The suite runs two real PostgreSQL servers; the second is the cluster `second` (conftest). Its
tenants' data, tenant roles and audit chains must live on it: every request, task, migration,
audit entry and deletion of such a tenant goes to that server, and isolation holds on both.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from finsight.cli import app
from finsight.db import get_engine
from finsight.organizations.upgrade import upgrade_all
from finsight.tenancy import TenantNames, locate, tenant_session
from finsight.tenancy.migrations import PLATFORM_SCHEMA, current_revision, head

from support.api import (
    PASSWORD,
    TEST_ACTOR,
    Member,
    create_org,
    create_platform_admin,
    login,
    unique_email,
)
from support.statements import chase_card
from support.web import WebClient

pytestmark = pytest.mark.integration

SECOND = "second"
runner = CliRunner()
STATEMENT = [
    ("01/14/2024", "WHOLEFDS MKT 10234", "Groceries", "-82.17"),
    ("01/15/2024", "STARBUCKS STORE 123", "Food & Drink", "-4.50"),
    ("01/20/2024", "PAYMENT THANK YOU", "", "500.00"),
]


def _schema_on(cluster: str, slug: str) -> bool:
    with get_engine(cluster).connect() as connection:
        return bool(
            connection.execute(
                text("SELECT EXISTS (SELECT FROM pg_namespace WHERE nspname = :s)"),
                {"s": TenantNames.for_slug(slug).schema},
            ).scalar_one()
        )


def _audit_actions(cluster: str, org_id: str) -> list[str]:
    with get_engine(cluster).connect() as connection:
        return list(
            connection.execute(
                text("SELECT action FROM platform.audit_log WHERE org_id = :o ORDER BY seq"),
                {"o": org_id},
            ).scalars()
        )


def _wait(client: httpx.Client, member: Member, url: str, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        item = client.get(url, headers=member.headers).json()
        if item["status"] in ("succeeded", "failed"):
            return item
        time.sleep(0.2)
    raise AssertionError(f"{url} did not finish: {item}")


@pytest.fixture
def admin(client: httpx.Client) -> Member:
    return login(client, create_platform_admin())


def test_an_organization_on_the_second_cluster_works_end_to_end(
    client: httpx.Client, admin: Member, unique_slug: str, worker_process, web_url: str
):
    owner_email = unique_email("owner")
    created = client.post(
        "/api/organizations",
        headers=admin.headers,
        json={
            "slug": unique_slug,
            "name": "Far away",
            "owner_email": owner_email,
            "owner_password": PASSWORD,
            "database_cluster": SECOND,
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["database_cluster"] == SECOND
    org_id = created.json()["id"]
    # Its schema and role exist on the second server only.
    assert _schema_on(SECOND, unique_slug) and not _schema_on("default", unique_slug)
    assert locate(unique_slug).cluster == SECOND

    owner = login(client, owner_email, unique_slug)
    account = client.post(
        "/api/accounts",
        headers=owner.headers,
        json={"name": "Sapphire", "type": "credit_card", "currency": "USD"},
    )
    assert account.status_code == 201, account.text
    account_id = account.json()["id"]

    # The worker imports on the tenant's queue, into the second server, and analytics follows.
    queued = client.post(
        "/api/imports",
        headers=owner.headers,
        data={"account_id": account_id},
        files={"file": ("statement.csv", chase_card(STATEMENT), "text/csv")},
    )
    assert queued.status_code == 202, queued.text
    batch = _wait(client, owner, f"/api/imports/{queued.json()['id']}")
    assert batch["status"] == "succeeded", batch
    listed = client.get("/api/transactions", headers=owner.headers).json()["items"]
    assert len(listed) == 3
    run = client.post("/api/analytics/runs", headers=owner.headers, json={"kind": "all"})
    assert run.status_code == 202, run.text
    assert _wait(client, owner, f"/api/analytics/runs/{run.json()['id']}")["status"] == (
        "succeeded"
    )
    with tenant_session(unique_slug) as session:
        assert session.execute(text("SELECT count(*) FROM transactions")).scalar_one() == 3

    # Its books' audit entries sit on the second cluster, beside the data; the organization's
    # record and membership entries on the default one; the API shows both, newest first.
    remote = _audit_actions(SECOND, org_id)
    assert "account.create" in remote and "import.create" in remote
    assert "account.create" not in _audit_actions("default", org_id)
    assert "organization.create" in _audit_actions("default", org_id)
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/audit", headers=owner.headers, params=params).json()
        seen += [entry["action"] for entry in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(remote + _audit_actions("default", org_id))
    verified = runner.invoke(app, ["audit", "verify", "--org", unique_slug])
    assert verified.exit_code == 0, verified.output
    assert f"{unique_slug} on {SECOND}: {len(remote)} entries, intact" in verified.stdout

    # The dashboard shows its transactions.
    web = WebClient(web_url)
    try:
        web.sign_in(owner_email, org=unique_slug)
        page = web.get("/transactions")
        assert page.status_code == 200 and "STARBUCKS" in page.text.upper()
    finally:
        web.close()

    # Deleting it drops its schema on the second server.
    deleted = client.delete(
        f"/api/organizations/{unique_slug}", headers=admin.headers, params={"purge": "true"}
    )
    assert deleted.status_code == 200, deleted.text
    assert not _schema_on(SECOND, unique_slug)


def test_isolation_holds_on_both_clusters(client: httpx.Client, unique_slug: str):
    far, near = f"{unique_slug}f", f"{unique_slug}n"
    far_owner = login(client, create_org(far, cluster=SECOND), far)
    near_owner = login(client, create_org(near), near)
    made = client.post(
        "/api/accounts",
        headers=far_owner.headers,
        json={"name": "Far account", "type": "checking", "currency": "USD"},
    )
    assert made.status_code == 201, made.text
    # Another organization's id is not found, whichever cluster asks.
    missing = client.get(f"/api/accounts/{made.json()['id']}", headers=near_owner.headers)
    assert missing.status_code == 404
    assert client.get("/api/accounts", headers=near_owner.headers).json()["items"] == []
    # In the far tenant's transaction on the second server, PostgreSQL refuses other tenants
    # and the platform's own chain.
    other = f"{unique_slug}o"
    create_org(other, cluster=SECOND)
    with pytest.raises(DBAPIError, match="permission denied"), tenant_session(far) as session:
        session.execute(text(f"SELECT * FROM {TenantNames.for_slug(other).schema}.accounts"))
    with tenant_session(far) as session:
        visible = session.execute(text("SELECT DISTINCT org_id FROM platform.audit_log")).all()
        assert [str(row.org_id) for row in visible] == [str(locate(far).org_id)]


def test_db_upgrade_covers_every_cluster(test_env, unique_slug: str):
    create_org(unique_slug, cluster=SECOND)
    report = upgrade_all(TEST_ACTOR)
    assert not report.failures
    assert unique_slug in [tenant.slug for tenant in report.tenants]
    with get_engine(SECOND).connect() as connection:
        assert current_revision(connection, PLATFORM_SCHEMA) == head("platform")
        schema = TenantNames.for_slug(unique_slug).schema
        assert current_revision(connection, schema) == head("tenant")


def test_cli_creates_an_organization_on_a_named_cluster(test_env, unique_slug: str):
    result = runner.invoke(
        app,
        [
            "org",
            "create",
            unique_slug,
            "--name",
            "Placed",
            "--owner-email",
            unique_email("owner"),
            "--cluster",
            SECOND,
        ],
    )
    assert result.exit_code == 0, result.output
    assert f"on cluster {SECOND}" in result.stdout
    assert _schema_on(SECOND, unique_slug)
    unknown = runner.invoke(
        app,
        [
            "org",
            "create",
            f"{unique_slug}x",
            "--name",
            "X",
            "--owner-email",
            "x@x.test",
            "--cluster",
            "nowhere",
        ],
    )
    assert unknown.exit_code == 1 and "nowhere" in unknown.output
