"""Overview: balances and net worth, income against spending per month and spending by category
(each currency its own charts), latest activity."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from finsight_web.charts import (
    CategoryBar,
    MonthlyChart,
    category_bars,
    month_keys,
    monthly_chart,
)
from finsight_web.context import Page, signed_in
from finsight_web.navigation import NavItem
from finsight_web.pages.periods import PERIODS, months_back, period

router = APIRouter()
NAV = NavItem("overview", "Overview", "/")
SignedIn = Annotated[Page, Depends(signed_in)]
MONTHS_SHOWN = 12


@dataclass(frozen=True)
class CurrencyCharts:
    """One currency's charts: amounts in different currencies are never added together."""

    currency: str
    monthly: MonthlyChart | None
    recent: bool  # the months shown end with the current one
    latest_month: str | None  # "YYYY-MM" of the latest month with transactions
    categories: list[CategoryBar]


def currencies_by_volume(totals: list[dict[str, str]], fallback: str) -> list[str]:
    """Currencies with money moved, the most first (the fallback alone when there are none)."""
    volume: dict[str, Decimal] = {}
    for t in totals:
        moved = abs(Decimal(t["income"])) + abs(Decimal(t["spending"]))
        volume[t["currency"]] = volume.get(t["currency"], Decimal(0)) + moved
    return sorted(volume, key=lambda c: (-volume[c], c)) or [fallback]


def latest_months(
    totals: list[dict[str, str]], currency: str, today: date, shown: int = MONTHS_SHOWN
) -> tuple[list[str], bool]:
    """The `shown` months to chart for one currency: up to the current month when it has
    transactions in them, else up to its latest month with transactions (a statement older
    than a year still shows). Also whether they end with the current month."""
    current = f"{today.year:04d}-{today.month:02d}"
    with_data = sorted(
        t["key"] for t in totals if t["currency"] == currency and int(t.get("count", 1)) > 0
    )
    past = [key for key in with_data if key <= current]
    window_start = months_back(today, shown - 1)
    first_shown = f"{window_start.year:04d}-{window_start.month:02d}"
    if not past or past[-1] >= first_shown:
        return month_keys(window_start, today), True
    last = date.fromisoformat(past[-1] + "-01")
    return month_keys(months_back(last, shown - 1), last), False


def net_worth(accounts: list[dict[str, Any]]) -> list[tuple[str, Decimal]]:
    """The sum of the accounts' balances per currency (what a card owes counts against it),
    each balance as the overview shows it: the bank's stated one when there is one."""
    totals: dict[str, Decimal] = {}
    for a in accounts:
        stated = (a.get("bank_balance") or {}).get("balance")
        balance = Decimal(str(stated if stated is not None else a.get("current_balance") or 0))
        totals[a["currency"]] = totals.get(a["currency"], Decimal(0)) + balance
    return sorted(totals.items())


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
        # Every month: the chart shows the latest months with data, however old they are.
        calls["months"] = page.api("GET", "/api/transactions/summary", params={"group_by": "month"})
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
    currencies = currencies_by_volume(
        months + categories, accounts[0]["currency"] if accounts else "USD"
    )
    charts = []
    for currency in currencies:
        shown, recent = latest_months(months, currency, today)
        has_months = any(t["currency"] == currency for t in months)
        latest = max((t["key"] for t in months if t["currency"] == currency), default=None)
        charts.append(
            CurrencyCharts(
                currency=currency,
                monthly=monthly_chart(months, currency, shown) if has_months else None,
                recent=recent,
                latest_month=latest,
                categories=category_bars(categories, currency),
            )
        )
    return await page.render(
        "overview.html",
        accounts=accounts,
        account_names={a["id"]: a["name"] for a in accounts},
        net_worth=net_worth(accounts),
        charts=charts,
        period=chosen,
        periods=PERIODS,
        latest=(results.get("latest") or {}).get("items", []),
        category_paths={c["id"]: c["path"] for c in results.get("tree") or []},
        imports=(results.get("imports") or {}).get("items", []),
        budgets=results.get("budgets") or [],
        can=can,
    )
