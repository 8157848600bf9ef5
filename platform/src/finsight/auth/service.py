"""Sign-in, token refresh with rotation and reuse detection, sign-out and organization switch."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from finsight.audit.service import record
from finsight.auth.models import AuthSession, RefreshToken
from finsight.auth.passwords import hash_password, needs_rehash, verify_password
from finsight.auth.principal import suspended_message
from finsight.auth.throttle import LoginThrottle
from finsight.auth.tokens import hash_refresh_token, issue_access_token, new_refresh_token
from finsight.config import get_settings
from finsight.errors import Conflict, NotAuthenticated, PermissionDenied
from finsight.kit.identity import Actor, ClientInfo, Principal
from finsight.kit.models import utcnow
from finsight.organizations.models import Membership, Organization
from finsight.users.models import User
from finsight.users.service import find_user_by_email

INVALID_CREDENTIALS = "invalid email or password"


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    refresh_token: str
    expires_in: int
    organization: Organization | None


class RefreshTokenReused(Exception):
    """A spent refresh token came back: its whole family must be revoked (by the caller, in a
    transaction of its own, since the request itself fails)."""

    def __init__(self, session_id: uuid.UUID) -> None:
        super().__init__("refresh token reuse")
        self.session_id = session_id


def _memberships(session: Session, user: User) -> list[tuple[Membership, Organization]]:
    rows = session.execute(
        select(Membership, Organization)
        .join(Organization, Organization.id == Membership.org_id)
        .where(Membership.user_id == user.id, Organization.deleted_at.is_(None))
        .order_by(Membership.created_at)
    )
    return [(membership, org) for membership, org in rows.tuples()]


def _choose_membership(
    session: Session, user: User, org_slug: str | None
) -> tuple[Membership | None, Organization | None]:
    memberships = _memberships(session, user)
    if org_slug:
        for membership, org in memberships:
            if org.slug == org_slug:
                return membership, org
        raise PermissionDenied(f"you are not a member of organization {org_slug!r}")
    if memberships:
        return memberships[0]
    if user.is_platform_admin:
        return None, None
    raise PermissionDenied("you are not a member of any organization")


def _start_session(
    session: Session,
    user: User,
    membership: Membership | None,
    org: Organization | None,
    client: ClientInfo,
) -> IssuedTokens:
    if org is not None and org.is_suspended:
        raise PermissionDenied(suspended_message(org.slug))
    now = utcnow()
    settings = get_settings()
    auth_session = AuthSession(
        user_id=user.id,
        org_id=org.id if org else None,
        expires_at=now + timedelta(seconds=settings.refresh_token_ttl_seconds),
        ip=client.ip,
        user_agent=(client.user_agent or "")[:256] or None,
    )
    session.add(auth_session)
    session.flush()
    return _issue(session, auth_session, membership, org)


def _issue(
    session: Session,
    auth_session: AuthSession,
    membership: Membership | None,
    org: Organization | None,
) -> IssuedTokens:
    refresh, digest = new_refresh_token()
    session.add(
        RefreshToken(
            session_id=auth_session.id, token_hash=digest, expires_at=auth_session.expires_at
        )
    )
    access, expires_in = issue_access_token(
        user_id=auth_session.user_id,
        session_id=auth_session.id,
        org_id=org.id if org else None,
        role=membership.role.name if membership else None,
        now=utcnow(),
    )
    session.flush()
    return IssuedTokens(access, refresh, expires_in, org)


def login(
    session: Session,
    throttle: LoginThrottle,
    *,
    email: str,
    password: str,
    org_slug: str | None,
    client: ClientInfo,
) -> IssuedTokens:
    throttle.check(email, client.ip)
    user = find_user_by_email(session, email)
    # Verified even for an unknown user, so both answers take the same time.
    password_ok = verify_password(user.password_hash if user else None, password)
    if user is None or not password_ok or not user.is_active:
        throttle.record_failure(email, client.ip)
        raise NotAuthenticated(INVALID_CREDENTIALS)
    throttle.reset_account(email)
    if user.password_hash and needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    membership, org = _choose_membership(session, user, org_slug)
    tokens = _start_session(session, user, membership, org, client)
    user.last_login_at = utcnow()
    record(
        session,
        org_id=org.id if org else None,
        actor=Actor(user.id, user.email, client.ip, client.request_id),
        action="auth.login",
        target_type="user",
        target_id=user.id,
    )
    return tokens


def refresh(session: Session, *, refresh_token: str, client: ClientInfo) -> IssuedTokens:
    row = session.execute(
        select(RefreshToken, AuthSession)
        .join(AuthSession, AuthSession.id == RefreshToken.session_id)
        .where(RefreshToken.token_hash == hash_refresh_token(refresh_token))
        .with_for_update(of=RefreshToken)
    ).first()
    if row is None:
        raise NotAuthenticated("invalid refresh token")
    token, auth_session = row
    if token.used_at is not None:
        raise RefreshTokenReused(auth_session.id)
    now = utcnow()
    if auth_session.revoked_at is not None or token.expires_at <= now:
        raise NotAuthenticated("session ended; sign in again")
    token.used_at = now
    user = session.get(User, auth_session.user_id)
    if user is None or user.deleted_at is not None or not user.is_active:
        raise NotAuthenticated("account disabled")
    membership = org = None
    if auth_session.org_id is not None:
        membership = session.scalar(
            select(Membership).where(
                Membership.user_id == user.id, Membership.org_id == auth_session.org_id
            )
        )
        org = session.get(Organization, auth_session.org_id)
        if membership is None or org is None or org.deleted_at is not None:
            raise NotAuthenticated("no longer a member of this organization")
        if org.is_suspended:
            raise PermissionDenied(suspended_message(org.slug))
    tokens = _issue(session, auth_session, membership, org)
    record(
        session,
        org_id=auth_session.org_id,
        actor=Actor(user.id, user.email, client.ip, client.request_id),
        action="auth.refresh",
        target_type="session",
        target_id=auth_session.id,
    )
    return tokens


def revoke_session(session: Session, session_id: uuid.UUID, reason: str) -> None:
    session.execute(
        update(AuthSession)
        .where(AuthSession.id == session_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
    )


def revoke_reused_family(session: Session, session_id: uuid.UUID, client: ClientInfo) -> None:
    auth_session = session.get(AuthSession, session_id)
    revoke_session(session, session_id, "refresh token reuse")
    if auth_session is not None:
        record(
            session,
            org_id=auth_session.org_id,
            actor=Actor(auth_session.user_id, None, client.ip, client.request_id),
            action="auth.refresh.reuse",
            target_type="session",
            target_id=session_id,
            result="denied",
            details={"revoked": "session and every token of it"},
        )


def logout(session: Session, principal: Principal, actor: Actor) -> None:
    revoke_session(session, principal.session_id, "signed out")
    record(
        session,
        org_id=principal.org.id if principal.org else None,
        actor=actor,
        action="auth.logout",
        target_type="session",
        target_id=principal.session_id,
    )


def switch(
    session: Session, principal: Principal, *, org_slug: str, client: ClientInfo
) -> IssuedTokens:
    if not get_settings().enable_multitenancy:
        raise Conflict("multitenancy is disabled (ENABLE_MULTITENANCY=false): nothing to switch to")
    user = session.get(User, principal.user_id)
    if user is None:
        raise NotAuthenticated("account disabled")
    membership, org = _choose_membership(session, user, org_slug)
    tokens = _start_session(session, user, membership, org, client)
    record(
        session,
        org_id=org.id if org else None,
        actor=Actor(user.id, user.email, client.ip, client.request_id),
        action="auth.switch",
        target_type="organization",
        target_id=org.id if org else None,
    )
    return tokens
