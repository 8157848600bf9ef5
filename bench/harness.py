"""Shared pieces of the benchmarks: embedded stores, an api process, percentiles, reporting."""

from __future__ import annotations

import base64
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import text

from finsight.embedded import EmbeddedPostgres, EmbeddedRedis, free_port

# Added to the stores' environment: the settings production runs with (random keys per run,
# as an operator generates them: `finsight secrets generate-key`, an Ed25519 signing key).
PRODUCTION = {
    "ENVIRONMENT": "production",
    "JWT_SECRET": "bench-" + "s" * 48,
    "LOG_LEVEL": "WARNING",
    "DATA_ENCRYPTION_KEYS": json.dumps({"k1": base64.b64encode(os.urandom(32)).decode()}),
    "DATA_ENCRYPTION_KEY_ID": "k1",
    "AUDIT_SIGNING_KEY": "ed25519:" + base64.b64encode(os.urandom(32)).decode(),
}


def machine() -> str:
    return f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(percentile(values, 0.50) * 1000, 2),
        "p99_ms": round(percentile(values, 0.99) * 1000, 2),
        "mean_ms": round(statistics.fmean(values) * 1000, 2),
    }


def report(name: str, figures: dict[str, object]) -> None:
    record = {
        "benchmark": name,
        "date": datetime.now(UTC).date().isoformat(),
        "machine": machine(),
        **figures,
    }
    print(json.dumps(record), flush=True)


def analyze(slug: str) -> None:
    """ANALYZE a tenant's transactions, as autovacuum would after a large import."""
    from finsight.db import get_engine

    with get_engine().begin() as connection:
        connection.execute(text(f"ANALYZE org_{slug}.transactions"))


@contextmanager
def stores() -> Iterator[dict[str, str]]:
    """Embedded PostgreSQL and Redis in a temporary folder; yields the environment to use."""
    root = Path(tempfile.mkdtemp(prefix="finsight-bench-"))
    postgres, redis = EmbeddedPostgres(root / "pg"), EmbeddedRedis(root / "redis", persistent=False)
    try:
        database_url = postgres.start()
        redis_url = redis.start()
        yield {"DATABASE_URL": database_url, "REDIS_URL": redis_url, "DATA_DIR": str(root)}
    finally:
        redis.stop()
        postgres.stop()


@contextmanager
def serve(
    args: list[str], env: dict[str, str], ready_path: str, name: str, pids: list[int] | None = None
) -> Iterator[str]:
    """`finsight serve ...` on a free loopback port, as production runs it; yields its URL (and
    appends its process id to `pids`, when given)."""
    port = free_port()
    log = Path(env["DATA_DIR"]) / f"{name}.log"
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "finsight.cli", "serve", *args, "--port", str(port)],
            env={**os.environ, **env},
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    if pids is not None:
        pids.append(process.pid)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(url + ready_path, timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise RuntimeError(f"{name} did not become ready:\n" + log.read_text()[-3000:])
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


@contextmanager
def api_process(env: dict[str, str], pids: list[int] | None = None) -> Iterator[str]:
    """The api as production runs it: `finsight serve api` (uvicorn, one process, uvloop)."""
    with serve(["api"], env, "/readyz", "api", pids) as url:
        yield url


@contextmanager
def web_process(env: dict[str, str], api_url: str) -> Iterator[str]:
    """The dashboard as production runs it: `finsight serve web`, calling `api_url`."""
    with serve(["web", "--api-url", api_url], env, "/healthz", "web") as url:
        yield url
