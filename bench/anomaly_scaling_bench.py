"""Anomaly detection alone, in one account, as the ledger grows (`BENCH_ANOMALY_TENANTS`,
default `10,20,40`: that many of the evaluation generator's 4-year ledgers merged into one
account, ~2,400 rows each): CPU seconds of `detect_anomalies` over every charge, per 1,000
rows. No database; CPU time (`time.process_time`), so other work on the machine matters less.
Flat per-1,000-row cost means linear; the detectors were quadratic in a busy merchant's
charges. Run it on an earlier commit (`git checkout C && python -m bench anomaly_scaling`) for
the baseline.
"""

from __future__ import annotations

import os
import time
from dataclasses import replace
from datetime import date

from bench.eval.anomalies import to_txns
from bench.eval.generator import generate_ledger
from bench.harness import report

SIZES = [int(n) for n in os.environ.get("BENCH_ANOMALY_TENANTS", "10,20,40").split(",")]


def main() -> None:
    from finsight.analytics.anomalies import detect_anomalies

    for tenants in SIZES:
        cleaned: dict[str, tuple[str, str]] = {}
        rows = []
        for index in range(tenants):
            ledger = generate_ledger(20240601, index, 4, date(2024, 6, 1))
            rows.extend(to_txns(ledger.transactions, cleaned))
        rows = [replace(t, account="one") for t in rows]
        began = time.process_time()
        found = detect_anomalies(rows)
        cpu = time.process_time() - began
        report(
            "anomaly_detection_one_account",
            {
                "rows": len(rows),
                "cpu_s": round(cpu, 2),
                "cpu_ms_per_1k_rows": round(1e6 * cpu / len(rows), 1),
                "anomalies": len(found),
            },
        )
