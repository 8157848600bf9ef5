"""Settings, shown by permission: the organization, members and roles, the audit log."""

from __future__ import annotations

import asyncio
import functools
import uuid
import zoneinfo
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from finsight_web.client import ApiError
from finsight_web.context import Page, signed_in
from finsight_web.navigation import NavItem

router = APIRouter()
NAV = NavItem(
    "settings",
    "Settings",
    "/settings",
    ("organization:write", "members:read", "audit:read"),
)
SignedIn = Annotated[Page, Depends(signed_in)]

# Any of these opens the settings area; each section then needs its own permission.
SETTINGS_PERMISSIONS = ("organization:write", "members:read", "audit:read")
AUDIT_FILTERS = ("actor", "action", "target_type", "result", "since", "until")


class NoSettingsAccess(ApiError):
    pass


async def _require_settings(page: Page) -> set[str]:
    permissions = set((await page.me())["permissions"])
    if not permissions.intersection(SETTINGS_PERMISSIONS):
        raise NoSettingsAccess(403, "Settings are for owners and admins")
    return permissions


@router.get("/settings")
async def settings_home(page: SignedIn) -> Response:
    permissions = await _require_settings(page)
    for permission, url in (
        ("organization:write", "/settings/organization"),
        ("members:read", "/settings/members"),
        ("audit:read", "/settings/audit"),
    ):
        if permission in permissions:
            return await page.redirect(url)
    return await page.redirect("/")


@functools.cache
def _time_zones() -> list[str]:
    """Suggestions for the time zone field (the API validates what is typed)."""
    return sorted(zone for zone in zoneinfo.available_timezones() if "/" in zone or zone == "UTC")


@router.get("/settings/organization")
async def organization_page(page: SignedIn) -> Response:
    permissions = await _require_settings(page)
    organization = await page.api("GET", "/api/organizations/current")
    return await page.render(
        "settings/organization.html",
        section="organization",
        time_zones=_time_zones(),
        organization=organization,
        can_write="organization:write" in permissions,
        permissions=permissions,
        errors={},
    )


@router.post("/settings/organization")
async def update_organization(page: SignedIn) -> Response:
    permissions = await _require_settings(page)
    form = await page.form()
    changes = {
        "name": str(form.get("name", "")).strip(),
        "time_zone": str(form.get("time_zone", "")).strip() or "UTC",
    }
    try:
        await page.api("PATCH", "/api/organizations/current", json=changes)
    except ApiError as error:
        if error.status != 422:
            raise
        organization = await page.api("GET", "/api/organizations/current")
        return await page.render(
            "settings/organization.html",
            status_code=422,
            section="organization",
            time_zones=_time_zones(),
            organization={**organization, **changes},
            can_write=True,
            permissions=permissions,
            errors=error.field_errors() or {"name": error.detail},
        )
    return await page.redirect("/settings/organization", flash="Organization saved.")


async def _members_page(
    page: Page,
    permissions: set[str],
    *,
    added: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    members, roles, invitations = await asyncio.gather(
        page.api("GET", "/api/organizations/current/members", params={"limit": 200}),
        page.api("GET", "/api/roles") if "roles:read" in permissions else _nothing(),
        page.api("GET", "/api/organizations/current/invitations"),
    )
    return await page.render(
        "settings/members.html",
        status_code=status_code,
        section="members",
        members=members["items"],
        invitations=[i for i in invitations if i["status"] == "pending"],
        roles=roles or [],
        can_write="members:write" in permissions,
        permissions=permissions,
        added=added,
        errors=errors or {},
        values=values or {"role": "viewer"},
    )


async def _nothing() -> None:
    return None


@router.get("/settings/members")
async def members_page(page: SignedIn) -> Response:
    return await _members_page(page, await _require_settings(page))


@router.post("/settings/members")
async def add_member(page: SignedIn) -> Response:
    permissions = await _require_settings(page)
    form = await page.form()
    values = {"email": str(form.get("email", "")).strip(), "role": str(form.get("role", ""))}
    try:
        added = await page.api("POST", "/api/organizations/current/members", json=values)
    except ApiError as error:
        if error.status not in (409, 422):
            raise
        errors = error.field_errors() or {"email": error.detail}
        return await _members_page(
            page, permissions, errors=errors, values=values, status_code=error.status
        )
    # The invitation link is shown once, on this page, never in a redirect.
    return await _members_page(page, permissions, added=added)


@router.post("/settings/invitations/{invitation_id}/resend")
async def resend_invitation(page: SignedIn, invitation_id: uuid.UUID) -> Response:
    permissions = await _require_settings(page)
    await page.form()
    try:
        added = await page.api(
            "POST", f"/api/organizations/current/invitations/{invitation_id}/resend"
        )
    except ApiError as error:
        if error.status not in (404, 409):
            raise
        return await page.redirect("/settings/members", flash=error.detail, level="error")
    return await _members_page(page, permissions, added=added)


@router.post("/settings/invitations/{invitation_id}/revoke")
async def revoke_invitation(page: SignedIn, invitation_id: uuid.UUID) -> Response:
    await _require_settings(page)
    await page.form()
    try:
        await page.api("DELETE", f"/api/organizations/current/invitations/{invitation_id}")
    except ApiError as error:
        if error.status not in (404, 409):
            raise
        return await page.redirect("/settings/members", flash=error.detail, level="error")
    return await page.redirect("/settings/members", flash="Invitation revoked.")


@router.post("/settings/members/{user_id}/role")
async def change_role(page: SignedIn, user_id: uuid.UUID) -> Response:
    await _require_settings(page)
    form = await page.form()
    role = str(form.get("role", ""))
    try:
        await page.api(
            "PATCH", f"/api/organizations/current/members/{user_id}", json={"role": role}
        )
    except ApiError as error:
        if error.status not in (409, 422):
            raise
        return await page.redirect("/settings/members", flash=error.detail, level="error")
    return await page.redirect("/settings/members", flash=f"Role changed to {role}.")


@router.post("/settings/members/{user_id}/remove")
async def remove_member(page: SignedIn, user_id: uuid.UUID) -> Response:
    await _require_settings(page)
    await page.form()
    try:
        await page.api("DELETE", f"/api/organizations/current/members/{user_id}")
    except ApiError as error:
        if error.status not in (409, 422):
            raise
        return await page.redirect("/settings/members", flash=error.detail, level="error")
    return await page.redirect("/settings/members", flash="Member removed.")


@router.get("/settings/audit")
async def audit_page(page: SignedIn) -> Response:
    permissions = await _require_settings(page)
    query = dict(page.request.query_params)
    filters = {k: query[k].strip() for k in AUDIT_FILTERS if query.get(k, "").strip()}
    params: dict[str, Any] = {**filters, "limit": 50}
    if query.get("cursor"):
        params["cursor"] = query["cursor"]
    entries, error = await page.filtered_list("/api/audit", params)
    return await page.render(
        "settings/audit.html",
        status_code=422 if error else 200,
        section="audit",
        entries=entries["items"],
        next_cursor=entries["next_cursor"],
        filters=filters,
        error=error,
        permissions=permissions,
        first_page=not query.get("cursor"),
    )
