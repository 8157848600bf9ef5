"""Reports: a 12-month income-and-spending report and a year in review on a tenant of 100,000
transactions, in each format (targets: PDF under 3 s, the others under 1 s); and the 100,000-row
transactions ledger as xlsx against xlsxwriter writing the same rows directly, in the same run
(target: at most 1.3x).

Each figure is the median of BENCH_REPORT_REPEATS runs (default 3), computing the report in a
tenant session (the SQL) and rendering it, as the worker does.
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.harness import PRODUCTION, analyze, report, stores
from bench.ingestion_bench import _prepare

ROWS = int(os.environ.get("BENCH_REPORT_ROWS", "100000"))
REPEATS = int(os.environ.get("BENCH_REPORT_REPEATS", "3"))
MERCHANTS = [f"MERCHANT {n:03d} STORE" for n in range(300)]


def _months_back(today: date, back: int) -> str:
    index = today.year * 12 + today.month - 1 - back
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _fill(slug: str, account_id: Any) -> None:
    """ROWS transactions over the last 24 months, over the expense categories and merchants."""
    from sqlalchemy import insert

    from finsight.accounts.service import recompute_balance
    from finsight.categories.tree import load_tree
    from finsight.tenancy import tenant_session
    from finsight.transactions.models import Transaction

    rng = random.Random(17)
    today = date.today().replace(day=1)
    with tenant_session(slug) as session:
        categories = [n.id for n in load_tree(session) if n.kind == "expense"]
        batch: list[dict[str, Any]] = []
        for n in range(ROWS):
            income = n % 40 == 0
            merchant = rng.choice(MERCHANTS)
            batch.append(
                {
                    "id": uuid.uuid4(),
                    "account_id": account_id,
                    "transaction_date": today - timedelta(days=rng.randrange(1, 730)),
                    "amount": Decimal(rng.randrange(500, 400000 if income else 25000))
                    / 100
                    * (1 if income else -1),
                    "currency": "USD",
                    "description_raw": merchant,
                    "description": merchant,
                    "merchant": merchant.title(),
                    "category_id": None if income else rng.choice(categories),
                    "fingerprint": uuid.uuid4().bytes,
                    "tags": [],
                    "user_fields": [],
                }
            )
            if len(batch) == 10000:
                session.execute(insert(Transaction), batch)
                batch = []
        if batch:
            session.execute(insert(Transaction), batch)
        recompute_balance(session, account_id)
    analyze(slug)


def _timed(slug: str, kind: str, period: dict[str, Any], fmt: str) -> tuple[float, int]:
    from finsight.reports import build
    from finsight.reports.kinds.common import Filters
    from finsight.tenancy import tenant_session

    times, size = [], 0
    for _ in range(REPEATS):
        started = time.perf_counter()
        with tenant_session(slug) as session:
            doc = build.document(
                session,
                kind=kind,
                period=build.period_of(period, date.today()),
                filters=Filters(),
                organization="Bench",
            )
            size = len(build.render(doc, fmt).content)
        times.append(time.perf_counter() - started)
    return statistics.median(times), size


def _raw_xlsxwriter(rows: list[tuple[Any, ...]], path: Path) -> None:
    """The baseline: the same cells written straight by xlsxwriter (constant_memory, a date
    format and a currency format, a header, frozen and filtered)."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "tmpdir": str(path.parent)})
    sheet = book.add_worksheet("Transactions")
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    money = book.add_format({"num_format": '"$"#,##0.00;[Red]-"$"#,##0.00'})
    header = book.add_format({"bold": True})
    sheet.freeze_panes(1, 0)
    for c, label in enumerate(
        (
            "Date",
            "Account",
            "Merchant",
            "Description",
            "Category",
            "Currency",
            "Amount",
            "Pending",
            "Tags",
            "Notes",
        )
    ):
        sheet.write_string(0, c, label, header)
    sheet.autofilter(0, 0, len(rows), 9)
    for r, row in enumerate(rows, start=1):
        sheet.write_datetime(r, 0, row[0], day)
        for c in (1, 2, 3, 4, 5):
            if row[c]:
                sheet.write_string(r, c, str(row[c]))
        sheet.write_number(r, 6, float(row[6]), money)
        for c in (7, 8, 9):
            if row[c]:
                sheet.write_string(r, c, str(row[c]))
    book.close()


def _ledger(slug: str, period: dict[str, Any]) -> None:
    from finsight.reports import build
    from finsight.reports.kinds.common import Filters
    from finsight.reports.render import xlsx
    from finsight.tenancy import tenant_session

    with tenant_session(slug) as session:
        started = time.perf_counter()
        doc = build.document(
            session,
            kind="ledger",
            period=build.period_of(period, date.today()),
            filters=Filters(),
            organization="Bench",
        )
        fetch = time.perf_counter() - started
    rows = doc.tables[0].rows
    ours, raw = [], []
    for _ in range(REPEATS):
        with tempfile.TemporaryDirectory() as directory:
            started = time.perf_counter()
            xlsx.write(doc, Path(directory) / "ours.xlsx")
            ours.append(time.perf_counter() - started)
            started = time.perf_counter()
            _raw_xlsxwriter(rows, Path(directory) / "raw.xlsx")
            raw.append(time.perf_counter() - started)
    mine, base = statistics.median(ours), statistics.median(raw)
    report(
        "reports.ledger_xlsx",
        {
            "rows": len(rows),
            "query_and_model_s": round(fetch, 3),
            "report_xlsx_s": round(mine, 3),
            "baseline_xlsxwriter_direct_s": round(base, 3),
            "ratio": round(mine / base, 3),
            "target_ratio": 1.3,
        },
    )


def main() -> None:
    with stores() as env:
        env = {**env, **PRODUCTION}
        slug, _, account_id = _prepare(env)
        _fill(slug, account_id)
        today = date.today()
        twelve = {"type": "months", "from": _months_back(today, 12), "to": _months_back(today, 1)}
        year = {"type": "year", "year": today.year - 1}
        for kind, period in (("income_spending", twelve), ("review", year)):
            for fmt in ("pdf", "xlsx", "csv", "json"):
                seconds, size = _timed(slug, kind, period, fmt)
                report(
                    f"reports.{kind}.{fmt}",
                    {
                        "transactions": ROWS,
                        "seconds": round(seconds, 3),
                        "bytes": size,
                        "target_s": 3.0 if fmt == "pdf" else 1.0,
                    },
                )
        everything = {
            "type": "range",
            "from": (today - timedelta(days=800)).isoformat(),
            "to": today.isoformat(),
        }
        _ledger(slug, everything)
