"""Accounts of the caller's organization. Other organizations' ids answer 404."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from finsight.accounts import service
from finsight.accounts.bank_balance import BankBalance, bank_balances
from finsight.accounts.models import Account
from finsight.accounts.schemas import (
    AccountCreate,
    AccountOut,
    AccountType,
    AccountUpdate,
    BankBalanceOut,
)
from finsight.api.deps import TenantContext, tenant
from finsight.api.pagination import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    Page,
    cursor_name_id,
    page_of,
)
from finsight.api.problems import problem_responses

router = APIRouter(prefix="/api/accounts", tags=["accounts"])

CanRead = Annotated[TenantContext, tenant("accounts:read")]
CanWrite = Annotated[TenantContext, tenant("accounts:write")]


@router.get(
    "",
    response_model=Page[AccountOut],
    summary="List accounts by name",
    responses=problem_responses(401, 403, 422),
)
def list_accounts(
    ctx: CanRead,
    type: AccountType | None = None,
    institution_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[AccountOut]:
    rows = service.list_accounts(
        ctx.session,
        service.AccountFilter(type=type, institution_id=institution_id),
        after=cursor_name_id(cursor),
        limit=limit + 1,
    )
    stated = bank_balances(ctx.session, rows[:limit])
    return page_of(
        rows, limit, lambda row: _out(row, stated), lambda r: {"name": r.name.lower(), "id": r.id}
    )


def _out(account: Account, stated: dict[uuid.UUID, BankBalance]) -> AccountOut:
    shaped = AccountOut.model_validate(account)
    if account.id in stated:
        shaped.bank_balance = BankBalanceOut.model_validate(stated[account.id])
    return shaped


@router.post(
    "",
    name="account.create",
    status_code=status.HTTP_201_CREATED,
    response_model=AccountOut,
    summary="Create an account",
    responses=problem_responses(401, 403, 409, 422),
)
def create_account(body: AccountCreate, ctx: CanWrite) -> Account:
    return service.create_account(
        ctx.session,
        ctx.org.id,
        name=body.name,
        type=body.type,
        currency=body.currency,
        institution_id=body.institution_id,
        mask=body.mask,
        opening_balance=body.opening_balance,
        actor=ctx.actor,
    )


@router.get(
    "/{account_id}",
    response_model=AccountOut,
    summary="An account with its current balance",
    responses=problem_responses(401, 403, 404, 422),
)
def get_account(account_id: uuid.UUID, ctx: CanRead) -> AccountOut:
    account = service.get_account(ctx.session, account_id)
    return _out(account, bank_balances(ctx.session, [account]))


@router.patch(
    "/{account_id}",
    name="account.update",
    response_model=AccountOut,
    summary="Change an account",
    responses=problem_responses(401, 403, 404, 409, 422),
)
def update_account(account_id: uuid.UUID, body: AccountUpdate, ctx: CanWrite) -> Account:
    return service.update_account(
        ctx.session,
        ctx.org.id,
        service.get_account(ctx.session, account_id),
        body.model_dump(exclude_unset=True),
        ctx.actor,
    )


@router.delete(
    "/{account_id}",
    name="account.delete",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete an account (soft: it and its transactions leave every list)",
    responses=problem_responses(401, 403, 404),
)
def delete_account(account_id: uuid.UUID, ctx: CanWrite) -> None:
    service.delete_account(
        ctx.session,
        ctx.org.id,
        service.get_account(ctx.session, account_id),
        ctx.actor,
    )
