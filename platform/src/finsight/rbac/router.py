"""Roles (built-in and the organization's custom ones) and the catalogue of permissions."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, status

from finsight.api.deps import DB, Client, require
from finsight.api.problems import problem_responses
from finsight.kit.identity import Principal
from finsight.rbac import service
from finsight.rbac.models import Role
from finsight.rbac.permissions import PERMISSIONS
from finsight.rbac.schemas import PermissionOut, RoleCreate, RoleOut, RoleUpdate

router = APIRouter(prefix="/api", tags=["roles"])

CanRead = Annotated[Principal, Depends(require("roles:read"))]
CanWrite = Annotated[Principal, Depends(require("roles:write"))]


def _out(role: Role) -> RoleOut:
    return RoleOut(
        id=role.id,
        name=role.name,
        description=role.description,
        permissions=sorted(role.permissions),
        is_builtin=role.is_builtin,
    )


@router.get(
    "/permissions",
    response_model=list[PermissionOut],
    summary="Every permission a role can hold",
    responses=problem_responses(401, 403),
)
def list_permissions(principal: CanRead) -> list[PermissionOut]:
    return [PermissionOut(name=name, description=text) for name, text in PERMISSIONS.items()]


@router.get(
    "/roles",
    response_model=list[RoleOut],
    summary="Built-in and custom roles",
    responses=problem_responses(401, 403),
)
def list_roles(principal: CanRead, db: DB) -> list[RoleOut]:
    return [_out(role) for role in service.list_roles(db, principal.require_org().id)]


@router.post(
    "/roles",
    name="role.create",
    status_code=status.HTTP_201_CREATED,
    response_model=RoleOut,
    summary="Create a custom role",
    description="A role can only hold permissions you hold yourself.",
    responses=problem_responses(401, 403, 409, 422),
)
def create_role(body: RoleCreate, principal: CanWrite, db: DB, client: Client) -> RoleOut:
    org_id = principal.require_org().id
    role = service.create_role(
        db,
        org_id,
        name=body.name,
        description=body.description,
        permissions=body.permissions,
        granter_permissions=principal.permissions,
        actor=principal.acting_from(client),
    )
    return _out(role)


@router.patch(
    "/roles/{role_id}",
    name="role.update",
    response_model=RoleOut,
    summary="Change a custom role",
    responses=problem_responses(401, 403, 404, 409, 422),
)
def update_role(
    role_id: uuid.UUID, body: RoleUpdate, principal: CanWrite, db: DB, client: Client
) -> RoleOut:
    org_id = principal.require_org().id
    role = service.update_role(
        db,
        service.get_role(db, org_id, role_id),
        name=body.name,
        description=body.description,
        permissions=body.permissions,
        granter_permissions=principal.permissions,
        actor=principal.acting_from(client),
    )
    return _out(role)


@router.delete(
    "/roles/{role_id}",
    name="role.delete",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a custom role that nobody holds",
    responses=problem_responses(401, 403, 404, 409),
)
def delete_role(role_id: uuid.UUID, principal: CanWrite, db: DB, client: Client) -> None:
    org_id = principal.require_org().id
    service.delete_role(db, service.get_role(db, org_id, role_id), principal.acting_from(client))
