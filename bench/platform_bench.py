"""Platform core: sign-in throughput at the production argon2 cost, authenticated
`GET /api/users/me` at concurrency 32, and the per-transaction cost of tenant scoping."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import text

from bench.harness import PRODUCTION, api_process, report, stores, summary

PASSWORD = "benchmark passphrase 1"
CONCURRENCY = 32
REQUESTS = 4000
LOGINS = 60
SCOPING_ROUNDS = 3000


def _prepare(env: dict[str, str]) -> None:
    os.environ.update(env)
    from finsight.config import get_settings
    from finsight.db import platform_session, reset_engines
    from finsight.kit.identity import Actor
    from finsight.organizations.service import OrganizationSpec, ensure_organization
    from finsight.tenancy.migrations import upgrade_platform

    get_settings.cache_clear()
    reset_engines()
    with platform_session() as session:
        upgrade_platform(session.connection())
        ensure_organization(
            session,
            OrganizationSpec(
                slug="bench", name="Bench", owner_email="bench@example.com", owner_password=PASSWORD
            ),
            Actor.system("bench"),
        )


async def _load(url: str, path: str, token: str | None, total: int) -> tuple[float, list[float]]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    latencies: list[float] = []
    queue: asyncio.Queue[int] = asyncio.Queue()
    for index in range(total):
        queue.put_nowait(index)
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits) as client:

        async def worker() -> None:
            while not queue.empty():
                queue.get_nowait()
                started = time.perf_counter()
                response = await client.get(path)
                latencies.append(time.perf_counter() - started)
                response.raise_for_status()

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        return time.perf_counter() - began, latencies


def _logins(url: str) -> tuple[float, list[float]]:
    def one(_: int) -> float:
        started = time.perf_counter()
        response = httpx.post(
            url + "/api/auth/login",
            json={"email": "bench@example.com", "password": PASSWORD},
            timeout=60,
        )
        response.raise_for_status()
        return time.perf_counter() - started

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=4) as pool:
        latencies = list(pool.map(one, range(LOGINS)))
    return time.perf_counter() - began, latencies


def _argon2_verify_rate() -> float:
    """Baseline: the same verification in-process, one at a time."""
    from finsight.auth.passwords import hash_password, verify_password

    digest = hash_password(PASSWORD)
    began = time.perf_counter()
    for _ in range(20):
        verify_password(digest, PASSWORD)
    return 20 / (time.perf_counter() - began)


def _scoping_cost() -> dict[str, float]:
    """The same tenant query per transaction with and without SET LOCAL ROLE/search_path."""
    from finsight.db import get_engine
    from finsight.tenancy import TenantNames, scope_to_tenant

    names = TenantNames.for_slug("bench")
    query = text("SELECT count(*) FROM categories WHERE kind = 'expense'")
    qualified = text(f"SELECT count(*) FROM {names.schema}.categories WHERE kind = 'expense'")
    engine = get_engine()

    def timed(body: Callable[[object], None]) -> float:
        with engine.connect() as connection:
            began = time.perf_counter()
            for _ in range(SCOPING_ROUNDS):
                with connection.begin():
                    body(connection)
            return (time.perf_counter() - began) / SCOPING_ROUNDS

    def scoped(connection: object) -> None:
        scope_to_tenant(connection, names)  # type: ignore[arg-type]
        connection.execute(query).scalar()  # type: ignore[attr-defined]

    def unscoped(connection: object) -> None:
        connection.execute(qualified).scalar()  # type: ignore[attr-defined]

    timed(unscoped)  # warm up the connection and plans
    plain, with_scope = timed(unscoped), timed(scoped)
    return {
        "transaction_unscoped_us": round(plain * 1e6, 1),
        "transaction_scoped_us": round(with_scope * 1e6, 1),
        "scoping_overhead_us": round((with_scope - plain) * 1e6, 1),
        "scoped_to_unscoped_ratio": round(with_scope / plain, 2),
    }


def main() -> None:
    from finsight.config import Settings

    argon = Settings()
    production = {**PRODUCTION, "LOG_FORMAT": "json", "LOGIN_MAX_FAILURES_PER_ADDRESS": "100000"}
    with stores() as env:
        env = {**env, **production}
        _prepare(env)
        with api_process(env) as url:
            elapsed, latencies = _logins(url)
            login_rate = LOGINS / elapsed
            report(
                "login",
                {
                    "argon2": (
                        f"argon2id t={argon.argon2_time_cost} "
                        f"m={argon.argon2_memory_cost_kib}KiB p={argon.argon2_parallelism}"
                    ),
                    "logins_per_s": round(login_rate, 1),
                    "client_threads": 4,
                    "in_process_verify_per_s": round(_argon2_verify_rate(), 1),
                    **summary(latencies),
                },
            )
            token = httpx.post(
                url + "/api/auth/login", json={"email": "bench@example.com", "password": PASSWORD}
            ).json()["access_token"]
            base_elapsed, base_latencies = asyncio.run(_load(url, "/healthz", None, REQUESTS))
            me_elapsed, me_latencies = asyncio.run(_load(url, "/api/users/me", token, REQUESTS))
            report(
                "users_me_c32",
                {
                    "requests": REQUESTS,
                    "concurrency": CONCURRENCY,
                    "req_per_s": round(REQUESTS / me_elapsed, 1),
                    **summary(me_latencies),
                    "baseline_healthz_req_per_s": round(REQUESTS / base_elapsed, 1),
                    "baseline_healthz": summary(base_latencies),
                    "throughput_ratio_to_healthz": round(base_elapsed / me_elapsed, 3),
                },
            )
        report("tenant_scoping", _scoping_cost())
