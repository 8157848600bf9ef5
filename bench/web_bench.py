"""Dashboard: server time to render the overview and a transactions page for a tenant holding
1,000,000 transactions (p50, p99), against the API calls behind each page made alone, the same
way (the same calls, the same concurrency), in the same run.

The tenant's rows come through the import pipeline (a generated Chase file whose dates end
today, so the overview's last-12-months charts cover real data)."""

from __future__ import annotations

import asyncio
import io
import os
import re
import time
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import Any

import httpx

from bench.harness import (
    PRODUCTION,
    analyze,
    api_process,
    report,
    stores,
    summary,
    web_process,
)
from bench.ingestion_bench import CATEGORIES, MERCHANTS, PASSWORD, _import, _prepare
from finsight_web.pages.periods import months_back

ROWS = int(os.environ.get("BENCH_WEB_ROWS", "1000000"))
REQUESTS = int(os.environ.get("BENCH_WEB_REQUESTS", "100"))
WARMUP = 5
DAYS = 2000


def chase_csv_until_today(rows: int) -> bytes:
    out = io.StringIO()
    out.write("Transaction Date,Post Date,Description,Category,Type,Amount,Memo\n")
    start = date.today() - timedelta(days=DAYS)
    for index in range(rows):
        day = (start + timedelta(days=index * DAYS // rows)).strftime("%m/%d/%Y")
        cents = 100 + (index * 7919) % 25000
        out.write(
            f"{day},{day},{MERCHANTS[index % 8]} {index % 5000},"
            f"{CATEGORIES[index % 6]},Sale,-{cents // 100}.{cents % 100:02d},\n"
        )
    return out.getvalue().encode()


def _overview_calls(api: httpx.AsyncClient) -> Callable[[], Awaitable[None]]:
    """What `GET /` asks the API: who you are, then six reads at once."""
    today = date.today()

    async def calls() -> None:
        (await api.get("/api/users/me")).raise_for_status()
        replies = await asyncio.gather(
            api.get("/api/accounts", params={"limit": 200}),
            api.get(
                "/api/transactions/summary",
                params={"group_by": "month", "date_from": months_back(today, 11).isoformat()},
            ),
            api.get(
                "/api/transactions/summary",
                params={
                    "group_by": "category",
                    "date_from": months_back(today, 2).isoformat(),
                    "date_to": today.isoformat(),
                },
            ),
            api.get("/api/transactions", params={"limit": 8}),
            api.get("/api/categories"),
            api.get("/api/imports", params={"limit": 5}),
        )
        for reply in replies:
            reply.raise_for_status()

    return calls


def _transactions_calls(
    api: httpx.AsyncClient, params: dict[str, str]
) -> Callable[[], Awaitable[None]]:
    """What `GET /transactions?...` asks the API: accounts and categories, the page, you."""

    async def calls() -> None:
        replies = await asyncio.gather(
            api.get("/api/accounts", params={"limit": 200}),
            api.get("/api/categories"),
        )
        page = await api.get("/api/transactions", params={**params, "sort": "-date"})
        me = await api.get("/api/users/me")
        for reply in (*replies, page, me):
            reply.raise_for_status()

    return calls


async def _timed(call: Callable[[], Awaitable[Any]]) -> list[float]:
    for _ in range(WARMUP):
        await call()
    latencies = []
    for _ in range(REQUESTS):
        began = time.perf_counter()
        await call()
        latencies.append(time.perf_counter() - began)
    return latencies


async def _measure(web_url: str, api_url: str) -> None:
    async with httpx.AsyncClient(base_url=web_url, timeout=60) as web:
        form = await web.get("/login")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert csrf, form.text[:500]
        signed_in = await web.post(
            "/login",
            data={"csrf_token": csrf.group(1), "email": "bench@example.com", "password": PASSWORD},
        )
        assert signed_in.status_code == 303, signed_in.text[:500]
        token = (
            await web.post(
                api_url + "/api/auth/login",
                json={"email": "bench@example.com", "password": PASSWORD},
            )
        ).json()["access_token"]
        async with httpx.AsyncClient(
            base_url=api_url, timeout=60, headers={"Authorization": f"Bearer {token}"}
        ) as api:
            pages = {
                "overview": ("/", {}, _overview_calls(api)),
                "transactions": (
                    "/transactions",
                    {"limit": "50"},
                    _transactions_calls(api, {"limit": "50"}),
                ),
                "transactions_search": (
                    "/transactions",
                    {"q": "starbucks", "amount_max": "-10", "limit": "50"},
                    _transactions_calls(
                        api, {"q": "starbucks", "amount_max": "-10", "limit": "50"}
                    ),
                ),
            }
            for name, (path, params, api_calls) in pages.items():

                async def render(path: str = path, params: dict[str, str] = params) -> None:
                    response = await web.get(path, params=params)
                    assert response.status_code == 200, response.text[:500]

                rendered = await _timed(render)
                behind = await _timed(api_calls)
                page, base = summary(rendered), summary(behind)
                report(
                    f"web_{name}_1m",
                    {
                        "rows": ROWS,
                        "requests": REQUESTS,
                        "page": page,
                        "api_calls_alone": base,
                        "ratio_p50": round(page["p50_ms"] / base["p50_ms"], 2),
                        "ratio_p99": round(page["p99_ms"] / base["p99_ms"], 2),
                    },
                )


def main() -> None:
    with stores() as env:
        env = {
            **env,
            **PRODUCTION,
            # The benchmark's client speaks plain http: let it keep the session cookie.
            "WEB_COOKIE_SECURE": "false",
        }
        slug, _, account_id = _prepare(env)
        elapsed, outcome = _import(slug, account_id, chase_csv_until_today(ROWS))
        print(f"loaded {outcome['inserted']} rows in {elapsed:.1f}s", flush=True)
        analyze(slug)
        with api_process(env) as api_url, web_process(env, api_url) as web_url:
            asyncio.run(_measure(web_url, api_url))
