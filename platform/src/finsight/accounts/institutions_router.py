"""Financial institutions of the caller's organization (seeded: Chase, Discover, Capital One)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, status

from finsight.accounts import institutions as service
from finsight.accounts.models import FinancialInstitution
from finsight.accounts.schemas import InstitutionCreate, InstitutionOut, InstitutionUpdate
from finsight.api.deps import DB, Client, actor_of, require, scoped_to_tenant
from finsight.api.problems import problem_responses
from finsight.auth.principal import Principal

router = APIRouter(prefix="/api/institutions", tags=["institutions"])

CanRead = Annotated[Principal, Depends(require("accounts:read"))]
CanWrite = Annotated[Principal, Depends(require("accounts:write"))]


@router.get(
    "",
    response_model=list[InstitutionOut],
    summary="List institutions by name",
    responses=problem_responses(401, 403),
)
def list_institutions(principal: CanRead, db: DB) -> list[FinancialInstitution]:
    scoped_to_tenant(db, principal)
    return service.list_institutions(db)


@router.post(
    "",
    name="institution.create",
    status_code=status.HTTP_201_CREATED,
    response_model=InstitutionOut,
    summary="Add an institution",
    responses=problem_responses(401, 403, 409, 422),
)
def create_institution(
    body: InstitutionCreate, principal: CanWrite, db: DB, client: Client
) -> FinancialInstitution:
    scoped_to_tenant(db, principal)
    return service.create_institution(
        db,
        principal.require_org().id,
        name=body.name,
        code=body.code,
        website=body.website,
        actor=actor_of(principal, client),
    )


@router.get(
    "/{institution_id}",
    response_model=InstitutionOut,
    summary="An institution",
    responses=problem_responses(401, 403, 404, 422),
)
def get_institution(institution_id: uuid.UUID, principal: CanRead, db: DB) -> FinancialInstitution:
    scoped_to_tenant(db, principal)
    return service.get_institution(db, institution_id)


@router.patch(
    "/{institution_id}",
    name="institution.update",
    response_model=InstitutionOut,
    summary="Change an institution",
    responses=problem_responses(401, 403, 404, 409, 422),
)
def update_institution(
    institution_id: uuid.UUID,
    body: InstitutionUpdate,
    principal: CanWrite,
    db: DB,
    client: Client,
) -> FinancialInstitution:
    scoped_to_tenant(db, principal)
    return service.update_institution(
        db,
        principal.require_org().id,
        service.get_institution(db, institution_id),
        body.model_dump(exclude_unset=True),
        actor_of(principal, client),
    )


@router.delete(
    "/{institution_id}",
    name="institution.delete",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete an institution no live account is held at (soft delete)",
    responses=problem_responses(401, 403, 404, 409),
)
def delete_institution(
    institution_id: uuid.UUID, principal: CanWrite, db: DB, client: Client
) -> None:
    scoped_to_tenant(db, principal)
    service.delete_institution(
        db,
        principal.require_org().id,
        service.get_institution(db, institution_id),
        actor_of(principal, client),
    )
