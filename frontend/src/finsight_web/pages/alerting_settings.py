"""Settings → Alert rules, and Settings → Channels and routing (channels with a test send and
secret rotation, routes, business and quiet hours). Rules kept by the cluster are shown as such
and cannot be changed here; the API refuses what it refuses and its reasons are shown."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from finsight_web.client import ApiError
from finsight_web.context import Page, form_list, signed_in

router = APIRouter()
SignedIn = Annotated[Page, Depends(signed_in)]
SEVERITIES = ("info", "warning", "critical")
WINDOWS = {
    "always": "Always",
    "business_hours": "During business hours",
    "outside_business_hours": "Outside business hours",
    "outside_quiet_hours": "Outside quiet hours",
}
DAYS = {1: "Mon", 2: "Tue", 3: "Wed", 4: "Thu", 5: "Fri", 6: "Sat", 7: "Sun"}


async def _permissions(page: Page) -> set[str]:
    permissions = set((await page.me())["permissions"])
    if "alerts:read" not in permissions:
        raise ApiError(403, "Alerting settings need the alerts:read permission")
    return permissions


# --- rules -----------------------------------------------------------------------------------


async def _rules_page(
    page: Page, values: dict[str, Any], errors: dict[str, str], status_code: int = 200
) -> Response:
    permissions = await _permissions(page)
    rules, kinds = await asyncio.gather(
        page.api("GET", "/api/alert-rules"), page.api("GET", "/api/alert-rules/kinds")
    )
    return await page.render(
        "settings/alert_rules.html",
        status_code=status_code,
        section="alert-rules",
        permissions=permissions,
        rules=rules,
        kinds=kinds,
        severities=SEVERITIES,
        values=values,
        errors=errors,
        can_write="alerts:write" in permissions,
    )


@router.get("/settings/alert-rules")
async def alert_rules_page(page: SignedIn) -> Response:
    return await _rules_page(page, {"severity": "warning", "params": "{}"}, {})


@router.post("/settings/alert-rules")
async def create_alert_rule(page: SignedIn) -> Response:
    form = await page.form()
    values = {k: str(form.get(k, "")).strip() for k in ("name", "kind", "severity", "params")}
    try:
        params = json.loads(values["params"] or "{}")
    except ValueError:
        return await _rules_page(
            page, values, {"params": "Parameters must be a JSON object"}, status_code=422
        )
    body = {
        "name": values["name"],
        "kind": values["kind"],
        "severity": values["severity"],
        "params": params,
    }
    try:
        await page.api("POST", "/api/alert-rules", json=body)
    except ApiError as error:
        if error.status != 422:
            raise
        errors = {k.split(".")[0]: v for k, v in error.field_errors().items()} or {
            "name": error.detail
        }
        return await _rules_page(page, values, errors, status_code=422)
    return await page.redirect("/settings/alert-rules", flash=f"Rule {values['name']} created.")


@router.post("/settings/alert-rules/{rule_id}/{action}")
async def change_alert_rule(page: SignedIn, rule_id: uuid.UUID, action: str) -> Response:
    await page.form()
    try:
        if action == "delete":
            await page.api("DELETE", f"/api/alert-rules/{rule_id}")
            flash = "Rule deleted."
        else:
            enabled = action == "enable"
            await page.api("PATCH", f"/api/alert-rules/{rule_id}", json={"enabled": enabled})
            flash = "Rule turned on." if enabled else "Rule turned off."
    except ApiError as error:
        if error.status not in (404, 409, 422):
            raise
        return await page.redirect(
            "/settings/alert-rules", flash=f"Not changed: {error.detail}", level="error"
        )
    return await page.redirect("/settings/alert-rules", flash=flash)


# --- channels, routes, hours -----------------------------------------------------------------


async def _channels_page(
    page: Page,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    *,
    secret: str | None = None,
    status_code: int = 200,
) -> Response:
    permissions = await _permissions(page)
    channels, routes, hours, rules = await asyncio.gather(
        page.api("GET", "/api/notification-channels"),
        page.api("GET", "/api/alert-routes"),
        page.api("GET", "/api/alert-settings"),
        page.api("GET", "/api/alert-rules"),
    )
    return await page.render(
        "settings/channels.html",
        status_code=status_code,
        section="channels",
        permissions=permissions,
        channels=channels,
        channel_names={c["id"]: c["name"] for c in channels},
        rule_names={r["id"]: r["name"] for r in rules},
        routes=routes,
        hours=hours,
        days=DAYS,
        windows=WINDOWS,
        severities=SEVERITIES,
        values=values or {"kind": "webhook"},
        errors=errors or {},
        secret=secret,
        can_admin="alerts:admin" in permissions,
    )


@router.get("/settings/channels")
async def channels_page(page: SignedIn) -> Response:
    return await _channels_page(page)


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]


@router.post("/settings/channels")
async def create_channel(page: SignedIn) -> Response:
    form = await page.form()
    values: dict[str, Any] = {
        k: str(form.get(k, "")).strip() for k in ("name", "kind", "url", "addresses")
    }
    values["roles"] = form_list(form.get("roles[]"))
    body: dict[str, Any] = {"name": values["name"], "kind": values["kind"]}
    if values["kind"] in ("slack", "webhook"):
        body["url"] = values["url"]
    if values["kind"] == "email":
        body["addresses"] = _split(values["addresses"])
        body["roles"] = values["roles"]
    try:
        created = await page.api("POST", "/api/notification-channels", json=body)
    except ApiError as error:
        if error.status != 422:
            raise
        errors = {k.split(".")[0]: v for k, v in error.field_errors().items()} or {
            "name": error.detail
        }
        return await _channels_page(page, values, errors, status_code=422)
    if created.get("secret"):
        # Shown on this page only: it is never shown again.
        return await _channels_page(page, secret=created["secret"], status_code=201)
    return await page.redirect("/settings/channels", flash=f"Channel {created['name']} added.")


@router.post("/settings/channels/{channel_id}/{action}")
async def change_channel(page: SignedIn, channel_id: uuid.UUID, action: str) -> Response:
    await page.form()
    path = f"/api/notification-channels/{channel_id}"
    try:
        if action == "test":
            await page.api("POST", f"{path}/test")
            flash = "Test notification queued: its attempts are listed under the channel."
        elif action == "rotate":
            rotated = await page.api("POST", f"{path}/rotate-secret")
            return await _channels_page(page, secret=rotated["secret"])
        elif action == "delete":
            await page.api("DELETE", path)
            flash = "Channel deleted."
        else:
            enabled = action == "enable"
            await page.api("PATCH", path, json={"enabled": enabled})
            flash = "Channel turned on." if enabled else "Channel turned off."
    except ApiError as error:
        if error.status not in (404, 409, 422):
            raise
        return await page.redirect(
            "/settings/channels", flash=f"Not done: {error.detail}", level="error"
        )
    return await page.redirect("/settings/channels", flash=flash)


@router.post("/settings/routes")
async def create_route(page: SignedIn) -> Response:
    form = await page.form()
    body = {
        "name": str(form.get("name", "")).strip(),
        "severities": form_list(form.get("severities[]")),
        "channel_ids": form_list(form.get("channel_ids[]")),
        "time_window": str(form.get("time_window", "always")),
        "escalate_after_minutes": int(str(form.get("escalate_after_minutes") or "0") or 0),
    }
    try:
        await page.api("POST", "/api/alert-routes", json=body)
    except ApiError as error:
        if error.status != 422:
            raise
        return await page.redirect(
            "/settings/channels", flash=f"Route not added: {error.detail}", level="error"
        )
    return await page.redirect("/settings/channels", flash=f"Route {body['name']} added.")


@router.post("/settings/routes/{route_id}/delete")
async def delete_route(page: SignedIn, route_id: uuid.UUID) -> Response:
    await page.form()
    try:
        await page.api("DELETE", f"/api/alert-routes/{route_id}")
    except ApiError as error:
        if error.status != 404:
            raise
    return await page.redirect("/settings/channels", flash="Route deleted.")


@router.post("/settings/hours")
async def update_hours(page: SignedIn) -> Response:
    form = await page.form()
    body = {
        "business_days": [int(d) for d in form_list(form.get("business_days[]"))],
        "business_start": str(form.get("business_start") or "09:00"),
        "business_end": str(form.get("business_end") or "17:00"),
        "quiet_start": str(form.get("quiet_start") or "") or None,
        "quiet_end": str(form.get("quiet_end") or "") or None,
    }
    try:
        await page.api("PUT", "/api/alert-settings", json=body)
    except ApiError as error:
        if error.status != 422:
            raise
        return await page.redirect(
            "/settings/channels", flash=f"Hours not saved: {error.detail}", level="error"
        )
    return await page.redirect("/settings/channels", flash="Hours saved.")
