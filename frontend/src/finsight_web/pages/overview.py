"""Overview: balances, income against spending per month, spending by category, latest activity."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from finsight_web.charts import category_bars, main_currency, month_keys, monthly_chart
from finsight_web.context import Page, signed_in
from finsight_web.navigation import NavItem
from finsight_web.pages.periods import PERIODS, months_back, period

router = APIRouter()
NAV = NavItem("overview", "Overview", "/")
SignedIn = Annotated[Page, Depends(signed_in)]
MONTHS_SHOWN = 12


def _dates(start: date | None, end: date | None) -> dict[str, str]:
    return {
        **({"date_from": start.isoformat()} if start else {}),
        **({"date_to": end.isoformat()} if end else {}),
    }


@router.get("/")
async def overview(
    page: SignedIn, period_key: Annotated[str | None, Query(alias="period")] = None
) -> Response:
    today = date.today()
    chosen = period(period_key, today)
    me = await page.me()
    can = set(me["permissions"])
    calls: dict[str, Any] = {}
    if "accounts:read" in can:
        calls["accounts"] = page.api("GET", "/api/accounts", params={"limit": 200})
    if "transactions:read" in can:
        calls["months"] = page.api(
            "GET",
            "/api/transactions/summary",
            params={"group_by": "month", "date_from": months_back(today, MONTHS_SHOWN - 1)},
        )
        calls["categories"] = page.api(
            "GET",
            "/api/transactions/summary",
            params={"group_by": "category", **_dates(chosen.start, chosen.end)},
        )
        calls["latest"] = page.api("GET", "/api/transactions", params={"limit": 8})
        calls["tree"] = page.api("GET", "/api/categories")
    if "budgets:read" in can:
        calls["budgets"] = page.api("GET", "/api/budgets/status")
    if "imports:read" in can:
        calls["imports"] = page.api("GET", "/api/imports", params={"limit": 5})
    results = dict(zip(calls, await asyncio.gather(*calls.values()), strict=True))

    accounts = (results.get("accounts") or {}).get("items", [])
    months = (results.get("months") or {}).get("totals", [])
    categories = (results.get("categories") or {}).get("totals", [])
    currency = main_currency(months + categories, accounts[0]["currency"] if accounts else "USD")
    other_currencies = sorted({t["currency"] for t in months + categories} - {currency})
    return await page.render(
        "overview.html",
        accounts=accounts,
        account_names={a["id"]: a["name"] for a in accounts},
        monthly=(
            monthly_chart(months, currency, month_keys(months_back(today, MONTHS_SHOWN - 1), today))
            if months
            else None
        ),
        categories=category_bars(categories, currency),
        currency=currency,
        other_currencies=other_currencies,
        period=chosen,
        periods=PERIODS,
        latest=(results.get("latest") or {}).get("items", []),
        category_paths={c["id"]: c["path"] for c in results.get("tree") or []},
        imports=(results.get("imports") or {}).get("items", []),
        budgets=results.get("budgets") or [],
        can=can,
    )
