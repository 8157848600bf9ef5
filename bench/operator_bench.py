"""Operator: 100 Organizations created at once, against the emulated API server (kmock) and an
embedded PostgreSQL: time until all are Ready, each one's time to Ready, and the operator's own
provisioning time per organization. Baseline in the same run: the same number of tenants
provisioned directly (finsight.organizations.service.ensure_organization, one after another),
the database work with no operator around it.

The operator runs as production runs it (`finsight serve operator`, its own process) with the
production argon2 cost for the owners' passwords.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bench.harness import free_port, percentile, report, stores

ORGANIZATIONS = int(os.environ.get("BENCH_ORGANIZATIONS", "100"))
TARGET_SECONDS = 60.0
TIMEOUT_SECONDS = 300.0
ROOT = Path(__file__).resolve().parents[1]


def _emulator() -> object:
    sys.path.insert(0, str(ROOT / "tests"))
    from support.kube_emulator import KubeEmulator

    return KubeEmulator().start()


def _prepare_database(env: dict[str, str]) -> None:
    os.environ.update(env)
    from finsight.config import get_settings
    from finsight.db import platform_session, reset_engines
    from finsight.tenancy.migrations import upgrade_platform

    get_settings.cache_clear()
    reset_engines()
    with platform_session() as session:
        upgrade_platform(session.connection())


def _direct_baseline(count: int) -> float:
    from finsight.db import platform_session
    from finsight.kit.identity import Actor
    from finsight.organizations.service import OrganizationSpec, ensure_organization

    started = time.perf_counter()
    for index in range(count):
        with platform_session() as session:
            ensure_organization(
                session,
                OrganizationSpec(
                    slug=f"direct-{index:03d}",
                    name=f"Direct {index}",
                    owner_email=f"owner-{index}@direct.example.com",
                ),
                Actor.system("bench"),
            )
    return time.perf_counter() - started


def _reconcile_mean(metrics_url: str) -> float | None:
    text = httpx.get(metrics_url, timeout=5).text
    total = re.search(r'finsight_operator_reconcile_seconds_sum\{trigger="create"\} (\S+)', text)
    count = re.search(r'finsight_operator_reconcile_seconds_count\{trigger="create"\} (\S+)', text)
    if not total or not count or float(count.group(1)) == 0:
        return None
    return float(total.group(1)) / float(count.group(1))


def main() -> None:
    with stores() as env:
        _prepare_database(env)
        emulator = _emulator()
        health, metrics = free_port(), free_port()
        log = Path(env["DATA_DIR"]) / "operator.log"
        operator_env = {
            **os.environ,
            **env,
            "KUBECONFIG": str(emulator.kubeconfig),  # type: ignore[attr-defined]
            "OPERATOR_METRICS_PORT": str(metrics),
            "LOG_LEVEL": os.environ.get("BENCH_OPERATOR_LOG_LEVEL", "WARNING"),
        }
        operator_env.pop("KUBERNETES_SERVICE_HOST", None)
        with log.open("ab") as output:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "finsight.cli",
                    "serve",
                    "operator",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(health),
                ],
                env=operator_env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"http://127.0.0.1:{health}/healthz", timeout=1).is_success:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the operator did not start:\n" + log.read_text()[-3000:])
                time.sleep(0.2)
            figures = _run(emulator, f"http://127.0.0.1:{metrics}/metrics")
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            emulator.stop()  # type: ignore[attr-defined]
        figures["direct_provisioning_total_s"] = round(_direct_baseline(ORGANIZATIONS), 2)
        figures["ratio_to_direct"] = round(
            figures["all_ready_s"] / figures["direct_provisioning_total_s"], 2
        )
    report("operator", figures)
    print(
        f"{ORGANIZATIONS} Organizations Ready after {figures['all_ready_s']} s "
        f"(target < {TARGET_SECONDS:.0f} s); each Ready after p50 {figures['ready_p50_s']} s, "
        f"p99 {figures['ready_p99_s']} s; the operator's provisioning per organization: "
        f"{figures['reconcile_mean_s']} s; the same tenants provisioned directly one by one: "
        f"{figures['direct_provisioning_total_s']} s (ratio {figures['ratio_to_direct']})"
    )


def _run(emulator: object, metrics_url: str) -> dict[str, float]:
    names = [f"bench-{index:03d}" for index in range(ORGANIZATIONS)]
    created: dict[str, float] = {}
    ready: dict[str, float] = {}
    started = time.perf_counter()
    for index, name in enumerate(names):
        emulator.create_organization(
            name,
            {  # type: ignore[attr-defined]
                "displayName": f"Bench {index}",
                "owner": f"owner-{index}@bench.example.com",
            },
        )
        created[name] = time.perf_counter()
    client = emulator.client()  # type: ignore[attr-defined]
    while len(ready) < len(names):
        if time.perf_counter() - started > TIMEOUT_SECONDS:
            raise RuntimeError(f"only {len(ready)} of {len(names)} Ready after {TIMEOUT_SECONDS}s")
        listing = client.request("GET", "/apis/finsight.io/v1/organizations") or {}
        if os.environ.get("BENCH_VERBOSE"):
            print(f"{time.perf_counter() - started:.1f}s: {len(ready)} Ready", flush=True)
        now = time.perf_counter()
        for item in listing.get("items", []):
            name = item["metadata"]["name"]
            if name not in ready and (item.get("status") or {}).get("phase") == "Ready":
                ready[name] = now
        time.sleep(0.5)
    total = max(ready.values()) - started
    latencies = [ready[name] - created[name] for name in names]
    return {
        "organizations": ORGANIZATIONS,
        "all_ready_s": round(total, 2),
        "ready_p50_s": round(percentile(latencies, 0.5), 2),
        "ready_p99_s": round(percentile(latencies, 0.99), 2),
        "throughput_per_s": round(ORGANIZATIONS / total, 2),
        "reconcile_mean_s": round(_reconcile_mean(metrics_url) or 0.0, 3),
    }
