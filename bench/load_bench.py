"""Load (issue 19): 32 clients for 60 s against `GET /api/transactions` and `GET /api/users/me`,
with zero errors expected. Loopback only; the api as production runs it (one uvicorn process).

Uses `wrk` (Debian package) when it is installed, else a bounded Python load generator
(httpx, 32 concurrent clients). `python -m bench load`; LOAD_SECONDS shortens the run.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import time
import uuid
from datetime import date, timedelta
from decimal import Decimal

import httpx

from bench.harness import PRODUCTION, api_process, report, stores, summary
from bench.platform_bench import PASSWORD, _prepare

CLIENTS = 32
SECONDS = int(os.environ.get("LOAD_SECONDS", "60"))
ROWS = 5_000
PATHS = ("/api/transactions", "/api/users/me")


def _ledger(slug: str) -> None:
    """An account with ROWS transactions over two years."""
    from finsight.accounts.models import Account
    from finsight.accounts.service import recompute_balance
    from finsight.tenancy import tenant_session
    from finsight.transactions.models import Transaction

    with tenant_session(slug) as session:
        account = Account(name="Checking", type="checking", currency="USD")
        session.add(account)
        session.flush()
        today = date.today()
        for index in range(ROWS):
            description = f"MERCHANT {index % 97} STORE {index % 13}"
            session.add(
                Transaction(
                    account_id=account.id,
                    transaction_date=today - timedelta(days=index % 730),
                    amount=Decimal(-(index % 200) - 1) / 4,
                    currency="USD",
                    description_raw=description,
                    description=description,
                    fingerprint=uuid.uuid4().bytes,
                )
            )
        session.flush()
        recompute_balance(session, account.id)


def _wrk(url: str, path: str, token: str) -> dict[str, object]:
    command = [
        "wrk",
        f"-t{min(CLIENTS, os.cpu_count() or 2)}",
        f"-c{CLIENTS}",
        f"-d{SECONDS}s",
        "--latency",
        "--timeout",
        "30s",  # a slow answer on a loaded machine is latency, not an error
        "-H",
        f"Authorization: Bearer {token}",
        url + path,
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    out = done.stdout
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M)
    return {
        "tool": "wrk",
        "command": " ".join([*command[:-3], "-H", "'Authorization: Bearer …'", command[-1]]),
        "requests": requests,
        "requests_per_s": round(requests / SECONDS, 1),
        "errors": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": socket_errors.group(1) if socket_errors else "none",
        "p50": p50.group(1) if p50 else None,
        "p99": p99.group(1) if p99 else None,
    }


async def _python_load(url: str, path: str, token: str) -> dict[str, object]:
    latencies: list[float] = []
    errors = 0
    stop = time.monotonic() + SECONDS
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=30) as http:

        async def client() -> None:
            nonlocal errors
            while time.monotonic() < stop:
                started = time.perf_counter()
                try:
                    response = await http.get(path)
                    if response.status_code >= 400:
                        errors += 1
                except httpx.HTTPError:
                    errors += 1
                latencies.append(time.perf_counter() - started)

        await asyncio.gather(*(client() for _ in range(CLIENTS)))
    return {
        "tool": "python (httpx, bench/load_bench.py)",
        "requests": len(latencies),
        "requests_per_s": round(len(latencies) / SECONDS, 1),
        "errors": errors,
        **summary(latencies),
    }


def main() -> None:
    with stores() as env:
        env = {**env, **PRODUCTION}
        _prepare(env)
        _ledger("bench")
        with api_process(env) as url:
            login = httpx.post(
                url + "/api/auth/login",
                json={"email": "bench@example.com", "password": PASSWORD},
                timeout=30,
            )
            login.raise_for_status()
            token = login.json()["access_token"]
            for path in PATHS:
                if shutil.which("wrk"):
                    figures = _wrk(url, path, token)
                else:
                    figures = asyncio.run(_python_load(url, path, token))
                report(
                    f"load {path}",
                    {"clients": CLIENTS, "seconds": SECONDS, "rows": ROWS, **figures},
                )
