"""The caller's organization's category tree (permissions: transactions:read / write)."""

from __future__ import annotations

import uuid
from typing import Annotated, cast

from fastapi import APIRouter, status
from sqlalchemy.orm import Session

from finsight.api.deps import TenantContext, tenant
from finsight.api.problems import problem_responses
from finsight.categories import service
from finsight.categories.schemas import (
    CategoryCreate,
    CategoryKind,
    CategoryOut,
    CategoryUpdate,
)
from finsight.categories.tree import PATH_SEPARATOR, Node

router = APIRouter(prefix="/api/categories", tags=["categories"])

CanRead = Annotated[TenantContext, tenant("transactions:read")]
CanWrite = Annotated[TenantContext, tenant("transactions:write")]


def _out(node: Node) -> CategoryOut:
    return CategoryOut(
        id=node.id,
        parent_id=node.parent_id,
        name=node.name,
        kind=cast(CategoryKind, node.kind),  # the table's CHECK holds it to these
        is_system=node.is_system,
        path=PATH_SEPARATOR.join(node.path),
        depth=len(node.path) - 1,
    )


def _node(session: Session, category_id: uuid.UUID) -> CategoryOut:
    return next(_out(n) for n in service.list_categories(session) if n.id == category_id)


@router.get(
    "",
    response_model=list[CategoryOut],
    summary="The category tree, as a flat list in tree order",
    description="Depth-first, siblings by name: every category follows its parent. Rebuild "
    "the tree from `parent_id`, or indent by `depth`.",
    responses=problem_responses(401, 403),
)
def list_categories(ctx: CanRead) -> list[CategoryOut]:
    return [_out(node) for node in service.list_categories(ctx.session)]


@router.post(
    "",
    name="category.create",
    status_code=status.HTTP_201_CREATED,
    response_model=CategoryOut,
    summary="Create a category (top-level with a kind, or under a parent)",
    responses=problem_responses(401, 403, 409, 422),
)
def create_category(body: CategoryCreate, ctx: CanWrite) -> CategoryOut:
    category = service.create_category(
        ctx.session,
        ctx.org.id,
        name=body.name,
        parent_id=body.parent_id,
        kind=body.kind,
        actor=ctx.actor,
    )
    return _node(ctx.session, category.id)


@router.patch(
    "/{category_id}",
    name="category.update",
    response_model=CategoryOut,
    summary="Rename or move a category (system categories can only be renamed)",
    responses=problem_responses(401, 403, 404, 409, 422),
)
def update_category(category_id: uuid.UUID, body: CategoryUpdate, ctx: CanWrite) -> CategoryOut:
    service.update_category(
        ctx.session,
        ctx.org.id,
        service.get_category(ctx.session, category_id),
        body.model_dump(exclude_unset=True),
        ctx.actor,
    )
    return _node(ctx.session, category_id)


@router.delete(
    "/{category_id}",
    name="category.delete",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a category that has no subcategories and no transactions (soft delete)",
    description="System categories cannot be deleted (409).",
    responses=problem_responses(401, 403, 404, 409),
)
def delete_category(category_id: uuid.UUID, ctx: CanWrite) -> None:
    service.delete_category(
        ctx.session,
        ctx.org.id,
        service.get_category(ctx.session, category_id),
        ctx.actor,
    )
