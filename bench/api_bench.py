"""API reads against the least an app can do (issue 16): `GET /api/users/me` and
`GET /api/transactions?limit=50` of `finsight serve api` (one uvicorn process) against
`bench/minimal_app.py` (the same authenticated, tenant-scoped reads: FastAPI, uvicorn with
uvloop and httptools, sync routes, PyJWT HS256, a psycopg pool, one transaction per request with
set_config role and search_path, a JSON response), in the same run, same database and tenant
(5,000 transactions), the same token. Load: `wrk -t2 -c32 -d{API_SECONDS}s --latency` (Debian
package `wrk`), 32 connections; each app is measured twice per endpoint, interleaved
(minimal, finsight, minimal, finsight), and the ratio is finsight's req/s over the minimal app's.

Targets: ratio >= 0.6 and finsight's p99 < 50 ms for both reads.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from bench.harness import PRODUCTION, api_process, report, stores
from bench.load_bench import _ledger
from bench.platform_bench import PASSWORD, _prepare

SECONDS = int(os.environ.get("API_SECONDS", "20"))
PATHS = ("/api/users/me", "/api/transactions?limit=50")


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def _wrk(url: str, token: str) -> dict[str, float]:
    command = [
        "wrk",
        "-t2",
        "-c32",
        f"-d{SECONDS}s",
        "--latency",
        "--timeout",
        "30s",
        "-H",
        f"Authorization: Bearer {token}",
        url,
    ]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non_2xx:
        raise SystemExit(f"{url}: {non_2xx.group(1)} non-2xx answers")
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)  # type: ignore[union-attr]
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)  # type: ignore[union-attr]
    return {"rps": requests / SECONDS, "p50_ms": _ms(p50), "p99_ms": _ms(p99)}


@contextmanager
def _minimal(env: dict[str, str]) -> Iterator[str]:
    from finsight.embedded import free_port

    port = free_port()
    database_url = env["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
    log = Path(env["DATA_DIR"]) / "minimal.log"
    with log.open("ab") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "bench.minimal_app:app",
                "--loop",
                "uvloop",
                "--http",
                "httptools",
                "--no-access-log",
                "--log-level",
                "warning",
                "--port",
                str(port),
            ],
            env={
                **os.environ,
                **env,
                "MINIMAL_DATABASE_URL": database_url,
                "MINIMAL_TENANT": "bench",
            },
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.get(url + "/docs", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(30)


def main() -> None:
    with stores() as env:
        env = {**env, **PRODUCTION}
        _prepare(env)
        _ledger("bench")
        with api_process(env) as api, _minimal(env) as minimal:
            login = httpx.post(
                api + "/api/auth/login",
                json={"email": "bench@example.com", "password": PASSWORD},
                timeout=30,
            )
            login.raise_for_status()
            token = login.json()["access_token"]
            for path in PATHS:
                for base in (api, minimal):  # both answer, and warm up
                    answer = httpx.get(base + path, headers={"Authorization": f"Bearer {token}"})
                    answer.raise_for_status()
                runs: dict[str, list[dict[str, float]]] = {"minimal": [], "finsight": []}
                for _ in range(2):
                    runs["minimal"].append(_wrk(minimal + path, token))
                    runs["finsight"].append(_wrk(api + path, token))
                ours = sum(r["rps"] for r in runs["finsight"]) / 2
                theirs = sum(r["rps"] for r in runs["minimal"]) / 2
                report(
                    f"api {path}",
                    {
                        "connections": 32,
                        "seconds_each": SECONDS,
                        "finsight_rps": [round(r["rps"], 1) for r in runs["finsight"]],
                        "finsight_p50_ms": [r["p50_ms"] for r in runs["finsight"]],
                        "finsight_p99_ms": [r["p99_ms"] for r in runs["finsight"]],
                        "minimal_rps": [round(r["rps"], 1) for r in runs["minimal"]],
                        "minimal_p50_ms": [r["p50_ms"] for r in runs["minimal"]],
                        "minimal_p99_ms": [r["p99_ms"] for r in runs["minimal"]],
                        "ratio": round(ours / theirs, 2),
                        "targets": "ratio >= 0.6, p99 < 50 ms",
                    },
                )
