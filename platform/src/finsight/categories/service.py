"""The tenant's category tree: create, rename, move (no cycles), delete what nothing uses.

System categories (the seeded default tree) can be renamed, but not moved, re-kinded or
deleted: bank category mapping and transfer detection rely on them (see finsight.categories.tree).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from finsight.audit.service import record_change
from finsight.categories.models import Category
from finsight.categories.tree import SYSTEM_NAME, Node, load_tree
from finsight.errors import Conflict, InvalidInput, NotFound
from finsight.kit.identity import Actor
from finsight.kit.models import utcnow
from finsight.transactions.models import Transaction


def list_categories(session: Session) -> list[Node]:
    return load_tree(session)


def get_category(session: Session, category_id: uuid.UUID) -> Category:
    category = session.get(Category, category_id)
    if category is None or category.deleted_at is not None:
        raise NotFound("category not found")
    return category


def _parent(session: Session, parent_id: uuid.UUID) -> Category:
    parent = session.get(Category, parent_id)
    if parent is None or parent.deleted_at is not None:
        raise InvalidInput(f"category {parent_id} not found", field="parent_id")
    return parent


def _ensure_unique(
    session: Session, parent_id: uuid.UUID | None, name: str, own: uuid.UUID | None
) -> None:
    query = select(Category.id).where(
        Category.deleted_at.is_(None),
        Category.parent_id.is_(None) if parent_id is None else Category.parent_id == parent_id,
        func.lower(Category.name) == name.lower(),
    )
    if own is not None:
        query = query.where(Category.id != own)
    if session.scalar(query):
        raise Conflict(f"a category named {name!r} exists there")


def _descendants(session: Session, category_id: uuid.UUID) -> set[uuid.UUID]:
    children: dict[uuid.UUID | None, list[uuid.UUID]] = {}
    for node in load_tree(session):
        children.setdefault(node.parent_id, []).append(node.id)
    found: set[uuid.UUID] = set()
    pending = [category_id]
    while pending:
        for child in children.get(pending.pop(), []):
            found.add(child)
            pending.append(child)
    return found


def create_category(
    session: Session,
    org_id: uuid.UUID,
    *,
    name: str,
    parent_id: uuid.UUID | None,
    kind: str | None,
    actor: Actor,
) -> Category:
    if parent_id is not None:
        parent = _parent(session, parent_id)
        if kind is not None and kind != parent.kind:
            raise InvalidInput(
                f"a subcategory takes its parent's kind ({parent.kind!r})", field="kind"
            )
        kind = parent.kind
    elif kind is None:
        raise InvalidInput("kind is required for a top-level category", field="kind")
    _ensure_unique(session, parent_id, name, None)
    category = Category(name=name, parent_id=parent_id, kind=kind, is_system=False)
    session.add(category)
    session.flush()
    record_change(session, org_id=org_id, actor=actor, action="category.create", target=category)
    return category


def update_category(
    session: Session, org_id: uuid.UUID, category: Category, changes: dict[str, Any], actor: Actor
) -> Category:
    """`changes` holds only the fields sent. Moving under a parent gives the moved subtree the
    parent's kind; changing a top-level kind changes its subtree's."""
    for key in ("name", "kind"):
        if key in changes and changes[key] is None:
            raise InvalidInput(f"{key} cannot be null", field=key)
    moving = "parent_id" in changes and changes["parent_id"] != category.parent_id
    new_parent_id = changes["parent_id"] if moving else category.parent_id
    kind = changes.get("kind", category.kind)
    if category.is_system and (moving or kind != category.kind):
        raise Conflict(f"{category.name!r} is a system category: it can only be renamed")
    if moving and new_parent_id is not None:
        parent = _parent(session, new_parent_id)
        if new_parent_id == category.id or new_parent_id in _descendants(session, category.id):
            raise InvalidInput(
                "a category cannot move under itself or its own subcategory", field="parent_id"
            )
        if "kind" in changes and kind != parent.kind:
            raise InvalidInput(
                f"a subcategory takes its parent's kind ({parent.kind!r})", field="kind"
            )
        kind = parent.kind
    elif new_parent_id is not None and kind != category.kind:
        raise InvalidInput("only a top-level category's kind can change", field="kind")
    name = changes.get("name", category.name)
    _ensure_unique(session, new_parent_id, name, category.id)
    if category.is_system and name != category.name and SYSTEM_NAME not in category.extra:
        category.extra = {**category.extra, SYSTEM_NAME: category.name}
    category.name, category.parent_id = name, new_parent_id
    if kind != category.kind:
        category.kind = kind
        subtree = _descendants(session, category.id)
        if subtree:
            session.execute(
                update(Category)
                .where(Category.id.in_(subtree))
                .values(kind=kind, updated_at=utcnow())
                .execution_options(synchronize_session="fetch")
            )
    session.flush()
    record_change(
        session,
        org_id=org_id,
        actor=actor,
        action="category.update",
        target=category,
        changed=changes,
    )
    return category


def delete_category(session: Session, org_id: uuid.UUID, category: Category, actor: Actor) -> None:
    """Soft delete of a category no live transaction and no subcategory uses."""
    if category.is_system:
        raise Conflict(f"{category.name!r} is a system category: it cannot be deleted")
    children = session.scalar(
        select(func.count()).where(Category.parent_id == category.id, Category.deleted_at.is_(None))
    )
    used = session.scalar(
        select(func.count()).where(
            Transaction.category_id == category.id, Transaction.deleted_at.is_(None)
        )
    )
    reasons = []
    if children:
        reasons.append(f"has {children} subcategor{'y' if children == 1 else 'ies'}")
    if used:
        reasons.append(f"is used by {used} transaction(s)")
    if reasons:
        raise Conflict(
            f"category {category.name!r} {' and '.join(reasons)}; move or recategorize them first"
        )
    category.deleted_at = utcnow()
    session.flush()
    record_change(session, org_id=org_id, actor=actor, action="category.delete", target=category)
