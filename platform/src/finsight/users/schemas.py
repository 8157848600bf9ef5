from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from finsight.auth.schemas import OrganizationSummary


class MembershipSummary(BaseModel):
    organization: OrganizationSummary
    role: str


class Me(BaseModel):
    id: uuid.UUID
    email: str
    full_name: str
    is_platform_admin: bool
    created_at: datetime
    last_login_at: datetime | None
    organization: OrganizationSummary | None = Field(description="The token's organization")
    role: str | None
    permissions: list[str] = Field(description="What you may do in the token's organization")
    memberships: list[MembershipSummary]
    two_factor_enabled: bool = False
    features: list[str] = Field(
        description="Optional parts of the product this deployment runs (`analytics`, "
        "`plaid`), so a client shows only what exists"
    )


class MeUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    full_name: str = Field(max_length=200)


class PasswordChange(BaseModel):
    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=1, max_length=1024)
