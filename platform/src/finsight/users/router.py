from __future__ import annotations

from fastapi import APIRouter, status
from sqlalchemy.orm import Session

from finsight.api.deps import DB, Client, CurrentPrincipal
from finsight.api.problems import problem_responses
from finsight.auth.schemas import OrganizationSummary
from finsight.config import get_settings
from finsight.kit.identity import Principal
from finsight.organizations.members import memberships_of
from finsight.users.schemas import Me, MembershipSummary, MeUpdate, PasswordChange
from finsight.users.service import change_password, get_user, update_profile

router = APIRouter(prefix="/api/users", tags=["users"])


def _me(db: Session, principal: Principal) -> Me:
    user = get_user(db, principal.user_id)
    memberships = [
        MembershipSummary(
            organization=OrganizationSummary(id=m.org_id, slug=m.slug, name=m.name), role=m.role
        )
        for m in memberships_of(db, user.id)
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
        two_factor_enabled=user.two_factor_enabled,
        features=(["analytics"] if get_settings().enable_analytics else [])
        # Bank sync (the dashboard's Connections page).
        + (["plaid"] if get_settings().plaid_enabled else [])
        + (["alerts"] if get_settings().enable_alerts else [])
        # The development-only Mail page of the dashboard (mail `finsight dev` caught).
        + (["dev-mail"] if get_settings().environment == "development" else []),
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
    update_profile(db, principal.user_id, body.full_name, principal.acting_from(client))
    return _me(db, principal)


@router.post(
    "/me/password",
    name="user.password.change",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Change your password (your other sessions end)",
    responses=problem_responses(401, 403, 422),
)
def change_my_password(
    body: PasswordChange, principal: CurrentPrincipal, db: DB, client: Client
) -> None:
    change_password(
        db,
        principal.user_id,
        body.current_password,
        body.new_password,
        actor=principal.acting_from(client),
        keep_session=principal.session_id,
    )
