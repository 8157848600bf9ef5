"""The category tree as loaded in memory: paths, and system categories found by a stable key.

A system category (seeded by the tenant migration) may be renamed by its organization; its seed
name is then kept in metadata["system_name"], so code that relies on the default tree (bank
category mapping, transfer detection) still finds it. System categories cannot move or be
deleted, so their path of seed names is stable.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from finsight.categories.models import Category

SYSTEM_NAME = "system_name"
PATH_SEPARATOR = " > "


def seed_name(category: Category) -> str:
    return str(category.extra.get(SYSTEM_NAME, category.name))


@dataclass(frozen=True)
class Node:
    id: uuid.UUID
    parent_id: uuid.UUID | None
    name: str
    kind: str
    is_system: bool
    path: tuple[str, ...]  # names from the root down to this node
    system_path: tuple[str, ...] | None  # seed names, for system categories


def load_tree(session: Session) -> list[Node]:
    """Live categories depth-first, siblings by name (case-insensitive)."""
    rows = list(session.scalars(select(Category).where(Category.deleted_at.is_(None))))
    children: dict[uuid.UUID | None, list[Category]] = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)
    for siblings in children.values():
        siblings.sort(key=lambda c: (c.name.lower(), str(c.id)))
    nodes: list[Node] = []

    def walk(
        parent: uuid.UUID | None, path: tuple[str, ...], system: tuple[str, ...] | None
    ) -> None:
        for row in children.get(parent, []):
            own_path = (*path, row.name)
            own_system = (*system, seed_name(row)) if row.is_system and system is not None else None
            nodes.append(
                Node(row.id, row.parent_id, row.name, row.kind, row.is_system, own_path, own_system)
            )
            walk(row.id, own_path, own_system)

    walk(None, (), ())
    return nodes


def system_ids(nodes: list[Node]) -> dict[tuple[str, ...], uuid.UUID]:
    """System categories by their lower-cased seed path, e.g. ("transfers", "account transfer")."""
    return {
        tuple(part.lower() for part in node.system_path): node.id
        for node in nodes
        if node.system_path is not None
    }


def system_category_id(session: Session, *path: str) -> uuid.UUID | None:
    """One system category by its seed path, e.g. system_category_id(s, "Transfers",
    "Credit card payment"); None if the tenant's tree lacks it."""
    return system_ids(load_tree(session)).get(tuple(part.lower() for part in path))
