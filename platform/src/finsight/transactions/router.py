"""Transactions of the caller's organization. Other organizations' ids answer 404."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, status
from fastapi.responses import StreamingResponse

from finsight.api.deps import TenantContext, tenant
from finsight.api.pagination import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    Page,
    decode_cursor,
    page_of,
)
from finsight.api.problems import problem_responses
from finsight.transactions import export, service, summary
from finsight.transactions import query as q
from finsight.transactions.models import Transaction
from finsight.transactions.schemas import (
    BulkRecategorize,
    BulkResult,
    SummaryOut,
    TotalOut,
    TransactionOut,
    TransactionUpdate,
)

router = APIRouter(prefix="/api/transactions", tags=["transactions"])

CanRead = Annotated[TenantContext, tenant("transactions:read")]
CanWrite = Annotated[TenantContext, tenant("transactions:write")]
Amount = Annotated[Decimal | None, Query(max_digits=19, decimal_places=4)]


async def transaction_filter(  # async: pure parsing, on the event loop (no thread-pool hop)
    account_id: Annotated[list[uuid.UUID], Query(description="Repeatable")] = [],  # noqa: B006
    date_from: Annotated[date | None, Query(description="Inclusive")] = None,
    date_to: Annotated[date | None, Query(description="Inclusive")] = None,
    amount_min: Amount = None,
    amount_max: Amount = None,
    category_id: Annotated[
        list[uuid.UUID], Query(description="Repeatable; a category matches its subcategories")
    ] = [],  # noqa: B006
    uncategorized: Annotated[
        bool, Query(description="Only uncategorized (or, with category_id, also them)")
    ] = False,
    pending: bool | None = None,
    q_: Annotated[
        str | None,
        Query(
            alias="q",
            max_length=200,
            description="Words in the description or merchant, each as a prefix, all required",
        ),
    ] = None,
    tag: Annotated[list[str], Query(description="Repeatable; all must be present")] = [],  # noqa: B006
    excluded: bool | None = None,
    include_deleted: bool = False,
    merchant_id: Annotated[
        list[uuid.UUID], Query(description="Repeatable; merchants of /api/analytics/merchants")
    ] = [],  # noqa: B006
) -> q.TransactionFilter:
    where = q.TransactionFilter(
        account_ids=tuple(dict.fromkeys(account_id)),
        date_from=date_from,
        date_to=date_to,
        amount_min=amount_min,
        amount_max=amount_max,
        category_ids=tuple(dict.fromkeys(category_id)),
        uncategorized=uncategorized,
        pending=pending,
        q=q_.strip() if q_ and q_.strip() else None,
        tags=tuple(t.strip() for t in tag if t.strip()),
        merchant_ids=tuple(dict.fromkeys(merchant_id)),
        excluded=excluded,
        include_deleted=include_deleted,
    )
    q.check_filter(where)
    return where


Filter = Annotated[q.TransactionFilter, Depends(transaction_filter)]
SortParam = Annotated[q.Sort, Query(description="-date (default), date, -amount or amount")]


@router.get(
    "",
    response_model=Page[TransactionOut],
    summary="List transactions, filtered, newest first",
    responses=problem_responses(401, 403, 422),
)
def list_transactions(
    ctx: CanRead,
    where: Filter,
    sort: SortParam = "-date",
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[TransactionOut]:
    rows = service.list_transactions(
        ctx.session, where, sort=sort, cursor=decode_cursor(cursor), limit=limit + 1
    )
    return page_of(rows, limit, TransactionOut.model_validate, lambda row: q.cursor_of(row, sort))


@router.get(
    "/export",
    summary="Export the filtered transactions as CSV or JSON (streamed)",
    description="CSV text cells starting with =, +, -, @, tab or CR get a leading quote so "
    "spreadsheets never run them; the amount column stays a plain decimal number.",
    responses={
        200: {"content": {"text/csv": {}, "application/json": {}}},
        **problem_responses(401, 403, 422),
    },
    response_class=StreamingResponse,
)
def export_transactions(
    ctx: CanRead,
    where: Filter,
    format: Literal["csv", "json"] = "csv",
    sort: SortParam = "-date",
) -> StreamingResponse:
    query = q.ordered(q.filtered(service.prepare_filter(ctx.session, where)), sort)
    slug = ctx.org.slug
    body = export.stream_csv(slug, query) if format == "csv" else export.stream_json(slug, query)
    return StreamingResponse(body, **export.export_media(format))


@router.get(
    "/summary",
    response_model=SummaryOut,
    summary="Income and spending per month or per category, with the list's filters",
    description="Counts live transactions that are not excluded from reports, not one side of "
    "a transfer between your accounts and not in a transfer category. Totals are per currency. "
    "By category, subcategories roll up into their top-level category unless `rollup=false`; "
    "categories come largest spending first, months in order.",
    responses=problem_responses(401, 403, 422),
)
def summarize_transactions(
    ctx: CanRead,
    where: Filter,
    group_by: Literal["month", "category"] = "month",
    rollup: bool = True,
) -> SummaryOut:
    totals = summary.summarize(ctx.session, where, group_by, rollup=rollup)
    return SummaryOut(
        group_by=group_by,
        totals=[
            TotalOut(
                key=t.key,
                label=t.label,
                currency=t.currency,
                income=t.income,
                spending=t.spending,
                net=t.net,
                count=t.count,
            )
            for t in totals
        ],
    )


@router.post(
    "/bulk-recategorize",
    name="transaction.bulk_recategorize",
    response_model=BulkResult,
    summary="Set one category on up to 1000 transactions",
    responses=problem_responses(401, 403, 422),
)
def bulk_recategorize(body: BulkRecategorize, ctx: CanWrite) -> BulkResult:
    outcome = service.bulk_recategorize(
        ctx.session, ctx.org.id, body.ids, body.category_id, ctx.actor
    )
    return BulkResult(
        requested=outcome.requested, updated=outcome.updated, not_found=outcome.not_found
    )


@router.get(
    "/{transaction_id}",
    response_model=TransactionOut,
    summary="A transaction (deleted ones too, with deleted_at set)",
    responses=problem_responses(401, 403, 404, 422),
)
def get_transaction(transaction_id: uuid.UUID, ctx: CanRead) -> Transaction:
    return service.get_transaction(ctx.session, transaction_id)


@router.patch(
    "/{transaction_id}",
    name="transaction.update",
    response_model=TransactionOut,
    summary="Categorize, annotate, tag, exclude or rename the merchant",
    responses=problem_responses(401, 403, 404, 422),
)
def update_transaction(
    transaction_id: uuid.UUID,
    body: TransactionUpdate,
    ctx: CanWrite,
) -> Transaction:
    return service.update_transaction(
        ctx.session,
        ctx.org.id,
        service.live_transaction(ctx.session, transaction_id),
        body.model_dump(exclude_unset=True),
        ctx.actor,
    )


@router.delete(
    "/{transaction_id}",
    name="transaction.delete",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a transaction (soft: restorable; the account balance follows)",
    responses=problem_responses(401, 403, 404),
)
def delete_transaction(transaction_id: uuid.UUID, ctx: CanWrite) -> None:
    service.delete_transaction(
        ctx.session,
        ctx.org.id,
        service.live_transaction(ctx.session, transaction_id),
        ctx.actor,
    )


@router.post(
    "/{transaction_id}/restore",
    name="transaction.restore",
    response_model=TransactionOut,
    summary="Restore a deleted transaction (the account balance follows)",
    responses=problem_responses(401, 403, 404, 409),
)
def restore_transaction(transaction_id: uuid.UUID, ctx: CanWrite) -> Transaction:
    return service.restore_transaction(
        ctx.session,
        ctx.org.id,
        service.get_transaction(ctx.session, transaction_id),
        ctx.actor,
    )
