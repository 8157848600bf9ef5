"""Bank sync: 100,000 transactions synced from the local Plaid (pages of 500, through the real
plaid-python client, end to end: fetch, validate, ledger, cursor, commit) against importing the
very same rows from a statement file (the import pipeline, end to end) in the same run; then
the incremental sync of 100 new rows on a tenant of 1,000,000 rows, with the analytics run that
follows it.

BENCH_PLAID_ROWS (100000) and BENCH_PLAID_TENANT_ROWS (1000000) size it.
"""

from __future__ import annotations

import io
import os
import time
import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy import text

from bench.harness import PRODUCTION, analyze, report, stores

ROWS = int(os.environ.get("BENCH_PLAID_ROWS", "100000"))
TENANT_ROWS = int(os.environ.get("BENCH_PLAID_TENANT_ROWS", "1000000"))
INCREMENT = 100
MERCHANTS = ["STARBUCKS STORE 123", "SHELL OIL 5745", "NETFLIX.COM", "WHOLEFDS MKT 10234"]
START = date(2021, 1, 1)


def _day(index: int, rows: int) -> date:
    return START + timedelta(days=index * 1500 // rows)


def _amount(index: int) -> float:
    cents = 100 + (index * 7919) % 25000
    return cents / 100


def _csv(rows: int, offset: int = 0) -> bytes:
    """The same rows as a Chase card export (negative: money out)."""
    out = io.StringIO()
    out.write("Transaction Date,Post Date,Description,Category,Type,Amount,Memo\n")
    for index in range(offset, offset + rows):
        day = _day(index, max(rows, 1)).strftime("%m/%d/%Y")
        out.write(
            f"{day},{day},{MERCHANTS[index % 4]} {index},Shopping,Sale,-{_amount(index):.2f},\n"
        )
    return out.getvalue().encode()


def _org(slug: str) -> uuid.UUID:
    from finsight.db import platform_session
    from finsight.kit.identity import Actor
    from finsight.organizations.service import (
        OrganizationSpec,
        ensure_organization,
        get_organization,
    )
    from finsight.users.service import create_user, find_user_by_email

    with platform_session() as session:
        email = f"{slug}@example.com"
        if find_user_by_email(session, email) is None:
            create_user(session, email, "bench passphrase 1", actor=Actor.system("bench"))
        ensure_organization(
            session,
            OrganizationSpec(slug=slug, name=slug, owner_email=email, owner_present=True),
            Actor.system("bench"),
        )
        return get_organization(session, slug).id


def _account(slug: str, name: str) -> uuid.UUID:
    from finsight.accounts.models import Account
    from finsight.tenancy import tenant_session

    with tenant_session(slug) as session:
        account = Account(name=name, type="credit_card", currency="USD")
        session.add(account)
        session.flush()
        return account.id


def _import(slug: str, org_id: uuid.UUID, account_id: uuid.UUID, content: bytes) -> float:
    from finsight.ingestion.pipeline import run_import
    from finsight.ingestion.service import ImportRequest, create_import
    from finsight.kit.identity import Actor
    from finsight.tenancy import tenant_session

    with tenant_session(slug) as session:
        batch = create_import(
            session,
            ImportRequest(account_id=account_id, filename="bench.csv", content=content),
            org_id=org_id,
            org_slug=slug,
            actor=Actor.system("bench"),
        )
        batch_id = batch.id
    began = time.perf_counter()
    status = run_import(slug, batch_id)
    elapsed = time.perf_counter() - began
    assert status == "succeeded", status
    return elapsed


def _plaid_item(emulator: Any, slug: str, rows: int) -> tuple[uuid.UUID, Any]:
    """A connected test bank whose checking account holds `rows` transactions at Plaid."""
    from finsight.dev.plaid_emulator import transaction
    from finsight.kit.identity import Actor, OrgRef
    from finsight.plaid import service
    from finsight.tenancy import tenant_unit

    bank = emulator.banks.create_item("ins_109508")
    bank.log.clear()
    checking = bank.accounts[0].account_id
    emulator.banks.add(
        bank,
        *[
            transaction(
                checking,
                amount=_amount(index),
                day=_day(index, rows),
                name=f"{MERCHANTS[index % 4]} {index}",
                transaction_id=f"bench-{index}",
            )
            for index in range(rows)
        ],
    )
    token = emulator.banks.public_token_for(bank)
    with tenant_unit(slug) as unit:
        org = OrgRef(unit.org_id, slug, slug, unit.location.cluster)
        item = service.connect(unit.session, org, token, actor=Actor.system("bench"))
        return item.id, bank


def _analytics_for_last_sync(slug: str, org_id: uuid.UUID, item_id: uuid.UUID) -> float:
    """The run the rows-landed event starts, run here (the worker's task body)."""
    from finsight.analytics.service import start_run_for_landed_rows
    from finsight.analytics.tasks import run_analytics
    from finsight.plaid.models import PlaidItem
    from finsight.tenancy import tenant_session

    with tenant_session(slug) as session:
        item = session.get(PlaidItem, item_id)
        assert item is not None
        sync_id = str(item.last_sync["sync_id"])
        accounts = [str(a) for a in session.scalars(text("SELECT account_id FROM plaid_accounts"))]
        run = start_run_for_landed_rows(
            session,
            org_id=org_id,
            org_slug=slug,
            source="plaid",
            account_ids=accounts,
            source_id=sync_id,
        )
        run_id = run.id
    began = time.perf_counter()
    status = run_analytics(slug, str(run_id))
    assert status == "succeeded", status
    return time.perf_counter() - began


def main() -> None:
    from finsight.dev.plaid_emulator import CLIENT_ID, SECRET, PlaidEmulator

    with stores() as env, PlaidEmulator() as emulator:
        env = {
            **env,
            **PRODUCTION,
            "PLAID_HOST": emulator.url,
            "PLAID_CLIENT_ID": CLIENT_ID,
            "PLAID_SECRET": SECRET,
        }
        os.environ.update(env)
        from finsight.config import get_settings
        from finsight.db import platform_session, reset_engines
        from finsight.plaid.sync import run_sync
        from finsight.tenancy.migrations import upgrade_platform

        get_settings.cache_clear()
        reset_engines()
        with platform_session() as session:
            upgrade_platform(session.connection())
        file_org, plaid_org = _org("filebench"), _org("plaidbench")

        # 1. The same rows: a statement file's import, then a first sync of them.
        file_seconds = _import("filebench", file_org, _account("filebench", "Card"), _csv(ROWS))
        item_id, bank = _plaid_item(emulator, "plaidbench", ROWS)
        began = time.perf_counter()
        assert run_sync("plaidbench", item_id) == "succeeded"
        sync_seconds = time.perf_counter() - began
        report(
            "plaid_sync_100k",
            {
                "rows": ROWS,
                "pages": -(-ROWS // 500),
                "sync_end_to_end_s": round(sync_seconds, 2),
                "rows_per_s": round(ROWS / sync_seconds),
                "import_same_rows_from_file_s": round(file_seconds, 2),
                "ratio_to_file_import": round(sync_seconds / file_seconds, 3),
            },
        )

        # 2. The tenant grows to TENANT_ROWS (a statement import), then 100 new rows sync.
        filler = TENANT_ROWS - ROWS
        if filler > 0:
            began = time.perf_counter()
            _import("plaidbench", plaid_org, _account("plaidbench", "History"), _csv(filler, ROWS))
            fill_seconds = time.perf_counter() - began
        else:
            fill_seconds = 0.0
        analyze("plaidbench")
        from finsight.dev.plaid_emulator import transaction

        checking = bank.accounts[0].account_id
        today = date.today()
        emulator.banks.add(
            bank,
            *[
                transaction(checking, amount=3 + n, day=today, name=f"NEW SHOP {n}")
                for n in range(INCREMENT)
            ],
        )
        began = time.perf_counter()
        assert run_sync("plaidbench", item_id) == "succeeded"
        increment_seconds = time.perf_counter() - began
        with platform_session() as session:
            total = session.scalar(text("SELECT count(*) FROM org_plaidbench.transactions"))
        figures = {
            "tenant_rows": total,
            "new_rows": INCREMENT,
            "sync_s": round(increment_seconds, 3),
            "target_s": 2.0,
            "tenant_fill_import_s": round(fill_seconds, 1),
        }
        # Reported before the analytics run: on a large tenant that run is the long part.
        report("plaid_incremental_100_sync", figures)
        analytics_seconds = _analytics_for_last_sync("plaidbench", plaid_org, item_id)
        report(
            "plaid_incremental_100_with_analytics",
            {
                **figures,
                "analytics_run_s": round(analytics_seconds, 3),
                "sync_plus_analytics_s": round(increment_seconds + analytics_seconds, 3),
            },
        )
