"""Bank connections (Plaid) of the caller's organization: Link tokens, connect, list, sync,
reconnect, remove. Access tokens are never returned."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Response, status

from finsight.api.deps import TenantContext, tenant
from finsight.api.problems import problem_responses
from finsight.config import get_settings
from finsight.plaid import service
from finsight.plaid.schemas import (
    ConnectRequest,
    ItemList,
    ItemOut,
    LinkTokenOut,
    LinkTokenRequest,
    SyncQueued,
    TestBankRequest,
)

router = APIRouter(prefix="/api/plaid", tags=["connections"])

CanRead = Annotated[TenantContext, tenant("connections:read")]
CanWrite = Annotated[TenantContext, tenant("connections:write")]


def _out(ctx: TenantContext, item_id: uuid.UUID) -> ItemOut:
    item = service.get_item(ctx.session, item_id)
    return ItemOut.of(item, service.item_accounts(ctx.session, [item.id]))


@router.post(
    "/link-token",
    name="plaid.link_token",
    response_model=LinkTokenOut,
    summary="A Plaid Link token (with item_id: update mode, to reconnect that bank)",
    responses=problem_responses(401, 403, 404, 422, 502, 503),
)
def create_link_token(body: LinkTokenRequest, ctx: CanWrite) -> LinkTokenOut:
    item = service.get_item(ctx.session, body.item_id) if body.item_id else None
    token = service.link_token(ctx.session, ctx.org, ctx.actor, ctx.principal.user_id, item)
    return LinkTokenOut(
        link_token=token.link_token, expiration=token.expiration, update_mode=token.update_mode
    )


@router.get(
    "/items",
    name="plaid.item.list",
    response_model=ItemList,
    summary="The organization's bank connections, their accounts and sync state",
    responses=problem_responses(401, 403),
)
def list_items(ctx: CanRead) -> ItemList:
    items = service.list_items(ctx.session)
    accounts = service.item_accounts(ctx.session, [item.id for item in items])
    settings = get_settings()
    return ItemList(
        items=[ItemOut.of(item, accounts) for item in items],
        link_available=settings.plaid_host is None,
        test_banks_available=settings.plaid_env == "sandbox" or settings.plaid_host is not None,
    )


@router.get(
    "/items/{item_id}",
    name="plaid.item.get",
    response_model=ItemOut,
    summary="One bank connection",
    responses=problem_responses(401, 403, 404, 422),
)
def get_item(item_id: uuid.UUID, ctx: CanRead) -> ItemOut:
    return _out(ctx, item_id)


@router.post(
    "/items",
    name="plaid.item.connect",
    response_model=ItemOut,
    status_code=status.HTTP_201_CREATED,
    summary="Connect a bank: exchange Link's public token, map its accounts, start a sync",
    description="Each Plaid account feeds a new finsight account, or the existing one named in "
    "`accounts` (rows already there from statement files are matched, not doubled). Connecting "
    "an institution that is already connected is refused (409): use Reconnect on it.",
    responses=problem_responses(401, 403, 409, 422, 502, 503),
)
def connect(body: ConnectRequest, ctx: CanWrite) -> ItemOut:
    item = service.connect(
        ctx.session,
        ctx.org,
        body.public_token,
        actor=ctx.actor,
        institution_id=body.institution.institution_id if body.institution else None,
        links=[service.AccountLink(a.plaid_account_id, a.account_id) for a in body.accounts],
    )
    return _out(ctx, item.id)


@router.post(
    "/test-bank",
    name="plaid.item.test_bank",
    response_model=ItemOut,
    status_code=status.HTTP_201_CREATED,
    summary="Connect a test bank without Link (sandbox credentials, or `finsight dev`)",
    responses=problem_responses(401, 403, 409, 422, 502, 503),
)
def connect_test_bank(body: TestBankRequest, ctx: CanWrite) -> ItemOut:
    public_token = service.sandbox_public_token(body.institution_id)
    item = service.connect(
        ctx.session, ctx.org, public_token, actor=ctx.actor, institution_id=body.institution_id
    )
    return _out(ctx, item.id)


@router.post(
    "/items/{item_id}/sync",
    name="plaid.item.sync",
    response_model=SyncQueued,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Sync now",
    responses=problem_responses(401, 403, 404, 422, 503),
)
def sync_now(item_id: uuid.UUID, ctx: CanWrite) -> SyncQueued:
    item = service.get_item(ctx.session, item_id)
    queued = service.request_sync(ctx.session, ctx.org, item, ctx.actor, reason="requested")
    return SyncQueued(queued=queued, sync_state=item.sync_state)


@router.post(
    "/items/{item_id}/reconnected",
    name="plaid.item.reconnected",
    response_model=ItemOut,
    summary="After Link in update mode: clears 'needs attention' when Plaid reports it healthy",
    responses=problem_responses(401, 403, 404, 422, 502, 503),
)
def reconnected(item_id: uuid.UUID, ctx: CanWrite) -> ItemOut:
    item = service.get_item(ctx.session, item_id)
    service.reconnected(ctx.session, ctx.org, item, ctx.actor)
    return _out(ctx, item_id)


@router.delete(
    "/items/{item_id}",
    name="plaid.item.remove",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a bank connection (its accounts and transactions stay)",
    responses=problem_responses(401, 403, 404, 422),
)
def remove_item(item_id: uuid.UUID, ctx: CanWrite) -> Response:
    item = service.get_item(ctx.session, item_id)
    service.remove_item(ctx.session, ctx.org, item, ctx.actor)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
