"""Users: creation, look-up and passwords. Never commits; the caller's boundary does."""

from __future__ import annotations

import secrets
import uuid

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from finsight.audit.service import record
from finsight.auth.models import AuthSession
from finsight.auth.passwords import hash_password, validate_new_password, verify_password
from finsight.errors import Conflict, InvalidInput, NotFound
from finsight.kit.identity import Actor
from finsight.kit.models import utcnow
from finsight.users.models import User


def normalize_email(email: str) -> str:
    email = email.strip().lower()
    local, _, domain = email.partition("@")
    if not local or "." not in domain or " " in email:
        raise InvalidInput(f"invalid email address {email!r}", field="email")
    return email


def generate_password() -> str:
    return secrets.token_urlsafe(15)


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(
        select(User).where(
            func.lower(User.email) == email.strip().lower(), User.deleted_at.is_(None)
        )
    )


def get_user_by_email(session: Session, email: str) -> User:
    user = find_user_by_email(session, email)
    if user is None:
        raise NotFound(f"no user with email {email!r}")
    return user


def get_user(session: Session, user_id: uuid.UUID) -> User:
    user = session.get(User, user_id)
    if user is None or user.deleted_at is not None:
        raise NotFound("user not found")
    return user


def create_user(
    session: Session,
    email: str,
    password: str,
    *,
    actor: Actor,
    full_name: str = "",
    is_platform_admin: bool = False,
) -> User:
    email = normalize_email(email)
    if find_user_by_email(session, email) is not None:
        raise Conflict(f"a user with email {email!r} exists")
    validate_new_password(password)
    user = User(
        email=email,
        full_name=full_name,
        password_hash=hash_password(password),
        password_changed_at=utcnow(),
        is_platform_admin=is_platform_admin,
    )
    session.add(user)
    session.flush()
    record(
        session,
        org_id=None,
        actor=actor,
        action="user.create",
        target_type="user",
        target_id=user.id,
        details={"email": email, "platform_admin": is_platform_admin},
    )
    return user


def set_password(
    session: Session,
    user: User,
    password: str,
    *,
    actor: Actor,
    keep_session: uuid.UUID | None = None,
    field: str = "password",
) -> int:
    """Set a new password and end the user's other sign-ins; returns how many were ended."""
    validate_new_password(password, field)
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    ended = len(
        session.execute(
            update(AuthSession)
            .where(
                AuthSession.user_id == user.id,
                AuthSession.revoked_at.is_(None),
                AuthSession.id != (keep_session or uuid.UUID(int=0)),
            )
            .values(revoked_at=utcnow(), revoked_reason="password changed")
            .returning(AuthSession.id)
        ).all()
    )
    record(
        session,
        org_id=None,
        actor=actor,
        action="user.password.set",
        target_type="user",
        target_id=user.id,
        details={"sessions_ended": ended},
    )
    return int(ended)


def update_profile(session: Session, user_id: uuid.UUID, full_name: str, actor: Actor) -> User:
    user = get_user(session, user_id)
    user.full_name = full_name.strip()
    record(
        session,
        org_id=None,
        actor=actor,
        action="user.update",
        target_type="user",
        target_id=user.id,
        details={"full_name": user.full_name},
    )
    session.flush()
    return user


def change_password(
    session: Session,
    user_id: uuid.UUID,
    current_password: str,
    new_password: str,
    *,
    actor: Actor,
    keep_session: uuid.UUID,
) -> None:
    """A person changes their own password: the current one proves it is them."""
    user = get_user(session, user_id)
    if not verify_password(user.password_hash, current_password):
        raise InvalidInput("current password is wrong", field="current_password")
    set_password(
        session, user, new_password, actor=actor, keep_session=keep_session, field="new_password"
    )
