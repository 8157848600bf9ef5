from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

CategoryKind = Literal["income", "expense", "transfer"]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class CategoryOut(BaseModel):
    id: uuid.UUID
    parent_id: uuid.UUID | None = Field(description="null for a top-level category")
    name: str
    kind: CategoryKind
    is_system: bool = Field(
        description="Seeded with the organization: can be renamed, cannot be moved or deleted"
    )
    path: str = Field(examples=["Transfers > Credit card payment"])
    depth: int = Field(description="0 for a top-level category")


class CategoryCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"name": "Pets", "kind": "expense"},
                {"name": "Vet", "parent_id": "0190c0de-0000-7000-8000-000000000000"},
            ]
        },
    )

    name: Name
    parent_id: uuid.UUID | None = None
    kind: CategoryKind | None = Field(
        default=None, description="Required at the top level; below, the parent's kind"
    )


class CategoryUpdate(BaseModel):
    """Rename, move (parent_id; null moves to the top level) or change a top-level kind."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    parent_id: uuid.UUID | None = None
    kind: CategoryKind | None = None
