from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints

from finsight.alerts.rules import RuleKind, Severity

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
# Checked as the rest of the product checks addresses (finsight.users.service.normalize_email).
Address = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=320)]
RoleName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Window = Literal["always", "business_hours", "outside_business_hours", "outside_quiet_hours"]
ChannelKind = Literal["email", "slack", "webhook", "in_app"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- rules ---------------------------------------------------------------------------------


class RuleCreate(_In):
    name: Name
    kind: RuleKind
    severity: Severity = "warning"
    enabled: StrictBool = True
    params: dict[str, Any] = Field(
        default_factory=dict, description="Per kind: see GET /api/alert-rules/kinds"
    )
    repeat_interval_minutes: int = Field(
        default=240,
        ge=5,
        le=10080,
        description="A firing alert nobody acknowledged is sent again after this long",
    )


class RuleUpdate(_In):
    name: Name | None = None
    severity: Severity | None = None
    enabled: StrictBool | None = None
    params: dict[str, Any] | None = None
    repeat_interval_minutes: int | None = Field(default=None, ge=5, le=10080)


class RuleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    kind: str
    severity: str
    enabled: bool
    params: dict[str, Any]
    repeat_interval_minutes: int
    managed_by: str | None = Field(
        description="'kubernetes': kept by the Organization's spec.alerting, read-only here"
    )
    created_at: datetime
    updated_at: datetime


class RuleKindOut(BaseModel):
    kind: str
    description: str
    params_schema: dict[str, Any]


# --- alerts --------------------------------------------------------------------------------


class AlertOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    rule_id: uuid.UUID
    rule_name: str | None = None
    dedup_key: str
    status: str
    severity: str
    title: str
    body: str
    details: dict[str, Any]
    fired_at: datetime
    last_seen_at: datetime
    last_notified_at: datetime | None
    notifications: int
    acknowledged_at: datetime | None
    acknowledged_by: uuid.UUID | None
    acknowledged_by_email: str | None
    resolved_at: datetime | None
    resolved_by: uuid.UUID | None
    resolved_by_email: str | None
    resolution: str | None = Field(
        description="'dismissed' by a person (stays quiet until the condition changes) or "
        "'cleared' (the condition went away)"
    )


class AlertCounts(BaseModel):
    firing: int = 0
    acknowledged: int = 0


# --- channels and deliveries -----------------------------------------------------------------


class ChannelCreate(_In):
    name: Name
    kind: ChannelKind
    url: str | None = Field(default=None, description="Slack incoming webhook or endpoint URL")
    addresses: list[Address] = Field(default_factory=list, max_length=50)
    roles: list[RoleName] = Field(
        default_factory=list, max_length=10, description="Members holding these roles (email)"
    )


class ChannelUpdate(_In):
    name: Name | None = None
    url: str | None = None
    addresses: list[Address] | None = Field(default=None, max_length=50)
    roles: list[RoleName] | None = Field(default=None, max_length=10)
    enabled: StrictBool | None = None


class ChannelOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    kind: str
    config: dict[str, Any] = Field(description="email: addresses, roles; others: the URL's host")
    enabled: bool
    disabled_reason: str | None
    failing_since: datetime | None
    signing_secret_rotating_until: datetime | None = None
    created_at: datetime


class ChannelCreated(ChannelOut):
    secret: str | None = Field(
        description="A webhook's whsec_ signing secret: shown this once, never again"
    )


class SecretOut(BaseModel):
    secret: str = Field(description="The new whsec_ secret: shown this once")
    previous_valid_until: datetime | None


class AttemptOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    attempt: int
    started_at: datetime
    finished_at: datetime | None
    outcome: str | None = Field(description="null: cut off (the worker stopped mid-send)")
    status_code: int | None
    error: str | None


class DeliveryOut(BaseModel):
    id: uuid.UUID
    channel_id: uuid.UUID
    kind: str
    event_type: str
    alert_ids: list[uuid.UUID]
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    sent_at: datetime | None
    created_at: datetime
    attempt_log: list[AttemptOut]


# --- routes and hours ----------------------------------------------------------------------


class RouteCreate(_In):
    name: Name
    severities: list[Severity] = Field(min_length=1)
    channel_ids: list[uuid.UUID] = Field(min_length=1, max_length=20)
    rule_ids: list[uuid.UUID] = Field(default_factory=list, description="Empty: every rule")
    time_window: Window = "always"
    escalate_after_minutes: int = Field(
        default=0, ge=0, le=10080, description="0: at once; N: if unacknowledged N minutes later"
    )
    enabled: StrictBool = True


class RouteUpdate(_In):
    name: Name | None = None
    severities: list[Severity] | None = None
    channel_ids: list[uuid.UUID] | None = Field(default=None, max_length=20)
    rule_ids: list[uuid.UUID] | None = None
    time_window: Window | None = None
    escalate_after_minutes: int | None = Field(default=None, ge=0, le=10080)
    enabled: StrictBool | None = None


class RouteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    severities: list[str]
    channel_ids: list[uuid.UUID]
    rule_ids: list[uuid.UUID]
    time_window: str
    escalate_after_minutes: int
    enabled: bool
    created_at: datetime


# Wall-clock times in the organization's zone, "HH:MM" (a JSON "time" would need an offset).
ClockTime = Annotated[
    str,
    StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$"),
    Field(examples=["09:00"]),
]


class HoursIn(_In):
    business_days: list[int] = Field(
        default=[1, 2, 3, 4, 5], description="ISO weekdays: 1 Monday ... 7 Sunday"
    )
    business_start: ClockTime = "09:00"
    business_end: ClockTime = "17:00"
    quiet_start: ClockTime | None = None
    quiet_end: ClockTime | None = None


class HoursOut(HoursIn):
    time_zone: str = Field(description="The organization's time zone: the hours are read in it")


# --- in-app --------------------------------------------------------------------------------


class InAppOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    severity: str
    title: str
    body: str
    link: str | None
    created_at: datetime
    unread: bool = False


class InAppFeed(BaseModel):
    unread: int
    items: list[InAppOut]
    next_cursor: str | None = None
