from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class LoginRequest(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "email": "demo@example.com",
                    "password": "correct horse battery",
                    "organization": "demo",
                }
            ]
        }
    )

    email: str = Field(max_length=320)
    password: str = Field(min_length=1, max_length=1024)
    organization: str | None = Field(
        default=None, description="Slug of the organization to sign in to; default: the first"
    )
    personal: bool = Field(
        default=False,
        description="Sign in to no organization: your own account only (e.g. to turn on "
        "two-factor sign-in when an organization requires it)",
    )


class SecondFactorChallenge(BaseModel):
    second_factor_required: Literal[True] = True
    challenge: str = Field(description="Send it with a code to POST /api/auth/login/totp")
    expires_in: int = Field(description="Seconds the challenge stays valid", examples=[300])


class SecondFactorLogin(BaseModel):
    challenge: str = Field(min_length=1, max_length=2048)
    code: str = Field(
        min_length=6,
        max_length=32,
        description="The 6-digit code of your authenticator app, or one of your recovery codes",
    )


class RefreshRequest(BaseModel):
    refresh_token: str = Field(min_length=1, max_length=512)


class SwitchRequest(BaseModel):
    organization: str = Field(
        description="Slug of another organization you belong to", examples=["acme"]
    )


class OrganizationSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    slug: str
    name: str


class TokenResponse(BaseModel):
    access_token: str
    refresh_token: str = Field(description="Opaque; single use: each refresh returns a new one")
    token_type: str = "bearer"
    expires_in: int = Field(description="Seconds until the access token expires", examples=[900])
    organization: OrganizationSummary | None
