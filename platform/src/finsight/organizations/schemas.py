from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from finsight.tenancy.names import SLUG_RULE

Plan = Literal["free", "standard", "enterprise"]


class OrganizationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    slug: str
    name: str
    plan: str
    status: str
    schema_name: str
    database_cluster: str
    created_at: datetime
    updated_at: datetime


class OrganizationCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "slug": "acme",
                    "name": "Acme Corp",
                    "owner_email": "cfo@acme.example",
                    "plan": "standard",
                }
            ]
        },
    )

    slug: str = Field(description=SLUG_RULE, examples=["acme"])
    name: str = Field(min_length=1, max_length=200)
    owner_email: str = Field(max_length=320)
    owner_password: str | None = Field(
        default=None, description="For a new owner; omitted: one is generated and returned once"
    )
    plan: Plan = "standard"
    database_cluster: str = Field(default="default", description="Named in DATABASE_CLUSTERS")


class OrganizationCreated(OrganizationOut):
    owner_email: str
    owner_initial_password: str | None = Field(
        default=None, description="Only when generated now: shown once, never stored in clear"
    )


class OrganizationRequested(BaseModel):
    """Kubernetes mode: the Organization resource exists; the operator is provisioning it."""

    slug: str
    name: str
    plan: str
    status: Literal["provisioning"] = "provisioning"
    resource: str = Field(examples=["organizations.finsight.io/acme"])


class OrganizationUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)


class OrganizationDeleted(BaseModel):
    slug: str
    policy: Literal["Retain", "Delete", "Resource"] = Field(
        description="Resource: Kubernetes mode, the resource's spec.deletionPolicy applies"
    )
    archived_schema: str | None


class MemberOut(BaseModel):
    user_id: uuid.UUID
    email: str
    full_name: str
    role: str
    role_id: uuid.UUID
    joined_at: datetime


class MemberAdd(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"email": "analyst@acme.example", "role": "analyst"}]},
    )

    email: str = Field(max_length=320)
    role: str = Field(description="A built-in role (owner, admin, analyst, viewer) or a custom one")
    password: str | None = Field(
        default=None, description="For a user new to finsight; omitted: generated, returned once"
    )


class MemberAdded(MemberOut):
    initial_password: str | None = None


class MemberRoleChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: str
