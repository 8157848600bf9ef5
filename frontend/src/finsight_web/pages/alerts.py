"""Alerts: what is firing or acknowledged (acknowledge, resolve), what was recent; one alert
with where it was sent; the in-app notifications behind the top bar's bell."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from finsight_web.client import ApiError
from finsight_web.context import Page, signed_in
from finsight_web.navigation import NavItem

router = APIRouter()
NAV = NavItem("alerts", "Alerts", "/alerts", ("alerts:read",), feature="alerts")
SignedIn = Annotated[Page, Depends(signed_in)]


@router.get("/alerts")
async def alerts_page(page: SignedIn) -> Response:
    open_alerts, recent = await asyncio.gather(
        page.api("GET", "/api/alerts", params={"state": "open", "limit": 100}),
        page.api("GET", "/api/alerts", params={"status": "resolved", "limit": 25}),
    )
    return await page.render(
        "alerts.html",
        open_alerts=open_alerts["items"],
        recent=recent["items"],
        can_write=await page.can("alerts:write"),
    )


@router.get("/alerts/{alert_id}")
async def alert_page(page: SignedIn, alert_id: uuid.UUID) -> Response:
    alert, deliveries, channels = await asyncio.gather(
        page.api("GET", f"/api/alerts/{alert_id}"),
        page.api("GET", f"/api/alerts/{alert_id}/deliveries"),
        page.api("GET", "/api/notification-channels"),
    )
    return await page.render(
        "alert.html",
        alert=alert,
        deliveries=deliveries,
        channel_names={c["id"]: c["name"] for c in channels},
        can_write=await page.can("alerts:write"),
    )


@router.post("/alerts/{alert_id}/{action}")
async def change_alert(page: SignedIn, alert_id: uuid.UUID, action: str) -> Response:
    form = await page.form()
    back = "/alerts" if form.get("back") != "alert" else f"/alerts/{alert_id}"
    if action not in ("acknowledge", "resolve"):
        return await page.redirect(back, flash="Unknown action.", level="error")
    try:
        alert = await page.api("POST", f"/api/alerts/{alert_id}/{action}")
    except ApiError as error:
        if error.status not in (404, 409):
            raise
        return await page.redirect(back, flash=f"Not done: {error.detail}", level="error")
    done = "acknowledged" if action == "acknowledge" else "resolved"
    return await page.redirect(back, flash=f"{alert['title']}: {done}.")


@router.get("/notifications")
async def notifications_page(page: SignedIn) -> Response:
    feed = await page.api("GET", "/api/in-app-notifications", params={"limit": 50})
    return await page.render("notifications.html", feed=feed)


@router.post("/notifications/seen")
async def notifications_seen(page: SignedIn) -> Response:
    await page.form()
    await page.api("POST", "/api/in-app-notifications/seen")
    return await page.redirect("/notifications", flash="All caught up.")
