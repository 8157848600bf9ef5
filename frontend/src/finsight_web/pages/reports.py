"""Reports: choose a kind, a period, filters and a format; preview the figures; make the file on
the organization's worker; the history with downloads. Schedules (pages/report_schedules.py)
send them by email."""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response, StreamingResponse

from finsight_web.client import ApiError
from finsight_web.context import Page, call_context, form_list, signed_in
from finsight_web.navigation import NavItem

router = APIRouter()
NAV = NavItem("reports", "Reports", "/reports", ("reports:read",))
SignedIn = Annotated[Page, Depends(signed_in)]

KINDS = (
    ("income_spending", "Income and spending"),
    ("net_worth", "Net worth"),
    ("budget_actual", "Budget against actual"),
    ("merchants", "Spending by merchant"),
    ("review", "Period in review"),
    ("ledger", "Transactions ledger"),
)
FORMATS = (("pdf", "PDF"), ("xlsx", "Excel"), ("csv", "CSV"), ("json", "JSON"))
PERIOD_TYPES = (
    ("months", "Calendar months"),
    ("range", "Custom range"),
    ("payday", "Months from a payday"),
    ("tax_year", "Tax year"),
    ("relative", "Relative"),
)
RELATIVE = (
    ("last_month", "Last month"),
    ("month_to_date", "Month to date"),
    ("last_quarter", "Last quarter"),
    ("quarter_to_date", "Quarter to date"),
    ("last_year", "Last year"),
    ("year_to_date", "Year to date"),
    ("last_12_months", "Last 12 months"),
    ("last_7_days", "Last 7 days"),
)
DEFAULTS = {
    "kind": "income_spending",
    "format": "pdf",
    "period_type": "relative",
    "relative": "last_month",
    "day": "25",
    "start_month": "4",
    "start_day": "6",
}


def _int(value: Any) -> int | Any:
    text = str(value or "").strip()
    return int(text) if text.lstrip("-").isdigit() else text


def period_spec(values: dict[str, Any]) -> dict[str, Any]:
    """The form's period fields as the API's period object (the API checks them)."""
    kind = values.get("period_type", "relative")
    if kind == "relative":
        return {"type": "relative", "name": values.get("relative", "last_month")}
    if kind == "months":
        return {
            "type": "months",
            "from": values.get("from_month"),
            "to": values.get("to_month") or values.get("from_month"),
        }
    if kind == "payday":
        return {
            "type": "payday",
            "from": values.get("from_month"),
            "to": values.get("to_month") or values.get("from_month"),
            "day": _int(values.get("day")),
        }
    if kind == "tax_year":
        return {
            "type": "tax_year",
            "year": _int(values.get("year")),
            "start_month": _int(values.get("start_month")),
            "start_day": _int(values.get("start_day")),
        }
    return {"type": "range", "from": values.get("from_date"), "to": values.get("to_date")}


def filters_of(values: dict[str, Any]) -> dict[str, Any]:
    filters: dict[str, Any] = {}
    if accounts := [a for a in form_list(values.get("account_ids")) if a]:
        filters["account_ids"] = accounts
    if categories := [c for c in form_list(values.get("category_ids")) if c]:
        filters["category_ids"] = categories
    return filters


async def _page(
    page: Page,
    values: dict[str, Any],
    *,
    preview: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    accounts = await page.api("GET", "/api/accounts", params={"limit": 200})
    categories = await page.api("GET", "/api/categories")
    history = await page.api("GET", "/api/reports", params={"limit": 25})
    return await page.render(
        "reports.html",
        status_code=status_code,
        values={**DEFAULTS, **values},
        kinds=KINDS,
        formats=FORMATS,
        period_types=PERIOD_TYPES,
        relative=RELATIVE,
        accounts=accounts["items"],
        categories=[c for c in categories if c.get("parent_id") is None],
        history=history["items"],
        preview=preview,
        errors=errors or {},
        can_write=await page.can("reports:write"),
    )


@router.get("/reports")
async def reports_page(page: SignedIn) -> Response:
    query = page.request.query_params
    values: dict[str, Any] = {key: query.get(key) for key in query}
    for key in ("account_ids", "category_ids"):
        values[key] = query.getlist(key)
    if not query.get("preview"):
        return await _page(page, values)
    params = {
        "kind": values.get("kind", "income_spending"),
        "period": json.dumps(period_spec(values)),
        "filters": json.dumps(filters_of(values)),
    }
    try:
        preview = await page.api("GET", "/api/reports/preview", params=params)
    except ApiError as error:
        if error.status != 422:
            raise
        return await _page(page, values, errors={"form": error.detail}, status_code=422)
    return await _page(page, values, preview=preview)


@router.post("/reports")
async def make_report(page: SignedIn) -> Response:
    form = await page.form()
    body = {
        "kind": form.get("kind"),
        "format": form.get("format"),
        "period": period_spec(form),
        "filters": filters_of(form),
    }
    try:
        made = await page.api("POST", "/api/reports", json=body)
    except ApiError as error:
        if error.status not in (422, 503):
            raise
        return await _page(page, form, errors={"form": error.detail}, status_code=error.status)
    return await page.redirect(
        "/reports#history", flash=f"Report queued ({made['period_label']}): it appears below."
    )


@router.get("/reports/{report_id}/download")
async def download(page: SignedIn, report_id: uuid.UUID) -> Response:
    await page.refresh_tokens()
    headers, body = await page.shared.api.stream(
        f"/api/reports/{report_id}/download",
        token=str(page.session.access_token),
        context=call_context(page.request),
        params=None,
    )
    return StreamingResponse(body, headers=headers)
