"""Analytics: a full run on a tenant of ~100,000 transactions (the evaluation generator's
ledgers, imported as a card statement), the incremental run after a 1,000-row import into it,
and categorizing 1,000,000 transactions.

Baselines measured in the same run: the import of the same 100,000 rows (a full run costs
this many imports), the full run (the incremental run costs this share of it), and one
UPDATE of every row of the 1,000,000 (the least a categorizer writing its answers must do).
"""

from __future__ import annotations

import csv
import io
import os
import time
import uuid
from datetime import date
from typing import Any

from sqlalchemy import text

from bench.eval.generator import RawTxn, generate_ledger
from bench.eval.runner import LEDGER_END
from bench.harness import PRODUCTION, analyze, report, stores
from bench.ingestion_bench import _import, _prepare

LEDGER_ROWS = int(os.environ.get("BENCH_ANALYTICS_ROWS", "100000"))
INCREMENT_ROWS = 1000
CATEGORIZE_ROWS = int(os.environ.get("BENCH_CATEGORIZE_ROWS", "1000000"))
SEED = 20240601


def generated_rows(count: int) -> list[RawTxn]:
    """Generator ledgers, one tenant after another, moved so the newest ends today."""
    shift = date.today() - LEDGER_END
    rows: list[RawTxn] = []
    index = 0
    while len(rows) < count:
        ledger = generate_ledger(SEED, index, 4, LEDGER_END)
        rows.extend(
            RawTxn(t.id, t.date + shift, t.amount, t.descriptor, t.account, t.merchant, t.stream)
            for t in ledger.transactions
        )
        index += 1
    rows.sort(key=lambda t: (t.date, t.id))
    return rows[-count:]


def chase_statement(rows: list[RawTxn], *, bank_categories: bool = True) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["Transaction Date", "Post Date", "Description", "Category", "Type", "Amount", "Memo"]
    )
    for t in rows:
        day = t.date.strftime("%m/%d/%Y")
        bank_category = (t.bank_category or "") if bank_categories else ""
        kind = "Sale" if t.amount < 0 else "Return"
        writer.writerow([day, day, t.descriptor, bank_category, kind, f"{t.amount:.2f}", ""])
    return out.getvalue().encode()


def _run(slug: str, kind: str, parameters: dict[str, Any] | None = None) -> uuid.UUID:
    from finsight.analytics.service import start_run
    from finsight.db import platform_session
    from finsight.kit.identity import Actor
    from finsight.organizations.service import get_organization
    from finsight.tenancy import tenant_session

    with platform_session() as session:
        org_id = get_organization(session, slug).id
    with tenant_session(slug) as session:
        return start_run(
            session,
            kind,
            org_id=org_id,
            org_slug=slug,
            actor=Actor.system("bench"),
            parameters=parameters or {"trigger": "bench"},
        ).id


def _execute(slug: str, run_id: uuid.UUID) -> tuple[float, dict[str, Any]]:
    """The run's task body, in this process; returns its seconds and its record."""
    from finsight.analytics.tasks import run_analytics
    from finsight.tenancy import tenant_session

    began = time.perf_counter()
    status = run_analytics(slug, str(run_id))
    elapsed = time.perf_counter() - began
    with tenant_session(slug) as session:
        row = session.execute(
            text("SELECT counts, timings, error FROM analytics_runs WHERE id = :i"), {"i": run_id}
        ).one()
    if status != "succeeded":
        raise SystemExit(f"run {run_id} {status}: {row.error}")
    return elapsed, {"counts": row.counts, "timings": row.timings}


def _latest_import_run(slug: str) -> uuid.UUID:
    from finsight.tenancy import tenant_session

    with tenant_session(slug) as session:
        return session.execute(
            text(
                "SELECT id FROM analytics_runs WHERE parameters->>'trigger' = 'import' "
                "ORDER BY id DESC LIMIT 1"
            )
        ).scalar_one()


def _ledger_runs(slug: str, account_id: object, rows: list[RawTxn]) -> None:
    history, increment = rows[:LEDGER_ROWS], rows[LEDGER_ROWS:]
    import_s, imported = _import(slug, account_id, chase_statement(history))
    # The import queued a run scoped to its batch; the full run below supersedes it.
    full_s, full = _execute(slug, _run(slug, "all"))
    report(
        "analytics_full_run_100k",
        {
            "transactions": imported["inserted"],
            "full_run_s": round(full_s, 2),
            "import_same_rows_s": round(import_s, 2),
            "ratio_to_import": round(full_s / import_s, 2),
            "steps_s": {k: v for k, v in full["timings"].items() if "." not in k},
            "counts": full["counts"],
        },
    )
    _, added = _import(slug, account_id, chase_statement(increment))
    incremental_s, incremental = _execute(slug, _latest_import_run(slug))
    report(
        "analytics_incremental_after_1k_import",
        {
            "imported": added["inserted"],
            "incremental_run_s": round(incremental_s, 2),
            "full_run_s": round(full_s, 2),
            "ratio_to_full_run": round(incremental_s / full_s, 3),
            "steps_s": {k: v for k, v in incremental["timings"].items() if "." not in k},
        },
    )


def _categorize_million(slug: str, account_id: object, ledger: list[RawTxn]) -> None:
    """The generated ledger's rows again and again (identical rows of one file are all kept),
    without the bank's categories: every row is the model's to decide."""
    from finsight.db import get_engine

    rows = [ledger[i % len(ledger)] for i in range(CATEGORIZE_ROWS)]
    _import(slug, account_id, chase_statement(rows, bank_categories=False))
    # Merchants first (the categorizer reads them), untimed: this measures categorizing.
    _execute(slug, _run(slug, "merchants"))
    analyze(slug)
    seconds, run = _execute(slug, _run(slug, "categorize"))
    with get_engine().begin() as connection:
        began = time.perf_counter()
        connection.execute(
            text(f"UPDATE org_{slug}.transactions SET category_confidence = category_confidence")
        )
        update_s = time.perf_counter() - began
    report(
        "analytics_categorize_1m",
        {
            "rows": CATEGORIZE_ROWS,
            "distinct_descriptions": len({t.descriptor for t in rows}),
            "categorize_s": round(seconds, 2),
            "rows_per_s": round(CATEGORIZE_ROWS / seconds),
            "update_every_row_s": round(update_s, 2),
            "ratio_to_update": round(seconds / update_s, 2),
            "counts": run["counts"],
            "timings": run["timings"],
        },
    )


def main() -> None:
    with stores() as env:
        env = {**env, **PRODUCTION}
        ledger_slug, bulk_slug, account_id = _prepare(env)
        rows = generated_rows(LEDGER_ROWS + INCREMENT_ROWS)
        _ledger_runs(ledger_slug, account_id, rows)
        _categorize_million(bulk_slug, account_id, rows)
