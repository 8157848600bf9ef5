"""Insights: the cash-flow forecast of an account (actuals, then 1-3 months ahead inside the 80%
interval), spending forecast per category, recurring charges and income with their next dates
and the monthly subscription total, anomalies to confirm or dismiss, and the analytics runs."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from finsight_web.charts import forecast_chart, forecast_rows
from finsight_web.client import ApiError
from finsight_web.context import Page, safe_next, signed_in
from finsight_web.navigation import NavItem

router = APIRouter()
NAV = NavItem("insights", "Insights", "/insights", ("analytics:read",))
SignedIn = Annotated[Page, Depends(signed_in)]
CADENCES = {
    "weekly": "Weekly",
    "biweekly": "Every 2 weeks",
    "semi_monthly": "Twice a month",
    "monthly": "Monthly",
    "quarterly": "Quarterly",
    "annual": "Yearly",
}
ANOMALY_KINDS = {
    "spike": "Unusually large",
    "outlier": "Unusual transaction",
    "duplicate": "Possible duplicate",
    "large_first_charge": "Large first charge",
    "category_pace": "Category ahead of pace",
}
ANOMALY_FILTERS = {"new": "To review", "confirmed": "Confirmed", "dismissed": "Dismissed"}
ANOMALY_PAGE = 25
FEEDBACK = {"confirmed": "confirmed", "dismissed": "dismissed"}


def horizon_of(text: str | None) -> int:
    """The forecast's months ahead from the query: 1-3, default 3."""
    return int(text) if text in ("1", "2", "3") else 3


async def _optional(page: Page, path: str, params: dict[str, Any]) -> Any:
    """A section's read. One that is not there (an engine part not deployed, an account not
    found) is None; one that failed is {"failed": True}: the section says so and the rest of
    the page still shows."""
    try:
        return await page.api("GET", path, params=params)
    except ApiError as error:
        if error.status in (404, 409, 422):
            return None
        if error.status >= 500:
            return {"failed": True}
        raise


def transaction_link(anomaly: dict[str, Any]) -> str | None:
    """The transactions list around the anomaly's day and account, scrolled to its row (there
    is no page per transaction)."""
    if not anomaly.get("transaction_id"):
        return None
    day = date.fromisoformat(str(anomaly["occurred_on"])[:10])
    query = f"date_from={day - timedelta(days=3)}&date_to={day + timedelta(days=3)}"
    if anomaly.get("account_id"):
        query += f"&account_id={anomaly['account_id']}"
    return f"/transactions?{query}#t-{anomaly['transaction_id']}"


def pick_series(forecast: dict[str, Any] | None, account_id: str | None) -> dict[str, Any] | None:
    """The chosen account's series, else the one with the most history (then the most money
    moved): the account a person uses most, not whichever sorts first."""
    series = list((forecast or {}).get("series") or [])
    chosen: list[dict[str, Any]] = [s for s in series if str(s.get("account_id")) == account_id]
    if chosen:
        return chosen[0]

    def weight(item: dict[str, Any]) -> tuple[int, Decimal]:
        history = item.get("history") or []
        moved = sum((abs(Decimal(str(h["actual"]))) for h in history), Decimal(0))
        return len(history), moved

    return max(series, key=weight) if series else None


def category_tables(forecast: dict[str, Any] | None, paths: dict[str, str]) -> list[dict[str, Any]]:
    """The spending forecast as one table per currency (amounts in different currencies are
    never side by side), each row named by its category ("Uncategorized" for none)."""
    tables: dict[str, list[dict[str, Any]]] = {}
    for s in (forecast or {}).get("series") or []:
        category = s.get("category_id")
        name = paths.get(str(category), "Other category") if category else "Uncategorized"
        rows = [r for r in forecast_rows([], s["points"]) if r.point is not None]
        tables.setdefault(str(s["currency"]), []).append({"name": name, "rows": rows})
    return [
        {"currency": currency, "categories": sorted(found, key=lambda c: str(c["name"]))}
        for currency, found in sorted(tables.items())
    ]


@router.get("/insights")
async def insights(page: SignedIn) -> Response:
    query = dict(page.request.query_params)
    months = horizon_of(query.get("months"))
    account_id = query.get("account_id") or None
    anomaly_status = query.get("anomalies") if query.get("anomalies") in ANOMALY_FILTERS else "new"
    if not await page.runs("analytics"):
        # ENABLE_ANALYTICS=false on the API: say so rather than show an error.
        return await page.render("insights.html", enabled=False)
    account_params: dict[str, Any] = {"scope": "account", "months": months}
    if account_id:
        account_params["account_id"] = account_id
    anomaly_params: dict[str, Any] = {"status": anomaly_status, "limit": ANOMALY_PAGE}
    if query.get("anomalies_cursor"):
        anomaly_params["cursor"] = query["anomalies_cursor"]
    answers = await asyncio.gather(
        page.api("GET", "/api/analytics/recurring"),
        page.api("GET", "/api/analytics/runs", params={"limit": 5}),
        page.api("GET", "/api/accounts", params={"limit": 200}),
        page.api("GET", "/api/categories"),
        _optional(page, "/api/analytics/forecast", account_params),
        _optional(page, "/api/analytics/forecast", {"scope": "category", "months": months}),
        _optional(page, "/api/analytics/anomalies", anomaly_params),
    )
    recurring, runs, accounts, categories, by_account, by_category, anomalies = answers
    failed = [
        name
        for name, answer in (
            ("the cash flow forecast", by_account),
            ("the spending forecast", by_category),
            ("unusual activity", anomalies),
        )
        if answer and answer.get("failed")
    ]
    series = pick_series(by_account, account_id)
    chart = (
        forecast_chart(series["history"], series["points"], series["currency"]) if series else None
    )
    category_paths = {str(c["id"]): c["path"] for c in categories}
    category_forecasts = category_tables(by_category, category_paths)
    streams = recurring["streams"]  # the API's order: soonest next date first, cancelled last
    anomaly_items = (anomalies or {}).get("items") or []
    return await page.render(
        "insights.html",
        enabled=True,
        expenses=[s for s in streams if s["direction"] == "expense"],
        income=[s for s in streams if s["direction"] == "income"],
        total=recurring["monthly_subscription_total"],
        currency=recurring["currency"] or "USD",
        runs=runs["items"],
        accounts=accounts["items"],
        account_names={a["id"]: a["name"] for a in accounts["items"]},
        cadences=CADENCES,
        can_run=await page.can("analytics:write"),
        months=months,
        series=series,
        chart=chart,
        category_forecasts=category_forecasts,
        anomalies=[{**a, "link": transaction_link(a)} for a in anomaly_items],
        anomaly_status=anomaly_status,
        anomalies_next=(anomalies or {}).get("next_cursor"),
        anomalies_paged=bool(query.get("anomalies_cursor")),
        anomaly_filters=ANOMALY_FILTERS,
        anomaly_kinds=ANOMALY_KINDS,
        failed=failed,
        here=page.here,
    )


@router.post("/insights/run")
async def run_now(page: SignedIn) -> Response:
    await page.form()
    await page.api("POST", "/api/analytics/runs", json={"kind": "all"})
    return await page.redirect(
        "/insights", flash="Looking for recurring charges now; reload in a moment.", level="info"
    )


@router.post("/insights/anomalies/{anomaly_id}")
async def anomaly_feedback(page: SignedIn, anomaly_id: uuid.UUID) -> Response:
    form = await page.form()
    back = safe_next(str(form.get("return_to") or "/insights")).split("#")[0] + "#anomalies-h"
    status = FEEDBACK.get(str(form.get("status", "")))
    if status is None:
        return await page.redirect(back, flash="Choose confirm or dismiss.", level="error")
    await page.api(
        "POST", f"/api/analytics/anomalies/{anomaly_id}/feedback", json={"status": status}
    )
    done = "Confirmed: thanks, that helps." if status == "confirmed" else "Dismissed."
    return await page.redirect(back, flash=done)
