"""Merchants: list, read, rename, merge, split (under /api/analytics)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from finsight.analytics import merchant_edits as edits
from finsight.analytics.merchant_schemas import (
    MerchantDetailOut,
    MerchantMergeIn,
    MerchantOut,
    MerchantRenameIn,
    MerchantSplitIn,
)
from finsight.api.deps import TenantContext, tenant
from finsight.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, cursor_name_id, page_of
from finsight.api.problems import problem_responses

router = APIRouter(prefix="/api/analytics/merchants", tags=["analytics"])

CanRead = Annotated[TenantContext, tenant("analytics:read")]
CanWrite = Annotated[TenantContext, tenant("analytics:write")]


@router.get(
    "",
    response_model=Page[MerchantOut],
    summary="Merchants, by name, with their keys, transaction counts and last date",
    responses=problem_responses(401, 403, 422),
)
def list_merchants(
    ctx: CanRead,
    q: Annotated[
        str | None,
        Query(max_length=200, description="Case-blind part of the name or of a key"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[MerchantOut]:
    rows = edits.list_merchants(ctx.session, q=q, after=cursor_name_id(cursor), limit=limit + 1)
    return page_of(rows, limit, MerchantOut.model_validate, edits.cursor_of)


@router.post(
    "/merge",
    name="analytics.merchant.merge",
    response_model=MerchantDetailOut,
    summary="Merge merchants into one: their keys (pinned) and transactions move to the target",
    responses=problem_responses(401, 403, 422),
)
def merge_merchants(body: MerchantMergeIn, ctx: CanWrite) -> MerchantDetailOut:
    merged = edits.merge_merchants(
        ctx.session,
        body.source_ids,
        body.target_id,
        org_id=ctx.org.id,
        actor=ctx.actor,
    )
    return MerchantDetailOut.model_validate(merged)


@router.get(
    "/{merchant_id}",
    response_model=MerchantDetailOut,
    summary="One merchant with its keys",
    responses=problem_responses(401, 403, 404),
)
def read_merchant(merchant_id: uuid.UUID, ctx: CanRead) -> MerchantDetailOut:
    found = edits.get_merchant(ctx.session, merchant_id)
    return MerchantDetailOut.model_validate(found)


@router.patch(
    "/{merchant_id}",
    name="analytics.merchant.rename",
    response_model=MerchantDetailOut,
    summary="Rename a merchant; runs never rename it again",
    responses=problem_responses(401, 403, 404, 422),
)
def rename_merchant(
    merchant_id: uuid.UUID, body: MerchantRenameIn, ctx: CanWrite
) -> MerchantDetailOut:
    renamed = edits.rename_merchant(
        ctx.session,
        merchant_id,
        body.name,
        org_id=ctx.org.id,
        actor=ctx.actor,
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
    merchant_id: uuid.UUID, body: MerchantSplitIn, ctx: CanWrite
) -> MerchantDetailOut:
    created = edits.split_merchant(
        ctx.session,
        merchant_id,
        body.keys,
        body.name,
        org_id=ctx.org.id,
        actor=ctx.actor,
    )
    return MerchantDetailOut.model_validate(created)
