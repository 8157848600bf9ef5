"""Members of the caller's organization. Other organizations' users answer 404."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from finsight.api.deps import DB, Client, require
from finsight.api.pagination import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    Page,
    cursor_id,
    page_of,
)
from finsight.api.problems import problem_responses
from finsight.kit.identity import Principal
from finsight.organizations import members
from finsight.organizations.models import Membership
from finsight.organizations.schemas import MemberAdd, MemberAdded, MemberOut, MemberRoleChange
from finsight.organizations.service import organization_by_id

router = APIRouter(prefix="/api/organizations/current/members", tags=["members"])

CanRead = Annotated[Principal, Depends(require("members:read"))]
CanWrite = Annotated[Principal, Depends(require("members:write"))]


def _out(membership: Membership) -> MemberOut:
    return MemberOut(
        user_id=membership.user_id,
        email=membership.user.email,
        full_name=membership.user.full_name,
        role=membership.role.name,
        role_id=membership.role_id,
        joined_at=membership.created_at,
    )


@router.get(
    "",
    response_model=Page[MemberOut],
    summary="List members and their roles",
    responses=problem_responses(401, 403, 422),
)
def list_members(
    principal: CanRead,
    db: DB,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[MemberOut]:
    rows = members.page_members(
        db, principal.require_org().id, after_id=cursor_id(cursor), limit=limit + 1
    )
    return page_of(rows, limit, _out, lambda row: {"id": row.id})


@router.post(
    "",
    name="member.add",
    status_code=status.HTTP_201_CREATED,
    response_model=MemberAdded,
    summary="Add a member (creating the user if new)",
    description="You can only grant a role whose permissions you hold yourself.",
    responses=problem_responses(401, 403, 404, 409, 422),
)
def add_member(body: MemberAdd, principal: CanWrite, db: DB, client: Client) -> MemberAdded:
    org = organization_by_id(db, principal.require_org().id)
    added = members.add_member(
        db,
        org,
        email=body.email,
        role_name=body.role,
        password=body.password,
        granter_permissions=principal.permissions,
        actor=principal.acting_from(client),
    )
    return MemberAdded(
        **_out(added.membership).model_dump(), initial_password=added.generated_password
    )


@router.patch(
    "/{user_id}",
    name="member.role.change",
    response_model=MemberOut,
    summary="Change a member's role",
    responses=problem_responses(401, 403, 404, 409, 422),
)
def change_role(
    user_id: uuid.UUID, body: MemberRoleChange, principal: CanWrite, db: DB, client: Client
) -> MemberOut:
    org = organization_by_id(db, principal.require_org().id)
    return _out(
        members.change_member_role(
            db,
            org,
            user_id,
            role_name=body.role,
            granter_permissions=principal.permissions,
            actor=principal.acting_from(client),
        )
    )


@router.delete(
    "/{user_id}",
    name="member.remove",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a member (their sessions in this organization end)",
    responses=problem_responses(401, 403, 404, 409),
)
def remove_member(user_id: uuid.UUID, principal: CanWrite, db: DB, client: Client) -> None:
    org = organization_by_id(db, principal.require_org().id)
    members.remove_member(
        db,
        org,
        user_id,
        granter_permissions=principal.permissions,
        actor=principal.acting_from(client),
    )
