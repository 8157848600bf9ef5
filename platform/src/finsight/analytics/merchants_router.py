"""Merchants: list, read, rename, merge, split (under /api/analytics)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from finsight.analytics import merchant_edits as edits
from finsight.analytics.merchant_schemas import (
    MerchantDetailOut,
    MerchantMergeIn,
    MerchantOut,
    MerchantRenameIn,
    MerchantSplitIn,
)
from finsight.api.deps import DB, Client, actor_of, require, scoped_to_tenant
from finsight.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, cursor_name_id, page_of
from finsight.api.problems import problem_responses
from finsight.auth.principal import Principal

router = APIRouter(prefix="/api/analytics/merchants", tags=["analytics"])

CanRead = Annotated[Principal, Depends(require("analytics:read"))]
CanWrite = Annotated[Principal, Depends(require("analytics:write"))]


@router.get(
    "",
    response_model=Page[MerchantOut],
    summary="Merchants, by name, with their keys, transaction counts and last date",
    responses=problem_responses(401, 403, 422),
)
def list_merchants(
    principal: CanRead,
    db: DB,
    q: Annotated[
        str | None,
        Query(max_length=200, description="Case-blind part of the name or of a key"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[MerchantOut]:
    rows = edits.list_merchants(
        scoped_to_tenant(db, principal), q=q, after=cursor_name_id(cursor), limit=limit + 1
    )
    return page_of(rows, limit, MerchantOut.model_validate, edits.cursor_of)


@router.post(
    "/merge",
    name="analytics.merchant.merge",
    response_model=MerchantDetailOut,
    summary="Merge merchants into one: their keys (pinned) and transactions move to the target",
    responses=problem_responses(401, 403, 422),
)
def merge_merchants(
    body: MerchantMergeIn, principal: CanWrite, db: DB, client: Client
) -> MerchantDetailOut:
    merged = edits.merge_merchants(
        scoped_to_tenant(db, principal),
        body.source_ids,
        body.target_id,
        org_id=principal.require_org().id,
        actor=actor_of(principal, client),
    )
    return MerchantDetailOut.model_validate(merged)


@router.get(
    "/{merchant_id}",
    response_model=MerchantDetailOut,
    summary="One merchant with its keys",
    responses=problem_responses(401, 403, 404),
)
def read_merchant(merchant_id: uuid.UUID, principal: CanRead, db: DB) -> MerchantDetailOut:
    found = edits.get_merchant(scoped_to_tenant(db, principal), merchant_id)
    return MerchantDetailOut.model_validate(found)


@router.patch(
    "/{merchant_id}",
    name="analytics.merchant.rename",
    response_model=MerchantDetailOut,
    summary="Rename a merchant; runs never rename it again",
    responses=problem_responses(401, 403, 404, 422),
)
def rename_merchant(
    merchant_id: uuid.UUID, body: MerchantRenameIn, principal: CanWrite, db: DB, client: Client
) -> MerchantDetailOut:
    renamed = edits.rename_merchant(
        scoped_to_tenant(db, principal),
        merchant_id,
        body.name,
        org_id=principal.require_org().id,
        actor=actor_of(principal, client),
    )
    return MerchantDetailOut.model_validate(renamed)


@router.post(
    "/{merchant_id}/split",
    name="analytics.merchant.split",
    status_code=status.HTTP_201_CREATED,
    response_model=MerchantDetailOut,
    summary="Move some of a merchant's keys (pinned) and their transactions to a new merchant",
    responses=problem_responses(401, 403, 404, 422),
)
def split_merchant(
    merchant_id: uuid.UUID, body: MerchantSplitIn, principal: CanWrite, db: DB, client: Client
) -> MerchantDetailOut:
    created = edits.split_merchant(
        scoped_to_tenant(db, principal),
        merchant_id,
        body.keys,
        body.name,
        org_id=principal.require_org().id,
        actor=actor_of(principal, client),
    )
    return MerchantDetailOut.model_validate(created)
