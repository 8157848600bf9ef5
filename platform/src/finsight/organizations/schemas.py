from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from finsight.tenancy.names import SLUG_RULE

TIME_ZONE_RULE = (
    "An IANA time zone name such as America/New_York or Europe/Berlin: report schedules, "
    "business hours and month boundaries run in it"
)

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
    require_two_factor: bool = False
    time_zone: str = "UTC"
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
    plan: Plan = "standard"
    database_cluster: str = Field(default="default", description="Named in DATABASE_CLUSTERS")
    time_zone: str = Field(default="UTC", max_length=64, description=TIME_ZONE_RULE)


class OrganizationCreated(OrganizationOut):
    owner_email: str
    owner_invitation_url: str | None = Field(
        default=None,
        description="The owner's single-use invitation link (also emailed), shown only now; "
        "null when the owner already belonged to it",
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
    require_two_factor: StrictBool | None = Field(
        default=None,
        description="Members without two-factor sign-in get no token for this organization "
        "(403 `two_factor_enrollment_required`) until they turn it on; turning it on ends "
        "their sessions here, and needs your own two-factor sign-in",
    )
    time_zone: str | None = Field(default=None, max_length=64, description=TIME_ZONE_RULE)


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


class InvitationOut(BaseModel):
    """An invitation as the organization sees it: never who the address belongs to."""

    id: uuid.UUID
    email: str
    role: str
    status: Literal["pending", "accepted", "revoked", "expired"]
    invited_by: str
    expires_at: datetime
    created_at: datetime
    accepted_at: datetime | None
    revoked_at: datetime | None


class InvitationIssued(InvitationOut):
    accept_url: str = Field(
        description="The single-use link, also emailed to the address: shown only now"
    )


class InvitationPreview(BaseModel):
    """What the holder of an invitation link sees before accepting."""

    organization: str
    role: str
    email: str
    expires_at: datetime
    account_exists: bool = Field(
        description="true: sign in and accept; false: choose a password to create your account"
    )


class InvitationToken(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=1, max_length=200)


class InvitationAccept(InvitationToken):
    password: str | None = Field(
        default=None,
        min_length=1,
        max_length=1024,
        description="Your own password, for a new account (omit when signed in)",
    )
    full_name: str = Field(default="", max_length=200)


class InvitationAccepted(BaseModel):
    organization: str
    role: str
    email: str
    account_created: bool


class MemberRoleChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: str
