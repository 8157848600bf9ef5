"""Every mutating endpoint writes exactly one audit entry; the log is append-only and its chain
detects edits."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import bindparam as sa_bindparam
from sqlalchemy import text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import DBAPIError, ProgrammingError

from finsight.audit.service import verify_chain
from finsight.db import get_engine, get_migration_engine, platform_session
from finsight.organizations.service import get_organization
from finsight.tenancy import TenantNames, scope_to_tenant

from support.accounts import make_account
from support.api import PASSWORD, add_user, create_org, create_platform_admin, login, unique_email
from support.routes import DRY_RUNS, NOT_AUDITED, mutating_routes
from support.statements import chase_card

pytestmark = pytest.mark.integration


def _audit_rows() -> int:
    """Entries written by requests: a worker's own entries (an import finishing) come in their
    own time and are left out."""
    with get_engine().connect() as connection:
        return int(
            connection.execute(
                text(
                    "SELECT count(*) FROM platform.audit_log "
                    "WHERE actor_email IS DISTINCT FROM 'worker'"
                )
            ).scalar_one()
        )


def _rows_written(call: Callable[[], httpx.Response]) -> tuple[httpx.Response, int]:
    before = _audit_rows()
    response = call()
    return response, _audit_rows() - before


def _invitation_id(client: httpx.Client, headers: dict[str, str], email: str) -> str:
    listed = client.get("/api/organizations/current/invitations", headers=headers).json()
    return str(next(i["id"] for i in listed if i["email"] == email and i["status"] == "pending"))


def test_every_mutating_endpoint_writes_one_entry(client: httpx.Client, unique_slug: str):
    """Platform-admin organization creation writes one entry to the platform chain and one to
    the new organization's chain: the same event, once per chain."""
    slug, other = unique_slug, unique_slug + "x"
    owner_email = create_org(slug)
    create_org(other, owner_email=owner_email)
    owner = login(client, owner_email, slug)
    admin = login(client, create_platform_admin())
    viewer_email = add_user(slug, "viewer")
    viewer_id = next(
        m["user_id"]
        for m in client.get("/api/organizations/current/members", headers=owner.headers).json()[
            "items"
        ]
        if m["email"] == viewer_email
    )
    exercised: dict[str, int] = {}

    def run(
        name: str, expected_status: int, call: Callable[[], httpx.Response], entries: int = 1
    ) -> httpx.Response:
        response, written = _rows_written(call)
        assert response.status_code == expected_status, (name, response.text)
        assert written == entries, (name, written)
        exercised[name] = written
        return response

    h = owner.headers
    run(
        "auth.login",
        200,
        lambda: client.post("/api/auth/login", json={"email": owner_email, "password": PASSWORD}),
    )
    fresh = login(client, owner_email, slug)
    run(
        "auth.refresh",
        200,
        lambda: client.post("/api/auth/refresh", json={"refresh_token": fresh.refresh_token}),
    )
    run(
        "auth.switch",
        200,
        lambda: client.post("/api/auth/switch", json={"organization": other}, headers=h),
    )
    run(
        "user.update",
        200,
        lambda: client.patch("/api/users/me", json={"full_name": "Ann"}, headers=h),
    )
    run(
        "organization.update",
        200,
        lambda: client.patch("/api/organizations/current", json={"name": "Renamed"}, headers=h),
    )
    new_email = unique_email("new")
    # An invitation (no user is created until the invitee accepts).
    run(
        "member.invite",
        201,
        lambda: client.post(
            "/api/organizations/current/members",
            headers=h,
            json={"email": new_email, "role": "viewer"},
        ),
    )
    invitation = run(
        "invitation.resend",
        200,
        lambda: client.post(
            f"/api/organizations/current/invitations/{_invitation_id(client, h, new_email)}/resend",
            headers=h,
        ),
    ).json()
    # Accepting with a new account: user.create (platform chain) + invitation.accept.
    run(
        "invitation.accept",
        200,
        lambda: client.post(
            "/api/invitations/accept",
            json={"token": invitation["accept_url"].split("token=")[1], "password": "p" * 12},
        ),
        entries=2,
    )
    revoked_email = unique_email("revoked")
    client.post(
        "/api/organizations/current/members",
        headers=h,
        json={"email": revoked_email, "role": "viewer"},
    )
    run(
        "invitation.revoke",
        200,
        lambda: client.delete(
            f"/api/organizations/current/invitations/{_invitation_id(client, h, revoked_email)}",
            headers=h,
        ),
    )
    run(
        "member.role.change",
        200,
        lambda: client.patch(
            f"/api/organizations/current/members/{viewer_id}", headers=h, json={"role": "analyst"}
        ),
    )
    run(
        "member.remove",
        204,
        lambda: client.delete(f"/api/organizations/current/members/{viewer_id}", headers=h),
    )
    role = run(
        "role.create",
        201,
        lambda: client.post(
            "/api/roles", headers=h, json={"name": "r1", "permissions": ["audit:read"]}
        ),
    ).json()
    run(
        "role.update",
        200,
        lambda: client.patch(f"/api/roles/{role['id']}", headers=h, json={"description": "d"}),
    )
    run("role.delete", 204, lambda: client.delete(f"/api/roles/{role['id']}", headers=h))
    account = make_account(slug)
    mapping = {"name": "m1", "date_column": "D", "amount_column": "A", "description_column": "X"}
    run(
        "mapping.save",
        200,
        lambda: client.put(f"/api/accounts/{account}/mappings", headers=h, json=mapping),
    )
    saved = client.get(f"/api/accounts/{account}/mappings", headers=h).json()[0]
    run(
        "mapping.delete",
        204,
        lambda: client.delete(f"/api/accounts/{account}/mappings/{saved['id']}", headers=h),
    )
    statement = chase_card([("01/15/2024", "STARBUCKS", "Food & Drink", "-4.50")])
    run(
        "import.create",
        202,
        lambda: client.post(
            "/api/imports",
            headers=h,
            data={"account_id": str(account)},
            files={"file": ("s.csv", statement, "text/csv")},
        ),
    )
    run(
        "analytics.run.create",
        202,
        lambda: client.post("/api/analytics/runs", headers=h, json={"kind": "recurring"}),
    )
    # An anomaly as a run stores it, then a person's feedback on it.
    from datetime import date as _date

    from finsight.analytics.models import AnomalyRecord
    from finsight.tenancy import tenant_session as _tenant_session

    with _tenant_session(slug) as session:
        anomaly = AnomalyRecord(
            kind="spike", dedupe_key="audit", occurred_on=_date(2025, 1, 2), score=0.9, reason="r"
        )
        session.add(anomaly)
        session.flush()
        anomaly_url = f"/api/analytics/anomalies/{anomaly.id}/feedback"
    run(
        "analytics.anomaly.feedback",
        200,
        lambda: client.post(anomaly_url, headers=h, json={"status": "dismissed"}),
    )
    # Institutions, accounts, categories and transactions (one inserted as an import would).
    import uuid
    from datetime import date
    from decimal import Decimal

    from finsight.tenancy import tenant_session
    from finsight.transactions.models import Transaction

    bank = run(
        "institution.create",
        201,
        lambda: client.post("/api/institutions", headers=h, json={"name": "Ally"}),
    ).json()
    run(
        "institution.update",
        200,
        lambda: client.patch(f"/api/institutions/{bank['id']}", headers=h, json={"website": "a"}),
    )
    run(
        "institution.delete",
        204,
        lambda: client.delete(f"/api/institutions/{bank['id']}", headers=h),
    )
    acct = run(
        "account.create",
        201,
        lambda: client.post("/api/accounts", headers=h, json={"name": "Daily", "type": "checking"}),
    ).json()
    run(
        "account.update",
        200,
        lambda: client.patch(f"/api/accounts/{acct['id']}", headers=h, json={"mask": "1234"}),
    )
    pets = run(
        "category.create",
        201,
        lambda: client.post("/api/categories", headers=h, json={"name": "Pets", "kind": "expense"}),
    ).json()
    run(
        "category.update",
        200,
        lambda: client.patch(f"/api/categories/{pets['id']}", headers=h, json={"name": "Pet"}),
    )
    with tenant_session(slug) as session:
        txn = Transaction(
            account_id=uuid.UUID(acct["id"]),
            transaction_date=date(2025, 1, 2),
            amount=Decimal("-5"),
            currency="USD",
            description_raw="VET",
            description="VET",
            fingerprint=b"audit",
        )
        session.add(txn)
        session.flush()
        txn_url = f"/api/transactions/{txn.id}"
    run(
        "transaction.update",
        200,
        lambda: client.patch(txn_url, headers=h, json={"category_id": pets["id"]}),
    )
    run(
        "transaction.bulk_recategorize",
        200,
        lambda: client.post(
            "/api/transactions/bulk-recategorize",
            headers=h,
            json={"ids": [txn_url.rsplit("/", 1)[1]], "category_id": None},
        ),
    )
    run("transaction.delete", 204, lambda: client.delete(txn_url, headers=h))
    run("transaction.restore", 200, lambda: client.post(f"{txn_url}/restore", headers=h))
    run(
        "transaction.create",
        201,
        lambda: client.post(
            "/api/transactions",
            headers=h,
            json={
                "account_id": acct["id"],
                "transaction_date": "2025-01-03",
                "amount": "-3.00",
                "description": "Cash",
            },
        ),
    )
    # Merchants (the merchants step run in-process over two descriptors): rename, merge, split.
    from support.ledger import insert_transactions
    from support.merchants import run_step

    insert_transactions(
        slug,
        acct["id"],
        [
            {"day": "2025-01-03", "amount": "-9", "description": "NETFLIX.COM"},
            {"day": "2025-01-04", "amount": "-8", "description": "HULU"},
        ],
    )
    run_step(slug)
    merchants = {
        m["name"]: m["id"]
        for m in client.get("/api/analytics/merchants", headers=h).json()["items"]
    }
    netflix, hulu = merchants["Netflix"], merchants["Hulu"]
    run(
        "analytics.merchant.rename",
        200,
        lambda: client.patch(f"/api/analytics/merchants/{netflix}", headers=h, json={"name": "TV"}),
    )
    run(
        "analytics.merchant.merge",
        200,
        lambda: client.post(
            "/api/analytics/merchants/merge",
            headers=h,
            json={"source_ids": [hulu], "target_id": netflix},
        ),
    )
    run(
        "analytics.merchant.split",
        201,
        lambda: client.post(
            f"/api/analytics/merchants/{netflix}/split", headers=h, json={"keys": ["hulu"]}
        ),
    )
    # Categorization: rules, a dry run (no entry), review resolve, and the two proposals the
    # resolved rows of two merchants give rise to (accept one, dismiss the other).
    from finsight.analytics.models import Merchant, MerchantKey
    from finsight.categories.tree import system_category_id

    with tenant_session(slug) as session:
        shops = [Merchant(name="Kibble Co"), Merchant(name="Paws Inc")]
        session.add_all(shops)
        session.flush()
        shop_ids = [shop.id for shop in shops]
        # With keys, as the merchants step keeps them: a merchant without any is deleted by
        # the next run (the worker runs one after every import of this test).
        session.add_all(
            MerchantKey(key=shop.name.lower(), merchant_id=shop.id, display=shop.name, pinned=True)
            for shop in shops
        )
        household = str(system_category_id(session, "Shopping", "Household"))
    pet_rows = insert_transactions(
        slug,
        acct["id"],
        [
            {
                "day": f"2025-02-0{n + 1}",
                "amount": "-7",
                "description": f"PET SHOP {n}",
                "merchant_id": shop_ids[n % 2],
                "merchant_key": ("kibble co", "paws inc")[n % 2],
            }
            for n in range(6)
        ],
    )
    rules_url = "/api/analytics/rules"
    rule = run(
        "analytics.rule.create",
        201,
        lambda: client.post(
            rules_url,
            headers=h,
            json={
                "name": "Vet",
                "conditions": {"description_contains": "vet"},
                "actions": {"category_id": pets["id"]},
            },
        ),
    ).json()
    run(
        "analytics.rule.update",
        200,
        lambda: client.patch(f"{rules_url}/{rule['id']}", headers=h, json={"enabled": False}),
    )
    run(
        "analytics.rule.reorder",
        200,
        lambda: client.post(f"{rules_url}/reorder", headers=h, json={"ids": [rule["id"]]}),
    )
    dry, written = _rows_written(
        lambda: client.post(f"{rules_url}/dry-run", headers=h, json={"rule_id": rule["id"]})
    )
    assert dry.status_code == 200 and written == 0, dry.text
    run("analytics.rule.delete", 204, lambda: client.delete(f"{rules_url}/{rule['id']}", headers=h))
    run(
        "analytics.review.resolve",
        200,
        lambda: client.post(
            "/api/analytics/review/resolve",
            headers=h,
            json={"transaction_ids": [str(i) for i in pet_rows], "category_id": household},
        ),
    )
    proposed = client.get("/api/analytics/proposals", headers=h).json()
    assert len(proposed) == 2, proposed
    run(
        "analytics.proposal.accept",
        200,
        lambda: client.post(f"/api/analytics/proposals/{proposed[0]['id']}/accept", headers=h),
    )
    run(
        "analytics.proposal.dismiss",
        200,
        lambda: client.post(f"/api/analytics/proposals/{proposed[1]['id']}/dismiss", headers=h),
    )
    # Reports: one on demand (queued: the worker is not needed to record it), a schedule.
    period = {"type": "months", "from": "2026-01", "to": "2026-01"}
    report = run(
        "report.create",
        202,
        lambda: client.post(
            "/api/reports", headers=h, json={"kind": "ledger", "format": "csv", "period": period}
        ),
    ).json()
    run("report.delete", 204, lambda: client.delete(f"/api/reports/{report['id']}", headers=h))
    schedule = run(
        "report_schedule.create",
        201,
        lambda: client.post(
            "/api/report-schedules",
            headers=h,
            json={
                "name": "Monthly",
                "kind": "ledger",
                "formats": ["csv"],
                "cadence": {"type": "monthly", "day": 1},
                "period": "last_month",
                "recipients": [{"email": "books@example.com"}],
            },
        ),
    ).json()
    schedule_url = f"/api/report-schedules/{schedule['id']}"
    run(
        "report_schedule.update",
        200,
        lambda: client.patch(schedule_url, headers=h, json={"status": "paused"}),
    )
    run("report_schedule.send_now", 202, lambda: client.post(f"{schedule_url}/send", headers=h))
    run("report_schedule.delete", 204, lambda: client.delete(schedule_url, headers=h))
    run("category.delete", 204, lambda: client.delete(f"/api/categories/{pets['id']}", headers=h))
    run("account.delete", 204, lambda: client.delete(f"/api/accounts/{acct['id']}", headers=h))
    third = unique_slug + "y"
    run(
        "organization.create",
        201,
        lambda: client.post(
            "/api/organizations",
            headers=admin.headers,
            json={"slug": third, "name": "Third", "owner_email": unique_email("o3")},
        ),
        entries=3,
    )
    run(
        "organization.suspend",
        200,
        lambda: client.post(f"/api/organizations/{third}/suspend", headers=admin.headers),
    )
    run(
        "organization.resume",
        200,
        lambda: client.post(f"/api/organizations/{third}/resume", headers=admin.headers),
    )
    run(
        "organization.delete",
        200,
        lambda: client.delete(f"/api/organizations/{third}", headers=admin.headers),
        entries=2,
    )
    run(
        "user.password.change",
        204,
        lambda: client.post(
            "/api/users/me/password",
            headers=h,
            json={"current_password": PASSWORD, "new_password": "a new long password"},
        ),
    )
    # Two-factor sign-in: enrol, sign in with a code, new recovery codes, turn it off.
    import pyotp

    secret = run(
        "user.2fa.setup", 200, lambda: client.post("/api/users/me/two-factor/setup", headers=h)
    ).json()["secret"]
    totp = pyotp.TOTP(secret)
    recovery = run(
        "user.2fa.enable",
        200,
        lambda: client.post(
            "/api/users/me/two-factor/enable", headers=h, json={"code": totp.now()}
        ),
    ).json()["recovery_codes"]
    challenge = client.post(
        "/api/auth/login",
        json={"email": owner_email, "password": "a new long password", "organization": slug},
    ).json()["challenge"]
    run(
        "auth.login.totp",
        200,
        lambda: client.post(
            "/api/auth/login/totp", json={"challenge": challenge, "code": recovery[0]}
        ),
    )
    run(
        "user.2fa.recovery_codes",
        200,
        lambda: client.post(
            "/api/users/me/two-factor/recovery-codes", headers=h, json={"code": recovery[1]}
        ),
    )
    fresh_codes = client.post(
        "/api/users/me/two-factor/recovery-codes", headers=h, json={"code": recovery[2]}
    )
    assert fresh_codes.status_code == 422  # replaced: the old codes are gone
    run(
        "user.2fa.disable",
        204,
        lambda: client.post(
            "/api/users/me/two-factor/disable", headers=h, json={"code": totp.at(time.time() + 30)}
        ),
    )
    _alerting_and_budgets(client, h, slug, run)
    run("auth.logout", 204, lambda: client.post("/api/auth/logout", headers=h))

    audited = {name for _, _, name in mutating_routes() if name not in DRY_RUNS | NOT_AUDITED}
    assert audited == set(exercised)


def test_refused_writes_are_audited_as_denied(client: httpx.Client, unique_slug: str):
    create_org(unique_slug)
    viewer = login(client, add_user(unique_slug, "viewer"))
    response, written = _rows_written(
        lambda: client.post(
            "/api/roles", headers=viewer.headers, json={"name": "x", "permissions": []}
        )
    )
    assert response.status_code == 403 and written == 1
    with get_engine().connect() as connection:
        row = connection.execute(
            text(
                "SELECT action, result, actor_email FROM platform.audit_log "
                "ORDER BY id DESC LIMIT 1"
            )
        ).one()
    assert tuple(row) == ("role.create", "denied", viewer.email)
    # Viewers cannot read the log they appear in.
    assert client.get("/api/audit", headers=viewer.headers).status_code == 403


def test_audit_endpoint_filters_and_paginates(client: httpx.Client, unique_slug: str):
    owner = login(client, create_org(unique_slug))
    for index in range(3):
        client.post(
            "/api/roles", headers=owner.headers, json={"name": f"role{index}", "permissions": []}
        )
    page = client.get(
        "/api/audit", headers=owner.headers, params={"action": "role.*", "limit": 2}
    ).json()
    assert [e["action"] for e in page["items"]] == ["role.create", "role.create"]
    assert page["items"][0]["seq"] > page["items"][1]["seq"]
    rest = client.get(
        "/api/audit",
        headers=owner.headers,
        params={"action": "role.*", "limit": 2, "cursor": page["next_cursor"]},
    ).json()
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    by_actor = client.get(
        "/api/audit", headers=owner.headers, params={"actor": owner.email, "action": "auth.login"}
    ).json()["items"]
    assert by_actor and all(e["actor_email"] == owner.email for e in by_actor)
    bad = client.get("/api/audit", headers=owner.headers, params={"since": "yesterday"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "since"


def test_update_and_delete_are_refused_even_for_the_owner(test_env, unique_slug):
    create_org(unique_slug)
    for statement in (
        "UPDATE platform.audit_log SET action = 'x'",
        "DELETE FROM platform.audit_log",
        "TRUNCATE platform.audit_log",
    ):
        # The owner (who runs migrations) meets the triggers; the application's login is not
        # even allowed to try.
        with (
            pytest.raises(DBAPIError, match="append-only"),
            get_migration_engine().begin() as connection,
        ):
            connection.execute(text(statement))
        with (
            pytest.raises(DBAPIError, match="permission denied for table audit_log"),
            get_engine().begin() as connection,
        ):
            connection.execute(text(statement))


def test_verify_names_the_first_edited_entry(test_env, unique_slug):
    create_org(unique_slug)
    with platform_session() as session:
        org_id = get_organization(session, unique_slug).id
    add_user(unique_slug, "viewer")
    add_user(unique_slug, "viewer")
    with platform_session() as session:
        report = verify_chain(session, org_id)
        assert report.intact and report.entries >= 3
    disable = "ALTER TABLE platform.audit_log DISABLE TRIGGER audit_log_append_only"
    enable = "ALTER TABLE platform.audit_log ENABLE TRIGGER audit_log_append_only"
    entry = {"org": org_id, "seq": 2}
    with get_migration_engine().begin() as connection:  # an attacker with superuser rights
        original = connection.execute(
            text("SELECT details FROM platform.audit_log WHERE org_id = :org AND seq = :seq"), entry
        ).scalar_one()
        connection.execute(text(disable))
        connection.execute(
            text(
                'UPDATE platform.audit_log SET details = \'{"email": "x"}\' '
                "WHERE org_id = :org AND seq = :seq"
            ),
            entry,
        )
        connection.execute(text(enable))
    with platform_session() as session:
        report = verify_chain(session, org_id)
    assert not report.intact and report.first_broken_seq == 2 and "edited" in (report.reason or "")
    # Put it back, so other tests that verify every chain of this database see it whole.
    with get_migration_engine().begin() as connection:
        connection.execute(text(disable))
        connection.execute(
            text(
                "UPDATE platform.audit_log SET details = :details "
                "WHERE org_id = :org AND seq = :seq"
            ).bindparams(sa_bindparam("details", type_=JSONB)),
            {**entry, "details": original},
        )
        connection.execute(text(enable))
    with platform_session() as session:
        assert verify_chain(session, org_id).intact


def test_tenant_role_sees_and_appends_only_its_own_entries(test_env, unique_slug):
    a, b = unique_slug + "a", unique_slug + "b"
    create_org(a)
    create_org(b)
    with platform_session() as session:
        b_id = get_organization(session, b).id
    with get_engine().connect() as connection, connection.begin():
        scope_to_tenant(connection, TenantNames.for_slug(a))
        orgs_seen = (
            connection.execute(text("SELECT DISTINCT org_id FROM platform.audit_log"))
            .scalars()
            .all()
        )
        assert len(orgs_seen) == 1 and b_id not in orgs_seen
        with pytest.raises(ProgrammingError, match="row-level security"):
            connection.execute(
                text(
                    "INSERT INTO platform.audit_log (org_id, occurred_at, action, result) "
                    "VALUES (:org, now(), 'forged', 'success')"
                ),
                {"org": b_id},
            )


def _alerting_and_budgets(
    client: httpx.Client,
    h: dict[str, str],
    slug: str,
    run: Callable[..., httpx.Response],
) -> None:
    """Budgets, alert rules, channels, routes, hours and an alert's life: one entry each."""
    import uuid

    from finsight.alerts.directory import org_profile
    from finsight.alerts.evaluation import evaluate_and_notify
    from finsight.tenancy import tenant_unit

    tree = client.get("/api/categories", headers=h).json()
    groceries = next(c["id"] for c in tree if c["path"] == "Groceries")
    budget = run(
        "budget.create",
        201,
        lambda: client.post(
            "/api/budgets", headers=h, json={"category_id": groceries, "amount": "300.00"}
        ),
    ).json()["id"]
    run(
        "budget.update",
        200,
        lambda: client.patch(f"/api/budgets/{budget}", headers=h, json={"amount": "350.00"}),
    )
    run("budget.delete", 204, lambda: client.delete(f"/api/budgets/{budget}", headers=h))

    rule = run(
        "alert_rule.create",
        201,
        lambda: client.post(
            "/api/alert-rules",
            headers=h,
            json={"name": "Failed imports", "kind": "import_failed", "params": {}},
        ),
    ).json()["id"]
    run(
        "alert_rule.update",
        200,
        lambda: client.patch(f"/api/alert-rules/{rule}", headers=h, json={"severity": "critical"}),
    )
    channel = run(
        "channel.create",
        201,
        lambda: client.post(
            "/api/notification-channels",
            headers=h,
            json={"name": "Hook", "kind": "webhook", "url": "https://hooks.example.com/finsight"},
        ),
    ).json()["id"]
    run(
        "channel.update",
        200,
        lambda: client.patch(
            f"/api/notification-channels/{channel}", headers=h, json={"name": "Ops hook"}
        ),
    )
    run(
        "channel.rotate_secret",
        200,
        lambda: client.post(f"/api/notification-channels/{channel}/rotate-secret", headers=h),
    )
    run(
        "channel.test",
        202,
        lambda: client.post(f"/api/notification-channels/{channel}/test", headers=h),
    )
    route = run(
        "alert_route.create",
        201,
        lambda: client.post(
            "/api/alert-routes",
            headers=h,
            json={"name": "All", "severities": ["critical"], "channel_ids": [channel]},
        ),
    ).json()["id"]
    run(
        "alert_route.update",
        200,
        lambda: client.patch(f"/api/alert-routes/{route}", headers=h, json={"name": "Critical"}),
    )
    run(
        "alert_settings.update",
        200,
        lambda: client.put("/api/alert-settings", headers=h, json={"business_start": "08:00"}),
    )
    # An alert fires (a failed import), is acknowledged and resolved.
    with tenant_unit(slug) as unit:
        event = {"kind": "import.failed", "subject_id": str(uuid.uuid4()), "data": {}}
        evaluate_and_notify(unit.session, org_profile(unit.org_id), ["import_failed"], event=event)
    alert = client.get("/api/alerts", headers=h).json()["items"][0]["id"]
    run(
        "alert.acknowledge", 200, lambda: client.post(f"/api/alerts/{alert}/acknowledge", headers=h)
    )
    run("alert.resolve", 200, lambda: client.post(f"/api/alerts/{alert}/resolve", headers=h))
    run("alert_route.delete", 204, lambda: client.delete(f"/api/alert-routes/{route}", headers=h))
    run(
        "channel.delete",
        204,
        lambda: client.delete(f"/api/notification-channels/{channel}", headers=h),
    )
    run("alert_rule.delete", 204, lambda: client.delete(f"/api/alert-rules/{rule}", headers=h))
