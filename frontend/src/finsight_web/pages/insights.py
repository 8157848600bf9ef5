"""Insights: recurring charges and income with their next dates and the monthly subscription
total, and the analytics runs behind them (more analytics arrive here as they are built)."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from finsight_web.client import ApiError
from finsight_web.context import Page, signed_in

router = APIRouter()
SignedIn = Annotated[Page, Depends(signed_in)]
CADENCES = {
    "weekly": "Weekly",
    "biweekly": "Every 2 weeks",
    "semi_monthly": "Twice a month",
    "monthly": "Monthly",
    "quarterly": "Quarterly",
    "annual": "Yearly",
}


@router.get("/insights")
async def insights(page: SignedIn) -> Response:
    try:
        recurring, runs, accounts = await asyncio.gather(
            page.api("GET", "/api/analytics/recurring"),
            page.api("GET", "/api/analytics/runs", params={"limit": 5}),
            page.api("GET", "/api/accounts", params={"limit": 200}),
        )
    except ApiError as error:
        if error.status != 404:
            raise
        # ENABLE_ANALYTICS=false on the API: say so rather than show an error.
        return await page.render("insights.html", enabled=False)
    streams = recurring["streams"]  # the API's order: soonest next date first, cancelled last
    return await page.render(
        "insights.html",
        enabled=True,
        expenses=[s for s in streams if s["direction"] == "expense"],
        income=[s for s in streams if s["direction"] == "income"],
        total=recurring["monthly_subscription_total"],
        currency=recurring["currency"] or "USD",
        runs=runs["items"],
        account_names={a["id"]: a["name"] for a in accounts["items"]},
        cadences=CADENCES,
        can_run=await page.can("analytics:write"),
    )


@router.post("/insights/run")
async def run_now(page: SignedIn) -> Response:
    await page.form()
    await page.api("POST", "/api/analytics/runs", json={"kind": "all"})
    return await page.redirect(
        "/insights", flash="Looking for recurring charges now; reload in a moment.", level="info"
    )
