"""Who is calling: resolved from an access token with one query per request, so a revoked
session, a removed membership, a changed role or a suspended organization takes effect at once."""

from __future__ import annotations

from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import Session

from finsight.auth.models import AuthSession
from finsight.auth.tokens import AccessClaims
from finsight.config import get_settings
from finsight.errors import NotAuthenticated, PermissionDenied
from finsight.kit.identity import OrgRef, Principal
from finsight.kit.models import utcnow
from finsight.organizations.models import Membership, Organization
from finsight.rbac.models import Role
from finsight.rbac.permissions import ALL_PERMISSIONS
from finsight.users.models import User


def suspended_message(slug: str) -> str:
    return f"organization {slug!r} is suspended; contact your administrator"


def effective_permissions(role: Role) -> frozenset[str]:
    """With ENABLE_RBAC=false every member holds every permission of their own organization."""
    return role.permissions if get_settings().enable_rbac else ALL_PERMISSIONS


# Built once: constructing the statement per request cost more than running it.
_PRINCIPAL = (
    select(User, AuthSession, Membership, Organization, Role)
    .join(
        AuthSession,
        and_(AuthSession.id == bindparam("session_id"), AuthSession.user_id == User.id),
    )
    .outerjoin(
        Membership, and_(Membership.user_id == User.id, Membership.org_id == AuthSession.org_id)
    )
    .outerjoin(Organization, Organization.id == Membership.org_id)
    .outerjoin(Role, Role.id == Membership.role_id)
    .where(User.id == bindparam("user_id"))
)


def load_principal(session: Session, claims: AccessClaims) -> Principal:
    row = session.execute(
        _PRINCIPAL, {"session_id": claims.session_id, "user_id": claims.user_id}
    ).first()
    if row is None:
        raise NotAuthenticated("session not found; sign in again")
    user, auth_session, membership, org, role = row
    # The session's identity map holds rows weakly: keep the caller's user for the request, so
    # a route reading it again (GET /api/users/me) finds it there instead of querying again.
    session.info["principal_user"] = user
    if user.deleted_at is not None or not user.is_active:
        raise NotAuthenticated("account disabled")
    if auth_session.revoked_at is not None or auth_session.expires_at <= utcnow():
        raise NotAuthenticated("session ended; sign in again")
    if auth_session.org_id != claims.org_id:
        raise NotAuthenticated("invalid access token")
    if claims.org_id is None:
        return Principal(
            user.id, user.email, user.is_platform_admin, auth_session.id, None, None, frozenset()
        )
    if membership is None or org is None or org.deleted_at is not None:
        raise NotAuthenticated("no longer a member of this organization")
    if org.is_suspended:
        raise PermissionDenied(suspended_message(org.slug))
    return Principal(
        user_id=user.id,
        email=user.email,
        is_platform_admin=user.is_platform_admin,
        session_id=auth_session.id,
        org=OrgRef(org.id, org.slug, org.name, org.database_cluster),
        role=role.name,
        permissions=effective_permissions(role),
    )
