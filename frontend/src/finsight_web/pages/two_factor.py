"""Settings, two-factor sign-in: your own (enrol, recovery codes, turn off) and, for owners
and admins, whether the organization requires it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from finsight_web.client import ApiError
from finsight_web.context import Page, signed_in

router = APIRouter()
SignedIn = Annotated[Page, Depends(signed_in)]
API = "/api/users/me/two-factor"


async def _render(page: Page, status_code: int = 200, **values: Any) -> Response:
    me = await page.me()
    state = await page.api("GET", API)
    organization = None
    if me.get("organization") and "organization:write" in me["permissions"]:
        organization = await page.api("GET", "/api/organizations/current")
    return await page.render(
        "settings/two_factor.html",
        status_code=status_code,
        section="two-factor",
        permissions=set(me["permissions"]),
        state=state,
        organization=organization,
        errors=values.pop("errors", {}),
        **values,
    )


@router.get("/settings/two-factor")
async def two_factor_page(page: SignedIn) -> Response:
    return await _render(page)


@router.post("/settings/two-factor/setup")
async def setup(page: SignedIn) -> Response:
    await page.form()
    enrolment = await page.api("POST", f"{API}/setup")
    return await _render(page, enrolment=enrolment)


@router.post("/settings/two-factor/enable")
async def enable(page: SignedIn) -> Response:
    form = await page.form()
    enrolment = {"secret": form.get("secret", ""), "otpauth_uri": form.get("otpauth_uri", "")}
    try:
        answer = await page.api("POST", f"{API}/enable", json={"code": form.get("code", "")})
    except ApiError as error:
        if error.status not in (409, 422, 429):
            raise
        errors = {"code": error.detail}
        return await _render(page, error.status, enrolment=enrolment, errors=errors)
    return await _render(page, recovery_codes=answer["recovery_codes"], just_enabled=True)


@router.post("/settings/two-factor/recovery-codes")
async def recovery_codes(page: SignedIn) -> Response:
    form = await page.form()
    try:
        answer = await page.api(
            "POST", f"{API}/recovery-codes", json={"code": form.get("code", "")}
        )
    except ApiError as error:
        if error.status not in (409, 422, 429):
            raise
        return await _render(page, error.status, errors={"recovery": error.detail})
    return await _render(page, recovery_codes=answer["recovery_codes"])


@router.post("/settings/two-factor/disable")
async def disable(page: SignedIn) -> Response:
    form = await page.form()
    try:
        await page.api("POST", f"{API}/disable", json={"code": form.get("code", "")})
    except ApiError as error:
        if error.status not in (409, 422, 429):
            raise
        return await _render(page, error.status, errors={"disable": error.detail})
    return await page.redirect("/settings/two-factor", flash="Two-factor sign-in is off.")


@router.post("/settings/two-factor/organization")
async def require_for_organization(page: SignedIn) -> Response:
    form = await page.form()
    required = form.get("require_two_factor") == "on"
    try:
        await page.api("PATCH", "/api/organizations/current", json={"require_two_factor": required})
    except ApiError as error:
        if error.status not in (409, 422):
            raise
        return await _render(page, error.status, errors={"organization": error.detail})
    state = "requires" if required else "no longer requires"
    return await page.redirect(
        "/settings/two-factor", flash=f"The organization {state} two-factor sign-in."
    )
