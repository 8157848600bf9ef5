from __future__ import annotations

from fastapi import APIRouter, status
from sqlalchemy import select
from sqlalchemy.orm import Session

from finsight.api.deps import DB, Client, CurrentPrincipal, actor_of
from finsight.api.problems import problem_responses
from finsight.audit.service import record
from finsight.auth.passwords import verify_password
from finsight.auth.schemas import OrganizationSummary
from finsight.config import get_settings
from finsight.errors import InvalidInput
from finsight.kit.identity import Principal
from finsight.organizations.models import Membership, Organization
from finsight.rbac.models import Role
from finsight.users.schemas import Me, MembershipSummary, MeUpdate, PasswordChange
from finsight.users.service import get_user, set_password

router = APIRouter(prefix="/api/users", tags=["users"])


def _me(db: Session, principal: Principal) -> Me:
    user = get_user(db, principal.user_id)
    rows = db.execute(
        select(Organization.id, Organization.slug, Organization.name, Role.name.label("role"))
        .join(Membership, Membership.org_id == Organization.id)
        .join(Role, Role.id == Membership.role_id)
        .where(Membership.user_id == user.id, Organization.deleted_at.is_(None))
        .order_by(Organization.slug)
    )
    memberships = [
        MembershipSummary(
            organization=OrganizationSummary(id=row.id, slug=row.slug, name=row.name),
            role=row.role,
        )
        for row in rows
    ]
    org = principal.org
    return Me(
        id=user.id,
        email=user.email,
        full_name=user.full_name,
        is_platform_admin=user.is_platform_admin,
        created_at=user.created_at,
        last_login_at=user.last_login_at,
        organization=OrganizationSummary(id=org.id, slug=org.slug, name=org.name) if org else None,
        role=principal.role,
        permissions=sorted(principal.permissions),
        memberships=memberships,
        features=["analytics"] if get_settings().enable_analytics else [],
    )


@router.get(
    "/me",
    response_model=Me,
    summary="You, your organization, role and permissions",
    responses=problem_responses(401, 403),
)
def read_me(principal: CurrentPrincipal, db: DB) -> Me:
    return _me(db, principal)


@router.patch(
    "/me",
    name="user.update",
    response_model=Me,
    summary="Change your profile",
    responses=problem_responses(401, 403, 422),
)
def update_me(body: MeUpdate, principal: CurrentPrincipal, db: DB, client: Client) -> Me:
    user = get_user(db, principal.user_id)
    user.full_name = body.full_name.strip()
    record(
        db,
        org_id=None,
        actor=actor_of(principal, client),
        action="user.update",
        target_type="user",
        target_id=user.id,
        details={"full_name": user.full_name},
    )
    db.flush()
    return _me(db, principal)


@router.post(
    "/me/password",
    name="user.password.change",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Change your password (your other sessions end)",
    responses=problem_responses(401, 403, 422),
)
def change_password(
    body: PasswordChange, principal: CurrentPrincipal, db: DB, client: Client
) -> None:
    user = get_user(db, principal.user_id)
    if not verify_password(user.password_hash, body.current_password):
        raise InvalidInput("current password is wrong", field="current_password")
    set_password(
        db,
        user,
        body.new_password,
        actor=actor_of(principal, client),
        keep_session=principal.session_id,
        field="new_password",
    )
