"""argon2id password hashing (argon2-cffi), with the cost taken from settings."""

from __future__ import annotations

import functools

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from finsight.config import get_settings
from finsight.errors import InvalidInput

MIN_PASSWORD_LENGTH = 10
# argon2 takes any length; a cap keeps one request from buying minutes of CPU.
MAX_PASSWORD_LENGTH = 256


@functools.cache
def hasher() -> PasswordHasher:
    settings = get_settings()
    return PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_cost_kib,
        parallelism=settings.argon2_parallelism,
        type=Type.ID,
    )


@functools.cache
def _decoy_hash() -> str:
    """A hash with the current parameters, verified when the user is unknown so that unknown
    users and wrong passwords take the same time."""
    return hasher().hash("finsight-decoy-password")


def validate_new_password(password: str, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"password must be at least {MIN_PASSWORD_LENGTH} characters", field=field
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(
            f"password must be at most {MAX_PASSWORD_LENGTH} characters", field=field
        )


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True if it matches. Always spends one verification, even without a hash."""
    try:
        return hasher().verify(password_hash or _decoy_hash(), password[:MAX_PASSWORD_LENGTH]) and (
            password_hash is not None
        )
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return hasher().check_needs_rehash(password_hash)
