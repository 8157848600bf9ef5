"""Fairness on one shared worker (`finsight serve worker --concurrency 2`, following every
organization's queue, as `make dev` and a small install run it): how long organization B's
one-row import takes, end to end through the queue (sent, picked up, imported, its rows landed),
while organization A's long analytics runs go (`BENCH_FAIRNESS_ROWS`, default 100,000 rows;
A's full run and the daily refresh's second run queued together, so without long-task slots
both processes would be A's).

Baseline in the same run: B's one-row import on the idle worker, before A's runs start.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

from sqlalchemy import text

from bench.analytics_bench import _run, chase_statement, generated_rows
from bench.analytics_scaling_bench import _tenant
from bench.harness import PRODUCTION, analyze, report, stores
from bench.ingestion_bench import _import

ROWS = int(os.environ.get("BENCH_FAIRNESS_ROWS", "100000"))
ONE_ROW = b"Transaction Date,Post Date,Description,Category,Type,Amount,Memo\n"


def _queued_import(slug: str, account_id: object, content: bytes) -> uuid.UUID:
    """An import as the API makes one: recorded, and its task sent to the tenant's queue."""
    from finsight.db import platform_session
    from finsight.ingestion.service import ImportRequest, create_import
    from finsight.kit.identity import Actor
    from finsight.organizations.service import get_organization
    from finsight.tenancy import tenant_session

    with platform_session() as session:
        org_id = get_organization(session, slug).id
    with tenant_session(slug) as session:
        return create_import(
            session,
            ImportRequest(account_id=account_id, filename="b.csv", content=content),  # type: ignore[arg-type]
            org_id=org_id,
            org_slug=slug,
            actor=Actor.system("bench"),
        ).id


def _status(slug: str, table: str, row_id: uuid.UUID) -> str:
    from finsight.tenancy import tenant_session

    with tenant_session(slug) as session:
        return str(
            session.execute(
                text(f"SELECT status FROM {table} WHERE id = :i"),
                {"i": row_id},
            ).scalar_one()
        )


def _wait(slug: str, table: str, row_id: uuid.UUID, wanted: set[str], limit: float) -> float:
    began = time.perf_counter()
    while time.perf_counter() - began < limit:
        if _status(slug, table, row_id) in wanted:
            return time.perf_counter() - began
        time.sleep(0.05)
    raise SystemExit(f"{table} {row_id} not {wanted} after {limit} s")


def _abandon_queued_runs(slug: str) -> None:
    from finsight.analytics.models import AnalyticsRun
    from finsight.analytics.service import abandon_queued_run
    from finsight.tenancy import tenant_session

    with tenant_session(slug) as session:
        for run in session.query(AnalyticsRun).filter(AnalyticsRun.status == "queued"):
            abandon_queued_run(session, run.id, "bench: started again below")


def _b_import(account_id: object, day: int) -> float:
    content = ONE_ROW + f"01/{day:02d}/2026,01/{day:02d}/2026,CORNER CAFE,,Sale,-4.50,\n".encode()
    batch = _queued_import("orgb", account_id, content)
    return _wait("orgb", "import_batches", batch, {"succeeded", "failed"}, 900)


def main() -> None:
    with stores() as env:
        env = {**env, **PRODUCTION, "WORKER_QUEUE_SYNC_SECONDS": "1"}
        os.environ.update(env)
        from finsight.config import get_settings
        from finsight.db import platform_session, reset_engines
        from finsight.tenancy.migrations import upgrade_platform

        get_settings.cache_clear()
        reset_engines()
        with platform_session() as session:
            upgrade_platform(session.connection())
        a_account, b_account = _tenant("orga"), _tenant("orgb")
        _import("orga", a_account, chase_statement(generated_rows(ROWS)))  # in this process
        analyze("orga")
        _abandon_queued_runs(
            "orga"
        )  # the import's run: A's runs start below, after the idle baseline
        log = Path(env["DATA_DIR"]) / "worker.log"
        with log.open("ab") as output:
            worker = subprocess.Popen(
                [sys.executable, "-m", "finsight.cli", "serve", "worker", "--concurrency", "2"],
                env={
                    **os.environ,
                    **env,
                    "LOG_LEVEL": os.environ.get("WORKER_LOG_LEVEL", "WARNING"),
                },
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            time.sleep(8)  # the worker starts and follows both organizations' queues
            idle = [_b_import(b_account, day) for day in (1, 2, 3)]
            runs = [_run("orga", "all", {"trigger": "bench"}) for _ in range(2)]
            began = time.perf_counter()
            while not any(_status("orga", "analytics_runs", r) == "running" for r in runs):
                if time.perf_counter() - began > 300:
                    raise SystemExit("no run of A started within 300 s")
                time.sleep(0.1)
            time.sleep(2)  # both processes would now be A's, were it not for the slots
            during = [_b_import(b_account, day) for day in (4, 5, 6)]
            still_running = any(_status("orga", "analytics_runs", r) == "running" for r in runs)
            a_done = [
                _wait("orga", "analytics_runs", run, {"succeeded", "failed"}, 3600) for run in runs
            ]
        finally:
            worker.kill()  # a warm shutdown would wait for A's run
            worker.wait(60)
        report(
            "fairness_one_row_import_during_long_runs",
            {
                "a_rows": ROWS,
                "b_import_during_a_runs_s": [round(s, 2) for s in during],
                "b_import_idle_worker_s": [round(s, 2) for s in idle],
                "a_run_still_running_after_b": still_running,
                "a_runs_finished_after_s": [round(s, 1) for s in a_done],
                "target_s": 5,
            },
        )
