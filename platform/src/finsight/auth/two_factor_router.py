"""Your own two-factor sign-in: status, enrol (setup, then enable with a code), disable,
recovery codes. Changing it takes a current code; wrong codes count like wrong passwords."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from finsight.api.deps import DB, Client, CurrentPrincipal
from finsight.api.problems import problem_responses
from finsight.auth import two_factor
from finsight.auth.throttle import LoginThrottle
from finsight.config import get_settings
from finsight.errors import InvalidInput
from finsight.kit.identity import ClientInfo, Principal
from finsight.redis_client import get_redis
from finsight.users.service import get_user

router = APIRouter(prefix="/api/users/me/two-factor", tags=["users"])


class TwoFactorStatus(BaseModel):
    enabled: bool
    enabled_at: datetime | None
    recovery_codes_left: int


class TwoFactorSetup(BaseModel):
    secret: str = Field(description="Base32 secret for the authenticator app: shown only now")
    otpauth_uri: str = Field(description="The same as an otpauth:// URI (a QR code's content)")


class TwoFactorCode(BaseModel):
    code: str = Field(min_length=6, max_length=32, description="A current code (or recovery code)")


class RecoveryCodes(BaseModel):
    recovery_codes: list[str] = Field(description="Single-use codes: shown only now")


@router.get(
    "",
    response_model=TwoFactorStatus,
    summary="Your two-factor sign-in",
    responses=problem_responses(401),
)
def read_status(principal: CurrentPrincipal, db: DB) -> TwoFactorStatus:
    user = get_user(db, principal.user_id)
    return TwoFactorStatus(
        enabled=user.two_factor_enabled,
        enabled_at=user.totp_enabled_at,
        recovery_codes_left=two_factor.recovery_codes_left(db, user),
    )


@router.post(
    "/setup",
    name="user.2fa.setup",
    response_model=TwoFactorSetup,
    summary="Start enrolling: a new secret for your authenticator app",
    responses=problem_responses(401, 409),
)
def setup(principal: CurrentPrincipal, db: DB, client: Client) -> TwoFactorSetup:
    enrolment = two_factor.start_enrolment(
        db, get_user(db, principal.user_id), principal.acting_from(client)
    )
    return TwoFactorSetup(secret=enrolment.secret, otpauth_uri=enrolment.otpauth_uri)


@contextmanager
def _code_checked(principal: Principal, client: ClientInfo) -> Iterator[None]:
    """A code from the person's app: refused while they are throttled, counted when wrong
    (like a wrong password)."""
    throttle = LoginThrottle(get_redis(), get_settings())
    throttle.check(principal.email, client.ip)
    try:
        yield
    except InvalidInput:
        throttle.record_failure(principal.email, client.ip)
        raise


@router.post(
    "/enable",
    name="user.2fa.enable",
    response_model=RecoveryCodes,
    summary="Finish enrolling with a code from the app; returns 10 recovery codes",
    responses=problem_responses(401, 409, 422, 429),
)
def enable(
    body: TwoFactorCode, principal: CurrentPrincipal, db: DB, client: Client
) -> RecoveryCodes:
    with _code_checked(principal, client):
        codes = two_factor.confirm_enrolment(
            db, get_user(db, principal.user_id), body.code, principal.acting_from(client)
        )
    return RecoveryCodes(recovery_codes=codes)


@router.post(
    "/disable",
    name="user.2fa.disable",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Turn two-factor sign-in off (needs a current code)",
    responses=problem_responses(401, 409, 422, 429),
)
def disable(body: TwoFactorCode, principal: CurrentPrincipal, db: DB, client: Client) -> None:
    with _code_checked(principal, client):
        two_factor.disable(
            db, get_user(db, principal.user_id), body.code, principal.acting_from(client)
        )


@router.post(
    "/recovery-codes",
    name="user.2fa.recovery_codes",
    response_model=RecoveryCodes,
    summary="Replace your recovery codes (needs a current code)",
    responses=problem_responses(401, 409, 422, 429),
)
def new_recovery_codes(
    body: TwoFactorCode, principal: CurrentPrincipal, db: DB, client: Client
) -> RecoveryCodes:
    with _code_checked(principal, client):
        codes = two_factor.regenerate_recovery_codes(
            db, get_user(db, principal.user_id), body.code, principal.acting_from(client)
        )
    return RecoveryCodes(recovery_codes=codes)
