"""Report schedules: a report sent by email on a cadence, in the organization's time zone.
Create, edit, pause or resume, send now, delete; each shows its next send and the last delivery
to each recipient (sent, waiting to retry, failed and why)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from finsight_web.client import ApiError
from finsight_web.context import Page, form_list, signed_in
from finsight_web.pages.reports import FORMATS, KINDS, RELATIVE, filters_of

router = APIRouter()
SignedIn = Annotated[Page, Depends(signed_in)]

CADENCES = (
    ("weekly", "Weekly"),
    ("monthly", "Monthly"),
    ("quarterly", "Quarterly"),
    ("yearly", "Yearly"),
    ("cron", "Cron expression"),
)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
BLANK = {
    "name": "",
    "kind": "income_spending",
    "formats": ["pdf"],
    "period": "last_month",
    "cadence": {"type": "monthly", "day": 1, "time": "08:00"},
    "recipients": [],
    "filters": {},
    "status": "active",
}


def _number(value: Any) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.lstrip("-").isdigit() else None


def schedule_body(form: dict[str, Any]) -> dict[str, Any]:
    """The form as the API's schedule (the API checks it and names the field at fault)."""
    kind = str(form.get("cadence_type", "monthly"))
    cadence: dict[str, Any] = {"type": kind}
    if kind == "cron":
        cadence["expression"] = str(form.get("expression", "")).strip()
    else:
        cadence["time"] = str(form.get("time") or "08:00")
    if kind == "weekly":
        cadence["weekday"] = form.get("weekday") or "monday"
    if kind in ("monthly", "quarterly", "yearly"):
        cadence["day"] = _number(form.get("day")) or 1
    if kind == "yearly":
        cadence["month"] = _number(form.get("month")) or 1
    addresses = [a.strip() for a in str(form.get("addresses", "")).replace(",", "\n").split("\n")]
    recipients: list[dict[str, str]] = [{"email": a} for a in addresses if a]
    recipients += [{"user_id": m} for m in form_list(form.get("member_ids"))]
    return {
        "name": str(form.get("name", "")).strip(),
        "kind": form.get("kind"),
        "formats": form_list(form.get("formats")),
        "cadence": cadence,
        "period": form.get("period"),
        "filters": filters_of(form),
        "recipients": recipients,
    }


async def _members(page: Page) -> list[dict[str, Any]]:
    try:
        listed = await page.api("GET", "/api/organizations/current/members", params={"limit": 200})
    except ApiError:
        return []  # no members:read: addresses only
    items = listed["items"] if isinstance(listed, dict) else listed
    return list(items)


async def _list(
    page: Page,
    *,
    form_values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    editing: dict[str, Any] | None = None,
) -> Response:
    schedules = await page.api("GET", "/api/report-schedules", params={"limit": 100})
    accounts = await page.api("GET", "/api/accounts", params={"limit": 200})
    return await page.render(
        "report_schedules.html",
        status_code=status_code,
        schedules=schedules["items"],
        values=form_values or editing or BLANK,
        editing=editing,
        errors=errors or {},
        kinds=KINDS,
        formats=FORMATS,
        relative=RELATIVE,
        cadences=CADENCES,
        weekdays=WEEKDAYS,
        members=await _members(page),
        accounts=accounts["items"],
        can_write=await page.can("reports:write"),
    )


@router.get("/reports/schedules")
async def schedules_page(page: SignedIn) -> Response:
    return await _list(page)


@router.get("/reports/schedules/{schedule_id}")
async def edit_page(page: SignedIn, schedule_id: uuid.UUID) -> Response:
    schedule = await page.api("GET", f"/api/report-schedules/{schedule_id}")
    return await _list(page, editing=schedule)


def _as_values(body: dict[str, Any]) -> dict[str, Any]:
    return {**BLANK, **body}


@router.post("/reports/schedules")
async def create(page: SignedIn) -> Response:
    form = await page.form()
    body = schedule_body(form)
    try:
        made = await page.api("POST", "/api/report-schedules", json=body)
    except ApiError as error:
        if error.status != 422:
            raise
        return await _list(
            page, form_values=_as_values(body), status_code=422, errors={"form": error.detail}
        )
    return await page.redirect("/reports/schedules", flash=f"Schedule “{made['name']}” created.")


@router.post("/reports/schedules/{schedule_id}")
async def update(page: SignedIn, schedule_id: uuid.UUID) -> Response:
    form = await page.form()
    body = schedule_body(form)
    try:
        saved = await page.api("PATCH", f"/api/report-schedules/{schedule_id}", json=body)
    except ApiError as error:
        if error.status != 422:
            raise
        current = await page.api("GET", f"/api/report-schedules/{schedule_id}")
        return await _list(
            page, editing={**current, **body}, status_code=422, errors={"form": error.detail}
        )
    return await page.redirect("/reports/schedules", flash=f"Schedule “{saved['name']}” saved.")


@router.post("/reports/schedules/{schedule_id}/{action}")
async def act(page: SignedIn, schedule_id: uuid.UUID, action: str) -> Response:
    await page.form()
    path = f"/api/report-schedules/{schedule_id}"
    try:
        if action in ("pause", "resume"):
            status = "paused" if action == "pause" else "active"
            saved = await page.api("PATCH", path, json={"status": status})
            message = f"“{saved['name']}” {'paused' if status == 'paused' else 'resumed'}."
        elif action == "send":
            await page.api("POST", path + "/send")
            message = "Sending now: the delivery status below follows."
        elif action == "delete":
            await page.api("DELETE", path)
            message = "Schedule deleted."
        else:
            return await page.redirect("/reports/schedules", flash="Unknown action.", level="error")
    except ApiError as error:
        if error.status not in (404, 422, 503):
            raise
        return await page.redirect("/reports/schedules", flash=error.detail, level="error")
    return await page.redirect("/reports/schedules", flash=message)
