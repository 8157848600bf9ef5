"""Two-factor sign-in (issue 19, item 11): TOTP (RFC 6238, via pyotp) with recovery codes.

Enrolment is two steps: `start_enrolment` makes a secret (sealed at rest, shown once as an
otpauth URI), `confirm_enrolment` turns it on when a code from the app matches and returns 10
single-use recovery codes (stored as SHA-256: they are random, so a fast hash suffices). A
password sign-in of a user with 2FA answers a short-lived signed challenge instead of tokens;
the challenge plus a code completes it. Each TOTP time step is accepted once. Never commits.
"""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
import pyotp
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from finsight.audit.service import record
from finsight.auth.models import RecoveryCode
from finsight.config import get_settings
from finsight.crypto.envelope import decrypt_secret, encrypt_secret
from finsight.errors import Conflict, FinsightError, InvalidInput, NotAuthenticated
from finsight.kit.identity import Actor
from finsight.kit.models import utcnow
from finsight.users.models import User

ISSUER = "finsight"
RECOVERY_CODES = 10
STEP_SECONDS = 30
CHALLENGE_AUDIENCE = "finsight-second-factor"


class TwoFactorEnrollmentRequired(FinsightError):
    status = 403
    code = "two_factor_enrollment_required"
    title = "Two-factor sign-in required"


@dataclass(frozen=True)
class Enrolment:
    secret: str  # base32, shown once
    otpauth_uri: str


@dataclass(frozen=True)
class Challenge:
    user_id: uuid.UUID
    org_slug: str | None
    personal: bool


def _seal(user: User, secret: str) -> bytes:
    """The TOTP secret encrypted at rest like every secret (finsight.crypto), bound to its user:
    copied to another row it does not open."""
    return encrypt_secret(secret, context=f"totp:{user.id}".encode()).encode()


def _unseal(user: User, sealed: bytes) -> str:
    return decrypt_secret(sealed.decode(), context=f"totp:{user.id}".encode())


def _hash_code(code: str) -> bytes:
    return hashlib.sha256(normalize_recovery_code(code).encode()).digest()


def normalize_recovery_code(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def _new_recovery_code() -> str:
    raw = secrets.token_hex(5)  # 40 bits each, single use, behind the password
    return f"{raw[:5]}-{raw[5:]}"


def start_enrolment(session: Session, user: User, actor: Actor) -> Enrolment:
    if user.two_factor_enabled:
        raise Conflict("two-factor sign-in is already on; turn it off first to enrol again")
    secret = pyotp.random_base32()
    user.totp_pending_secret = _seal(user, secret)
    session.flush()
    record(
        session,
        org_id=None,
        actor=actor,
        action="user.2fa.setup",
        target_type="user",
        target_id=user.id,
    )
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    return Enrolment(secret, uri)


def _matching_step(secret: str, code: str, last_step: int | None) -> int | None:
    """The time step (now, or one either side for clock drift) whose code this is, if it was
    not used already."""
    code = code.strip().replace(" ", "")
    if not code.isdigit() or len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    now = int(time.time()) // STEP_SECONDS
    for step in (now, now - 1, now + 1):
        if secrets.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step if last_step is None or step > last_step else None
    return None


def _replace_recovery_codes(session: Session, user: User) -> list[str]:
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)]
    session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash_code(c)) for c in codes)
    session.flush()
    return codes


def confirm_enrolment(session: Session, user: User, code: str, actor: Actor) -> list[str]:
    """Turn 2FA on when `code` matches the pending secret; returns the recovery codes (once)."""
    if user.two_factor_enabled:
        raise Conflict("two-factor sign-in is already on")
    if user.totp_pending_secret is None:
        raise Conflict("start the enrolment first (POST /api/users/me/two-factor/setup)")
    secret = _unseal(user, user.totp_pending_secret)
    step = _matching_step(secret, code, None)
    if step is None:
        raise InvalidInput(
            "the code does not match: check the app's clock and try the next one", field="code"
        )
    user.totp_secret, user.totp_pending_secret = user.totp_pending_secret, None
    user.totp_enabled_at, user.totp_last_step = utcnow(), step
    codes = _replace_recovery_codes(session, user)
    record(
        session,
        org_id=None,
        actor=actor,
        action="user.2fa.enable",
        target_type="user",
        target_id=user.id,
    )
    return codes


def verify_second_factor(session: Session, user: User, code: str) -> bool:
    """A current TOTP code (each step once) or an unused recovery code (then spent)."""
    if user.totp_secret is None:
        return False
    secret = _unseal(user, user.totp_secret)
    step = _matching_step(secret, code, user.totp_last_step)
    if step is not None:
        user.totp_last_step = step
        session.flush()
        return True
    recovery = session.scalar(
        select(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _hash_code(code),
            RecoveryCode.used_at.is_(None),
        )
        .with_for_update()
    )
    if recovery is None:
        return False
    recovery.used_at = utcnow()
    session.flush()
    return True


def _require_code(session: Session, user: User, code: str) -> None:
    if not user.two_factor_enabled:
        raise Conflict("two-factor sign-in is off")
    if not verify_second_factor(session, user, code):
        raise InvalidInput("the code is wrong or was used already", field="code")


def disable(session: Session, user: User, code: str, actor: Actor) -> None:
    _require_code(session, user, code)
    user.totp_secret = user.totp_pending_secret = None
    user.totp_enabled_at = user.totp_last_step = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    session.flush()
    record(
        session,
        org_id=None,
        actor=actor,
        action="user.2fa.disable",
        target_type="user",
        target_id=user.id,
    )


def regenerate_recovery_codes(session: Session, user: User, code: str, actor: Actor) -> list[str]:
    _require_code(session, user, code)
    codes = _replace_recovery_codes(session, user)
    record(
        session,
        org_id=None,
        actor=actor,
        action="user.2fa.recovery_codes",
        target_type="user",
        target_id=user.id,
    )
    return codes


def recovery_codes_left(session: Session, user: User) -> int:
    return len(
        session.scalars(
            select(RecoveryCode.id).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        ).all()
    )


# --- the sign-in challenge ---------------------------------------------------------------------


def issue_challenge(user: User, org_slug: str | None, personal: bool) -> tuple[str, int]:
    """A signed, short-lived proof that the password was right. It names the password's
    change time, so a password change voids challenges issued before it."""
    settings = get_settings()
    ttl = settings.two_factor_challenge_ttl_seconds
    now = datetime.now(UTC)
    claims = {
        "sub": str(user.id),
        "org": org_slug,
        "personal": personal,
        "pwc": user.password_changed_at.isoformat() if user.password_changed_at else None,
        "jti": secrets.token_urlsafe(12),
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=ttl)).timestamp()),
        "aud": CHALLENGE_AUDIENCE,
        "iss": ISSUER,
    }
    return jwt.encode(claims, settings.signing_secret(), algorithm="HS256"), ttl


def read_challenge(session: Session, token: str) -> tuple[Challenge, User]:
    expired = NotAuthenticated("the sign-in challenge expired or is invalid; sign in again")
    try:
        claims = jwt.decode(
            token,
            get_settings().signing_secret(),
            algorithms=["HS256"],
            audience=CHALLENGE_AUDIENCE,
            issuer=ISSUER,
            options={"require": ["sub", "exp", "aud", "iss"]},
        )
        user_id = uuid.UUID(claims["sub"])
    except (jwt.PyJWTError, ValueError) as exc:
        raise expired from exc
    user = session.get(User, user_id)
    if user is None or user.deleted_at is not None or not user.is_active:
        raise expired
    changed = user.password_changed_at.isoformat() if user.password_changed_at else None
    if claims.get("pwc") != changed or not user.two_factor_enabled:
        raise expired
    return Challenge(user.id, claims.get("org"), bool(claims.get("personal"))), user
