"""Imports: 1,000,000 generated Chase credit-card rows end to end (parse, normalize, deduplicate,
store) against PostgreSQL COPY of the very same normalized rows into an identical empty tenant
table (same indexes) in the same run; then the latency of a filtered, keyset-paginated
`GET /api/transactions` (second page) on that 1,000,000-row tenant."""

from __future__ import annotations

import io
import os
import time
from datetime import date, timedelta

import httpx
from sqlalchemy import text

from bench.harness import PRODUCTION, analyze, api_process, report, stores, summary

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "1000000"))
LIST_REQUESTS = 300
PASSWORD = "benchmark passphrase 1"
MERCHANTS = [
    "STARBUCKS STORE 123",
    "AMAZON MKTP US*2K4LL0",
    "SHELL OIL 5745",
    "NETFLIX.COM",
    "WHOLEFDS MKT 10234",
    "UBER *TRIP",
    "SQ *BLUE BOTTLE",
    "TRADER JOE S #552",
]
CATEGORIES = ["Food & Drink", "Shopping", "Gas", "Entertainment", "Groceries", "Travel"]


def chase_csv(rows: int) -> bytes:
    out = io.StringIO()
    out.write("Transaction Date,Post Date,Description,Category,Type,Amount,Memo\n")
    start = date(2019, 1, 1)
    for index in range(rows):
        day = (start + timedelta(days=index * 2000 // rows)).strftime("%m/%d/%Y")
        cents = 100 + (index * 7919) % 25000
        out.write(
            f"{day},{day},{MERCHANTS[index % 8]} {index % 5000},"
            f"{CATEGORIES[index % 6]},Sale,-{cents // 100}.{cents % 100:02d},\n"
        )
    return out.getvalue().encode()


def _prepare(env: dict[str, str]) -> tuple[str, str, object]:
    os.environ.update(env)
    from finsight.accounts.models import Account
    from finsight.config import get_settings
    from finsight.db import platform_session, reset_engines
    from finsight.kit.identity import Actor
    from finsight.organizations.service import OrganizationSpec, ensure_organization
    from finsight.tenancy import tenant_session
    from finsight.tenancy.migrations import upgrade_platform

    get_settings.cache_clear()
    reset_engines()
    with platform_session() as session:
        upgrade_platform(session.connection())
        for slug in ("bench", "baseline"):
            ensure_organization(
                session,
                OrganizationSpec(
                    slug=slug, name=slug, owner_email=f"{slug}@example.com", owner_password=PASSWORD
                ),
                Actor.system("bench"),
            )
    account_id = None
    for slug in ("bench", "baseline"):
        with tenant_session(slug) as session:
            account = Account(name="Card", type="credit_card", currency="USD")
            if account_id:
                account.id = account_id  # the same id: the baseline loads the very same rows
            session.add(account)
            session.flush()
            account_id = account.id
    return "bench", "baseline", account_id


def _import(slug: str, account_id: object, content: bytes) -> tuple[float, dict[str, object]]:
    from finsight.db import platform_session
    from finsight.ingestion.pipeline import run_import
    from finsight.ingestion.service import ImportRequest, create_import
    from finsight.kit.identity import Actor
    from finsight.organizations.service import get_organization
    from finsight.tenancy import tenant_session

    with platform_session() as session:
        org_id = get_organization(session, slug).id
    with tenant_session(slug) as session:
        batch = create_import(
            session,
            ImportRequest(account_id=account_id, filename="bench.csv", content=content),  # type: ignore[arg-type]
            org_id=org_id,
            org_slug=slug,
            actor=Actor.system("bench"),
        )
        batch_id = batch.id
    began = time.perf_counter()
    status = run_import(slug, batch_id)  # the task body, in this process
    elapsed = time.perf_counter() - began
    with tenant_session(slug) as session:
        row = session.execute(
            text("SELECT inserted, timings FROM import_batches WHERE id = :i"), {"i": batch_id}
        ).one()
    return elapsed, {"status": status, "inserted": row.inserted, "timings": row.timings}


def _copy_baseline(source: str, target: str) -> float:
    """COPY the imported rows, as stored, into the identical empty table of another tenant."""
    from finsight.db import get_engine
    from finsight.ingestion.normalize import COPY_COLUMNS

    columns = ", ".join(COPY_COLUMNS)
    raw = get_engine().raw_connection()
    try:
        driver = raw.driver_connection
        buffer = io.BytesIO()
        # Category ids differ between tenants (seeded per schema): map them by name.
        selected = ", ".join(
            "tc.id" if name == "category_id" else f"x.{name}" for name in COPY_COLUMNS
        )
        export = (
            f"COPY (SELECT {selected} FROM org_{source}.transactions x "
            f"LEFT JOIN org_{source}.categories sc ON sc.id = x.category_id "
            f"LEFT JOIN org_{target}.categories tc ON tc.name = sc.name AND tc.kind = sc.kind) "
            "TO STDOUT"
        )
        with driver.cursor() as cursor, cursor.copy(export) as copy:
            for chunk in copy:
                buffer.write(chunk)
        # The rows reference their import batch: give the baseline the same one.
        driver.execute(
            f"INSERT INTO org_{target}.import_batches SELECT * FROM org_{source}.import_batches"
        )
        driver.commit()
        data = buffer.getvalue()
        began = time.perf_counter()
        with driver.cursor() as cursor:
            cursor.execute(f"SET ROLE org_{target}")
            with cursor.copy(f"COPY org_{target}.transactions ({columns}) FROM STDIN") as copy:
                for start in range(0, len(data), 1 << 20):
                    copy.write(data[start : start + (1 << 20)])
        driver.commit()
        return time.perf_counter() - began
    finally:
        raw.close()


def _list_latency(url: str, account_id: object) -> dict[str, object]:
    token = httpx.post(
        url + "/api/auth/login", json={"email": "bench@example.com", "password": PASSWORD}
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    params = {
        "account_id": str(account_id),
        "date_from": "2020-01-01",
        "amount_max": "-10",
        "limit": "50",
    }
    with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
        first = client.get("/api/transactions", params=params)
        first.raise_for_status()
        cursor = first.json()["next_cursor"]
        latencies, baseline = [], []
        for _ in range(LIST_REQUESTS):
            began = time.perf_counter()
            client.get("/api/transactions", params={**params, "cursor": cursor}).raise_for_status()
            latencies.append(time.perf_counter() - began)
            began = time.perf_counter()
            client.get("/healthz").raise_for_status()
            baseline.append(time.perf_counter() - began)
    return {"requests": LIST_REQUESTS, **summary(latencies), "baseline_healthz": summary(baseline)}


def main() -> None:
    content = chase_csv(ROWS)
    with stores() as env:
        env = {**env, **PRODUCTION}
        source, target, account_id = _prepare(env)
        elapsed, outcome = _import(source, account_id, content)
        copy_seconds = _copy_baseline(source, target)
        report(
            "import_1m_chase",
            {
                "rows": ROWS,
                "file_mb": round(len(content) / 1e6, 1),
                "end_to_end_s": round(elapsed, 2),
                "rows_per_s": round(ROWS / elapsed),
                "copy_same_rows_s": round(copy_seconds, 2),
                "ratio_to_copy": round(elapsed / copy_seconds, 3),
                **outcome,
            },
        )
        analyze(source)
        with api_process(env) as url:
            report("transactions_list_page2", _list_latency(url, account_id))
