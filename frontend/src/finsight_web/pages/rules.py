"""Rules: the tenant's categorization rules in the order they apply, with an editor (conditions
and actions), a dry-run preview against existing transactions before saving, delete and
move up/down, and "Apply rules now" (a categorize run; otherwise rules apply at the next run)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from finsight_web.client import ApiError
from finsight_web.context import Page, form_list, signed_in
from finsight_web.navigation import NavItem
from finsight_web.pages.transactions import parse_tags

router = APIRouter()
NAV = NavItem("rules", "Rules", "/rules", ("analytics:read",), feature="analytics")
SignedIn = Annotated[Page, Depends(signed_in)]

TEXT_CONDITIONS = ("description_contains", "description_regex", "amount_min", "amount_max")
LIST_CONDITIONS = ("merchant_ids", "account_ids")
DIRECTIONS = {"": "Money in or out", "expense": "Money out (expenses)", "income": "Money in"}
FORM_FIELDS = (
    "name",
    *TEXT_CONDITIONS,
    *LIST_CONDITIONS,
    "direction",
    "category_id",
    "add_tags",
    "enabled",
    "stop_processing",
)


def rule_body(form: dict[str, Any]) -> dict[str, Any]:
    """The rule editor's form as the API's rule body. Blank conditions are left out; amounts are
    sent as the user typed them (the API says which one it cannot read)."""
    conditions: dict[str, Any] = {}
    for name in TEXT_CONDITIONS:
        text = str(form.get(name, "")).strip()
        if text:
            conditions[name] = text
    # Several words, comma-separated, match any of them (the API takes a list).
    words = parse_tags(str(form.get("description_contains", "")))
    if words:
        conditions["description_contains"] = words if len(words) > 1 else words[0]
    for name in LIST_CONDITIONS:
        chosen = form_list(form.get(name) or form.get(name + "[]"))
        if chosen:
            conditions[name] = chosen
    if form.get("direction") in ("expense", "income"):
        conditions["direction"] = form["direction"]
    actions: dict[str, Any] = {}
    if str(form.get("category_id", "")).strip():
        actions["category_id"] = str(form["category_id"]).strip()
    tags = parse_tags(str(form.get("add_tags", "")))
    if tags:
        actions["add_tags"] = tags
    return {
        "name": str(form.get("name", "")).strip(),
        "enabled": bool(form.get("enabled")),
        "stop_processing": bool(form.get("stop_processing")),
        "conditions": conditions,
        "actions": actions,
    }


def form_values(rule: dict[str, Any]) -> dict[str, Any]:
    """A stored rule as the editor's field values."""
    conditions = rule.get("conditions") or {}
    actions = rule.get("actions") or {}
    values: dict[str, Any] = {
        "name": rule.get("name") or "",
        "enabled": rule.get("enabled", True),
        "stop_processing": rule.get("stop_processing", False),
        "direction": conditions.get("direction") or "",
        "category_id": actions.get("category_id") or "",
        "add_tags": ", ".join(actions.get("add_tags") or []),
    }
    for name in TEXT_CONDITIONS:
        value = conditions.get(name)
        values[name] = "" if value is None else str(value)
    if isinstance(conditions.get("description_contains"), list):
        values["description_contains"] = ", ".join(conditions["description_contains"])
    for name in LIST_CONDITIONS:
        values[name] = [str(v) for v in conditions.get(name) or []]
    return values


def field_name(api_field: str) -> str:
    """The editor field of an API error's dotted path: 'conditions.amount_min' -> 'amount_min',
    'conditions.merchant_ids.0' -> 'merchant_ids', 'conditions' -> 'conditions'."""
    parts = api_field.split(".")
    if parts and parts[0] == "body":
        parts = parts[1:]
    if len(parts) > 1 and parts[0] in ("conditions", "actions"):
        parts = parts[1:]
    return parts[0] if parts else ""


def errors_of(error: ApiError) -> dict[str, str]:
    """{editor field: message}; errors that name no editor field go under '' (the form's)."""
    errors: dict[str, str] = {}
    for api_field, message in error.field_errors().items():
        name = field_name(api_field)
        key = name if name in (*FORM_FIELDS, "conditions", "actions") else ""
        errors.setdefault(key, message if key else f"{api_field}: {message}")
    if not errors:
        errors[""] = error.detail
    return errors


def describe(rule: dict[str, Any], names: dict[str, dict[str, str]]) -> list[str]:
    """The rule's conditions in words, for the list."""
    c = rule.get("conditions") or {}
    said: list[str] = []
    contains = c.get("description_contains")
    if contains:
        words = contains if isinstance(contains, list) else [contains]
        said.append("description contains " + " or ".join(f"“{w}”" for w in words))
    if c.get("description_regex"):
        said.append(f"description matches /{c['description_regex']}/")
    if c.get("merchant_ids"):
        merchants = [names["merchants"].get(str(m), "a merchant") for m in c["merchant_ids"]]
        said.append("merchant is " + " or ".join(merchants))
    low, high = c.get("amount_min"), c.get("amount_max")
    # Amount conditions are on the size of the amount, in or out.
    if low is not None and high is not None:
        said.append(f"amount between {low} and {high}")
    elif low is not None:
        said.append(f"amount of at least {low}")
    elif high is not None:
        said.append(f"amount of at most {high}")
    if c.get("account_ids"):
        accounts = [names["accounts"].get(str(a), "an account") for a in c["account_ids"]]
        said.append("account is " + " or ".join(accounts))
    if c.get("direction"):
        said.append(DIRECTIONS.get(c["direction"], c["direction"]).lower())
    return said or ["every transaction"]


def moved(ids: list[str], rule_id: str, direction: str) -> list[str] | None:
    """The order after moving one rule up or down; None when it cannot move that way."""
    if rule_id not in ids:
        return None
    index = ids.index(rule_id)
    target = index - 1 if direction == "up" else index + 1
    if target < 0 or target >= len(ids):
        return None
    order = list(ids)
    order[index], order[target] = order[target], order[index]
    return order


async def _rules(page: Page) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = await page.api("GET", "/api/analytics/rules")  # in order
    return rules


async def _choices(page: Page) -> dict[str, Any]:
    """What the editor offers: categories, accounts and (the first 200) merchants."""
    categories, accounts, merchants = await asyncio.gather(
        page.api("GET", "/api/categories"),
        page.api("GET", "/api/accounts", params={"limit": 200}),
        page.api("GET", "/api/analytics/merchants", params={"limit": 200}),
    )
    return {
        "categories": categories,
        "accounts": accounts["items"],
        "merchants": merchants["items"],
        "category_paths": {c["id"]: c["path"] for c in categories},
    }


@router.get("/rules")
async def list_rules(page: SignedIn) -> Response:
    if off := await page.analytics_off("Rules"):
        return off
    rules, choices = await asyncio.gather(_rules(page), _choices(page))
    names = {
        "merchants": {m["id"]: m["name"] for m in choices["merchants"]},
        "accounts": {a["id"]: a["name"] for a in choices["accounts"]},
    }
    return await page.render(
        "rules.html",
        rules=[{**r, "described": describe(r, names)} for r in rules],
        category_paths=choices["category_paths"],
        can_write=await page.can("analytics:write"),
    )


async def _editor(
    page: Page,
    *,
    rule: dict[str, Any] | None,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    preview: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    choices = await _choices(page)
    return await page.render(
        "rule_form.html",
        status_code=status_code,
        rule=rule,
        values=values,
        errors=errors or {},
        preview=preview,
        directions=DIRECTIONS,
        **choices,
    )


async def _writer(page: Page) -> None:
    """The editor is for those who may save: a viewer gets the no-access page, not a form
    whose every button the API would refuse."""
    if not await page.can("analytics:write"):
        raise ApiError(403, "Editing rules needs the analytics:write permission")


@router.get("/rules/new")
async def new_rule(page: SignedIn) -> Response:
    await _writer(page)
    values = form_values({"enabled": True})
    return await _editor(page, rule=None, values=values)


@router.get("/rules/{rule_id}/edit")
async def edit_rule(page: SignedIn, rule_id: uuid.UUID) -> Response:
    await _writer(page)
    rule = await page.api("GET", f"/api/analytics/rules/{rule_id}")
    return await _editor(page, rule=rule, values=form_values(rule))


def _posted_values(form: dict[str, Any]) -> dict[str, Any]:
    """The submitted form as field values to show again (after a refusal or a preview)."""
    values = form_values(rule_body(form))
    values["name"] = str(form.get("name", ""))
    values["enabled"] = bool(form.get("enabled"))
    # Shown again as typed, even when the API could not read it.
    for name in ("amount_min", "amount_max", "description_contains", "description_regex"):
        values[name] = str(form.get(name, "")).strip()
    return values


async def _save(page: Page, rule_id: uuid.UUID | None) -> Response:
    form = await page.form()
    body = rule_body(form)
    try:
        if rule_id:
            saved = await page.api("PATCH", f"/api/analytics/rules/{rule_id}", json=body)
        else:
            saved = await page.api("POST", "/api/analytics/rules", json=body)
    except ApiError as error:
        if error.status not in (409, 422):
            raise
        rule = await page.api("GET", f"/api/analytics/rules/{rule_id}") if rule_id else None
        return await _editor(
            page,
            rule=rule,
            values=_posted_values(form),
            errors=errors_of(error),
            status_code=422,
        )
    verb = "saved" if rule_id else "created"
    return await page.redirect(
        "/rules",
        flash=f"Rule “{saved['name']}” {verb}. It applies from the next analytics run, or now "
        "with “Apply rules now”.",
    )


@router.post("/rules/apply")
async def apply_rules(page: SignedIn) -> Response:
    """Categorize the existing transactions now (rules, then the model): a categorize run."""
    await page.form()
    await page.api("POST", "/api/analytics/runs", json={"kind": "categorize"})
    return await page.redirect(
        "/rules",
        flash="Applying the rules to your transactions now; reload in a moment.",
        level="info",
    )


@router.post("/rules/new")
async def create_rule(page: SignedIn) -> Response:
    return await _save(page, None)


@router.post("/rules/{rule_id}/edit")
async def update_rule(page: SignedIn, rule_id: uuid.UUID) -> Response:
    return await _save(page, rule_id)


@router.post("/rules/preview")
async def preview_rule(page: SignedIn) -> Response:
    """The editor's form tried against existing transactions (nothing is saved): how many match,
    how many would change, how many an earlier rule takes first, and some of them."""
    form = await page.form()
    rule_id = str(form.get("rule_id", "")).strip()
    rule = await page.api("GET", f"/api/analytics/rules/{rule_id}") if rule_id else None
    body = rule_body(form)
    values = _posted_values(form)
    try:
        # An edit is judged in the stored rule's place among the others; a new rule, last.
        tried = {"conditions": body["conditions"], "actions": body["actions"]}
        if rule_id:
            tried["rule_id"] = rule_id
        result = await page.api("POST", "/api/analytics/rules/dry-run", json=tried)
    except ApiError as error:
        if error.status != 422:
            raise
        return await _editor(
            page, rule=rule, values=values, errors=errors_of(error), status_code=422
        )
    return await _editor(page, rule=rule, values=values, preview=result)


@router.post("/rules/{rule_id}/delete")
async def delete_rule(page: SignedIn, rule_id: uuid.UUID) -> Response:
    await page.form()
    await page.api("DELETE", f"/api/analytics/rules/{rule_id}")
    return await page.redirect("/rules", flash="Rule deleted.")


@router.post("/rules/{rule_id}/move")
async def move_rule(page: SignedIn, rule_id: uuid.UUID) -> Response:
    form = await page.form()
    direction = "up" if form.get("direction") == "up" else "down"
    order = moved([str(r["id"]) for r in await _rules(page)], str(rule_id), direction)
    if order is None:
        return await page.redirect("/rules", flash="That rule cannot move further.", level="info")
    await page.api("POST", "/api/analytics/rules/reorder", json={"ids": order})
    return await page.redirect(f"/rules#r-{rule_id}", flash=f"Rule moved {direction}.")
