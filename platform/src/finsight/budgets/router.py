"""Budgets of the caller's organization (permissions: budgets:read / budgets:write)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, status

from finsight.api.deps import TenantContext, tenant
from finsight.api.problems import problem_responses
from finsight.budgets import service
from finsight.budgets.models import Budget
from finsight.budgets.months import parse_month
from finsight.budgets.schemas import BudgetCreate, BudgetMonthOut, BudgetOut, BudgetUpdate
from finsight.categories.tree import PATH_SEPARATOR, load_tree
from finsight.errors import InvalidInput
from finsight.kit.time_zones import today_in

router = APIRouter(prefix="/api/budgets", tags=["budgets"])

CanRead = Annotated[TenantContext, tenant("budgets:read")]
CanWrite = Annotated[TenantContext, tenant("budgets:write")]
MonthParam = Annotated[
    str | None,
    Query(description="YYYY-MM; default: this month", pattern=r"^\d{4}-\d{2}$"),
]


def _paths(ctx: TenantContext) -> dict[uuid.UUID, str]:
    return {node.id: PATH_SEPARATOR.join(node.path) for node in load_tree(ctx.session)}


def _out(budget: Budget, paths: dict[uuid.UUID, str]) -> BudgetOut:
    return BudgetOut(
        id=budget.id,
        category_id=budget.category_id,
        category=paths.get(budget.category_id, "(deleted category)"),
        currency=budget.currency,
        amount=budget.amount,
        rollover=budget.rollover,
        start_month=budget.start_month,
        created_at=budget.created_at,
        updated_at=budget.updated_at,
    )


def _month(value: str | None, today: date) -> date:
    if value is None:
        return today.replace(day=1)
    try:
        return parse_month(value)
    except ValueError as exc:
        raise InvalidInput(f"not a month: {value!r}", field="month") from exc


@router.get(
    "",
    response_model=list[BudgetOut],
    summary="Every budget",
    responses=problem_responses(401, 403, 422),
)
def list_budgets(
    ctx: CanRead,
    currency: Annotated[str | None, Query(pattern=r"^[A-Za-z]{3}$")] = None,
) -> list[BudgetOut]:
    paths = _paths(ctx)
    budgets = service.list_budgets(ctx.session, currency=currency.upper() if currency else None)
    return sorted((_out(b, paths) for b in budgets), key=lambda b: (b.currency, b.category))


@router.get(
    "/status",
    response_model=list[BudgetMonthOut],
    summary="Each budget's month: limit with rollover, spending so far and pace",
    description="For the current month the pace stretches the spending so far over the whole "
    "month; a past month shows its final spending.",
    responses=problem_responses(401, 403, 422),
)
def budget_status(ctx: CanRead, month: MonthParam = None) -> list[BudgetMonthOut]:
    first = _month(month, today_in(ctx.org.time_zone))
    by_id = {b.id: b for b in service.list_budgets(ctx.session)}
    paths = _paths(ctx)
    out = [
        BudgetMonthOut(
            budget=_out(by_id[s.limit.budget_id], paths),
            month=first.strftime("%Y-%m"),
            carried_over=s.limit.carried_over,
            limit=s.limit.limit,
            spent=s.spent,
            remaining=s.remaining,
            percent=round(s.percent, 1),
            projected=s.projected,
            projected_percent=round(s.projected_percent, 1),
            on_pace_to_exceed=s.on_pace_to_exceed,
            pace=s.pace_text,
        )
        for s in service.statuses_for_month(ctx.session, first, today_in(ctx.org.time_zone))
    ]
    return sorted(out, key=lambda m: -m.percent)


@router.post(
    "",
    name="budget.create",
    status_code=status.HTTP_201_CREATED,
    response_model=BudgetOut,
    summary="Create a monthly budget for an expense category",
    responses=problem_responses(401, 403, 409, 422),
)
def create_budget(body: BudgetCreate, ctx: CanWrite) -> BudgetOut:
    budget = service.create_budget(
        ctx.session,
        ctx.org.id,
        category_id=body.category_id,
        currency=body.currency,
        amount=body.amount,
        rollover=body.rollover,
        start_month=body.start_month or today_in(ctx.org.time_zone),
        actor=ctx.actor,
    )
    return _out(budget, _paths(ctx))


@router.get(
    "/{budget_id}",
    response_model=BudgetOut,
    summary="One budget",
    responses=problem_responses(401, 403, 404),
)
def get_budget(budget_id: uuid.UUID, ctx: CanRead) -> BudgetOut:
    return _out(service.get_budget(ctx.session, budget_id), _paths(ctx))


@router.patch(
    "/{budget_id}",
    name="budget.update",
    response_model=BudgetOut,
    summary="Change a budget's limit, rollover, category, currency or start month",
    responses=problem_responses(401, 403, 404, 409, 422),
)
def update_budget(budget_id: uuid.UUID, body: BudgetUpdate, ctx: CanWrite) -> BudgetOut:
    budget = service.update_budget(
        ctx.session,
        ctx.org.id,
        service.get_budget(ctx.session, budget_id),
        body.model_dump(exclude_unset=True),
        ctx.actor,
    )
    return _out(budget, _paths(ctx))


@router.delete(
    "/{budget_id}",
    name="budget.delete",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a budget",
    responses=problem_responses(401, 403, 404),
)
def delete_budget(budget_id: uuid.UUID, ctx: CanWrite) -> None:
    service.delete_budget(
        ctx.session, ctx.org.id, service.get_budget(ctx.session, budget_id), ctx.actor
    )
