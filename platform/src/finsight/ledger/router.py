"""Manual entry: `POST /api/transactions` adds a person's transaction through the ledger."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, status

from finsight.api.deps import TenantContext, tenant
from finsight.api.problems import problem_responses
from finsight.ledger import service
from finsight.ledger.schemas import ManualTransaction
from finsight.transactions.schemas import TransactionOut

router = APIRouter(prefix="/api/transactions", tags=["transactions"])

CanWrite = Annotated[TenantContext, tenant("transactions:write")]


@router.post(
    "",
    name="transaction.create",
    status_code=status.HTTP_201_CREATED,
    response_model=TransactionOut,
    summary="Add a transaction by hand (cash, a correction)",
    description="It moves the account's balance, is paired if it is one side of a transfer, "
    "and analytics runs for it, as for imported rows. Its category, notes and tags are the "
    "person's: rules and models leave them alone.",
    responses=problem_responses(401, 403, 404, 422),
)
def create_transaction(body: ManualTransaction, ctx: CanWrite) -> TransactionOut:
    added = service.add_manual(ctx.session, ctx.org.id, ctx.org.slug, body, ctx.actor)
    return TransactionOut.model_validate(added)
