"""Financial institutions of the caller's organization (seeded: Chase, Discover, Capital One)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, status

from finsight.accounts import institutions as service
from finsight.accounts.models import FinancialInstitution
from finsight.accounts.schemas import InstitutionCreate, InstitutionOut, InstitutionUpdate
from finsight.api.deps import TenantContext, tenant
from finsight.api.problems import problem_responses

router = APIRouter(prefix="/api/institutions", tags=["institutions"])

CanRead = Annotated[TenantContext, tenant("accounts:read")]
CanWrite = Annotated[TenantContext, tenant("accounts:write")]


@router.get(
    "",
    response_model=list[InstitutionOut],
    summary="List institutions by name",
    responses=problem_responses(401, 403),
)
def list_institutions(ctx: CanRead) -> list[FinancialInstitution]:
    return service.list_institutions(ctx.session)


@router.post(
    "",
    name="institution.create",
    status_code=status.HTTP_201_CREATED,
    response_model=InstitutionOut,
    summary="Add an institution",
    responses=problem_responses(401, 403, 409, 422),
)
def create_institution(body: InstitutionCreate, ctx: CanWrite) -> FinancialInstitution:
    return service.create_institution(
        ctx.session,
        ctx.org.id,
        name=body.name,
        code=body.code,
        website=body.website,
        actor=ctx.actor,
    )


@router.get(
    "/{institution_id}",
    response_model=InstitutionOut,
    summary="An institution",
    responses=problem_responses(401, 403, 404, 422),
)
def get_institution(institution_id: uuid.UUID, ctx: CanRead) -> FinancialInstitution:
    return service.get_institution(ctx.session, institution_id)


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
    ctx: CanWrite,
) -> FinancialInstitution:
    return service.update_institution(
        ctx.session,
        ctx.org.id,
        service.get_institution(ctx.session, institution_id),
        body.model_dump(exclude_unset=True),
        ctx.actor,
    )


@router.delete(
    "/{institution_id}",
    name="institution.delete",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete an institution no live account is held at (soft delete)",
    responses=problem_responses(401, 403, 404, 409),
)
def delete_institution(institution_id: uuid.UUID, ctx: CanWrite) -> None:
    service.delete_institution(
        ctx.session,
        ctx.org.id,
        service.get_institution(ctx.session, institution_id),
        ctx.actor,
    )
