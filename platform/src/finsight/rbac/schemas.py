from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field


class RoleOut(BaseModel):
    id: uuid.UUID
    name: str
    description: str
    permissions: list[str]
    is_builtin: bool


class RoleCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "bookkeeper",
                    "description": "Imports and categorizes",
                    "permissions": [
                        "accounts:read",
                        "transactions:read",
                        "transactions:write",
                        "imports:write",
                    ],
                }
            ]
        },
    )

    name: str = Field(min_length=1, max_length=64)
    description: str = Field(default="", max_length=500)
    permissions: list[str] = Field(description="Permission strings, see GET /api/permissions")


class RoleUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=64)
    description: str | None = Field(default=None, max_length=500)
    permissions: list[str] | None = None


class PermissionOut(BaseModel):
    name: str = Field(examples=["transactions:write"])
    description: str
