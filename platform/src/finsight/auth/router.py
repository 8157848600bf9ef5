from __future__ import annotations

from fastapi import APIRouter, Request, status

from finsight.api.deps import DB, Client, CurrentPrincipal
from finsight.api.problems import problem_responses
from finsight.auth import service
from finsight.auth.schemas import (
    LoginRequest,
    OrganizationSummary,
    RefreshRequest,
    SwitchRequest,
    TokenResponse,
)
from finsight.auth.service import IssuedTokens, RefreshTokenReused
from finsight.auth.throttle import LoginThrottle
from finsight.config import get_settings
from finsight.db import platform_session
from finsight.errors import NotAuthenticated
from finsight.redis_client import get_redis

router = APIRouter(prefix="/api/auth", tags=["auth"])


def _response(tokens: IssuedTokens) -> TokenResponse:
    org = tokens.organization
    return TokenResponse(
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        expires_in=tokens.expires_in,
        organization=OrganizationSummary.model_validate(org) if org else None,
    )


@router.post(
    "/login",
    name="auth.login",
    response_model=TokenResponse,
    summary="Sign in with email and password",
    description="Unknown accounts and wrong passwords get the same answer. Repeated failures "
    "per account or per client address answer 429 with Retry-After.",
    responses=problem_responses(401, 403, 422, 429, 503),
)
def login(body: LoginRequest, request: Request, db: DB, client: Client) -> TokenResponse:
    request.state.actor_email = body.email.strip().lower()
    throttle = LoginThrottle(get_redis(), get_settings())
    tokens = service.login(
        db,
        throttle,
        email=body.email,
        password=body.password,
        org_slug=body.organization,
        client=client,
    )
    return _response(tokens)


@router.post(
    "/refresh",
    name="auth.refresh",
    response_model=TokenResponse,
    summary="Exchange a refresh token for new tokens (rotation)",
    description="Each refresh token works once. Presenting a spent one revokes its whole "
    "session (every token descended from the same sign-in) and answers 401.",
    responses=problem_responses(401, 403, 422),
)
def refresh(body: RefreshRequest, db: DB, client: Client) -> TokenResponse:
    try:
        return _response(service.refresh(db, refresh_token=body.refresh_token, client=client))
    except RefreshTokenReused as reuse:
        # The request's transaction rolls back with the 401; the revocation must not.
        with platform_session() as session:
            service.revoke_reused_family(session, reuse.session_id, client)
        raise NotAuthenticated("refresh token already used; the session has been revoked") from None


@router.post(
    "/logout",
    name="auth.logout",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="End this session: its access and refresh tokens stop working at once",
    responses=problem_responses(401),
)
def logout(principal: CurrentPrincipal, db: DB, client: Client) -> None:
    service.logout(db, principal, principal.acting_from(client))


@router.post(
    "/switch",
    name="auth.switch",
    response_model=TokenResponse,
    summary="Get tokens for another organization you belong to",
    responses=problem_responses(401, 403, 409, 422),
)
def switch(
    body: SwitchRequest, principal: CurrentPrincipal, db: DB, client: Client
) -> TokenResponse:
    return _response(service.switch(db, principal, org_slug=body.organization, client=client))
