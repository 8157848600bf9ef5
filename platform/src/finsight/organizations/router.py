"""Organizations: platform administrators manage them; members see and edit their own."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response, status

from finsight.api.deps import DB, Client, PlatformAdmin, require
from finsight.api.pagination import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    Page,
    decode_cursor,
    page_of,
)
from finsight.api.problems import problem_responses
from finsight.config import get_settings
from finsight.errors import InvalidInput
from finsight.kit.identity import Principal
from finsight.organizations import service
from finsight.organizations.kubernetes import request_deletion, request_organization
from finsight.organizations.schemas import (
    OrganizationCreate,
    OrganizationCreated,
    OrganizationDeleted,
    OrganizationOut,
    OrganizationRequested,
    OrganizationUpdate,
)
from finsight.tenancy import DeletionPolicy

router = APIRouter(prefix="/api/organizations", tags=["organizations"])


@router.get(
    "",
    response_model=Page[OrganizationOut],
    summary="List organizations (platform admins)",
    responses=problem_responses(401, 403, 422),
)
def list_organizations(
    admin: PlatformAdmin,
    db: DB,
    status_filter: Annotated[Literal["active", "suspended"] | None, Query(alias="status")] = None,
    q: Annotated[str | None, Query(description="Substring of slug or name", max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[OrganizationOut]:
    after = decode_cursor(cursor)
    rows = service.search_organizations(
        db,
        status=status_filter,
        text=q,
        after_slug=str(after.get("slug", "")) if after else None,
        limit=limit + 1,
    )
    return page_of(rows, limit, OrganizationOut.model_validate, lambda row: {"slug": row.slug})


@router.post(
    "",
    name="organization.create",
    status_code=status.HTTP_201_CREATED,
    response_model=OrganizationCreated | OrganizationRequested,
    summary="Create an organization: its schema, roles and owner (platform admins)",
    description="Provisions at once (201) and invites the owner (the link is emailed and "
    "returned once; the owner sets their own password, or accepts if already registered). In "
    "Kubernetes mode (`KUBERNETES_MODE=true`) it creates an Organization resource instead and "
    "answers 202; the operator provisions it and emails the owner's invitation.",
    responses={202: {"model": OrganizationRequested}, **problem_responses(401, 403, 409, 422, 503)},
)
def create_organization(
    body: OrganizationCreate, admin: PlatformAdmin, db: DB, client: Client, response: Response
) -> OrganizationCreated | OrganizationRequested:
    spec = service.OrganizationSpec(
        slug=body.slug,
        name=body.name,
        owner_email=body.owner_email,
        plan=body.plan,
        database_cluster=body.database_cluster,
        time_zone=body.time_zone,
    )
    if get_settings().kubernetes_mode:
        resource = request_organization(db, spec, admin.acting_from(client))
        response.status_code = status.HTTP_202_ACCEPTED
        return OrganizationRequested(
            slug=spec.slug,
            name=spec.name,
            plan=spec.plan,
            resource=f"organizations.finsight.io/{resource}",
        )
    created = service.create_organization(db, spec, admin.acting_from(client))
    return OrganizationCreated(
        **OrganizationOut.model_validate(created.organization).model_dump(),
        owner_email=created.owner_email,
        owner_invitation_url=created.owner_invitation.accept_url
        if created.owner_invitation
        else None,
    )


@router.post(
    "/{slug}/suspend",
    name="organization.suspend",
    response_model=OrganizationOut,
    summary="Suspend: sign-ins refused and sessions ended (platform admins)",
    responses=problem_responses(401, 403, 404),
)
def suspend_organization(
    slug: str, admin: PlatformAdmin, db: DB, client: Client
) -> OrganizationOut:
    return OrganizationOut.model_validate(
        service.set_suspended(db, slug, True, admin.acting_from(client))
    )


@router.post(
    "/{slug}/resume",
    name="organization.resume",
    response_model=OrganizationOut,
    summary="Lift a suspension (platform admins)",
    responses=problem_responses(401, 403, 404),
)
def resume_organization(slug: str, admin: PlatformAdmin, db: DB, client: Client) -> OrganizationOut:
    return OrganizationOut.model_validate(
        service.set_suspended(db, slug, False, admin.acting_from(client))
    )


@router.delete(
    "/{slug}",
    name="organization.delete",
    response_model=OrganizationDeleted,
    summary="Delete an organization (platform admins)",
    description="By default its schema is archived (`Retain`); `purge=true` drops it (`Delete`). "
    "In Kubernetes mode it deletes the Organization resource (202): the operator then applies "
    "the resource's own `spec.deletionPolicy`.",
    responses=problem_responses(401, 403, 404, 422, 503),
)
def delete_organization(
    slug: str,
    admin: PlatformAdmin,
    db: DB,
    client: Client,
    response: Response,
    purge: bool = False,
) -> OrganizationDeleted:
    if get_settings().kubernetes_mode:
        if purge:
            raise InvalidInput(
                "in Kubernetes mode the Organization's spec.deletionPolicy decides; "
                "set it to Delete on the resource",
                field="purge",
            )
        request_deletion(db, slug, admin.acting_from(client))
        response.status_code = status.HTTP_202_ACCEPTED
        return OrganizationDeleted(slug=slug, policy="Resource", archived_schema=None)
    policy = DeletionPolicy.DELETE if purge else DeletionPolicy.RETAIN
    archived = service.delete_organization(db, slug, policy, admin.acting_from(client))
    return OrganizationDeleted(slug=slug, policy=policy.value, archived_schema=archived)


@router.get(
    "/current",
    response_model=OrganizationOut,
    summary="Your organization",
    responses=problem_responses(401, 403),
)
def read_current(
    principal: Annotated[Principal, Depends(require("organization:read"))], db: DB
) -> OrganizationOut:
    return OrganizationOut.model_validate(
        service.organization_by_id(db, principal.require_org().id)
    )


@router.patch(
    "/current",
    name="organization.update",
    response_model=OrganizationOut,
    summary="Change your organization's profile",
    responses=problem_responses(401, 403, 409, 422),
)
def update_current(
    body: OrganizationUpdate,
    principal: Annotated[Principal, Depends(require("organization:write"))],
    db: DB,
    client: Client,
) -> OrganizationOut:
    org = service.organization_by_id(db, principal.require_org().id)
    return OrganizationOut.model_validate(
        service.update_organization(
            db,
            org,
            name=body.name,
            plan=None,
            actor=principal.acting_from(client),
            require_two_factor=body.require_two_factor,
            time_zone=body.time_zone,
        )
    )
