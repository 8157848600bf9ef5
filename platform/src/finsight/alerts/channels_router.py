"""Notification channels, routes and business/quiet hours (permission alerts:admin to change,
alerts:read to see)."""

from __future__ import annotations

import uuid
from datetime import time
from typing import Annotated

from fastapi import APIRouter, Query, status

from finsight.alerts import channels, routes_service, service
from finsight.alerts.directory import org_profile
from finsight.alerts.models import NotificationChannel
from finsight.alerts.router import delivery_out
from finsight.alerts.schemas import (
    AttemptOut,
    ChannelCreate,
    ChannelCreated,
    ChannelOut,
    ChannelUpdate,
    DeliveryOut,
    HoursIn,
    HoursOut,
    RouteCreate,
    RouteOut,
    RouteUpdate,
    SecretOut,
)
from finsight.api.deps import TenantContext, tenant
from finsight.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, cursor_id, page_of
from finsight.api.problems import problem_responses

router = APIRouter(tags=["alerts"])

CanRead = Annotated[TenantContext, tenant("alerts:read")]
CanAdmin = Annotated[TenantContext, tenant("alerts:admin")]


def _clock(value: time) -> str:
    return value.strftime("%H:%M")


def _out(channel: NotificationChannel) -> ChannelOut:
    out = ChannelOut.model_validate(channel)
    if channel.previous_secret:
        out.signing_secret_rotating_until = channel.previous_secret_expires_at
    return out


@router.get(
    "/api/notification-channels",
    response_model=list[ChannelOut],
    summary="Every notification channel (URLs shown by host only, secrets never)",
    responses=problem_responses(401, 403),
)
def list_channels(ctx: CanRead) -> list[ChannelOut]:
    return [_out(c) for c in channels.list_channels(ctx.session)]


@router.post(
    "/api/notification-channels",
    name="channel.create",
    status_code=status.HTTP_201_CREATED,
    response_model=ChannelCreated,
    summary="Create a channel: email, slack, webhook or in_app",
    description="A webhook's `whsec_` signing secret is in this response only. Its requests "
    "carry `webhook-id`, `webhook-timestamp` and `webhook-signature` (Standard Webhooks).",
    responses=problem_responses(401, 403, 422),
)
def create_channel(body: ChannelCreate, ctx: CanAdmin) -> ChannelCreated:
    channel, secret = channels.create_channel(
        ctx.session,
        ctx.org.id,
        name=body.name,
        kind=body.kind,
        url=body.url,
        addresses=[str(a) for a in body.addresses],
        roles=body.roles,
        actor=ctx.actor,
    )
    return ChannelCreated(**_out(channel).model_dump(), secret=secret)


@router.get(
    "/api/notification-channels/{channel_id}",
    response_model=ChannelOut,
    summary="One channel",
    responses=problem_responses(401, 403, 404),
)
def get_channel(channel_id: uuid.UUID, ctx: CanRead) -> ChannelOut:
    return _out(channels.get_channel(ctx.session, channel_id))


@router.patch(
    "/api/notification-channels/{channel_id}",
    name="channel.update",
    response_model=ChannelOut,
    summary="Rename, change the URL or recipients, turn on or off",
    responses=problem_responses(401, 403, 404, 422),
)
def update_channel(channel_id: uuid.UUID, body: ChannelUpdate, ctx: CanAdmin) -> ChannelOut:
    changes = body.model_dump(exclude_unset=True)
    if "addresses" in changes and changes["addresses"] is not None:
        changes["addresses"] = [str(a) for a in changes["addresses"]]
    channel = channels.update_channel(
        ctx.session, ctx.org.id, channels.get_channel(ctx.session, channel_id), changes, ctx.actor
    )
    return _out(channel)


@router.delete(
    "/api/notification-channels/{channel_id}",
    name="channel.delete",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a channel no route sends to (409 otherwise)",
    responses=problem_responses(401, 403, 404, 409),
)
def delete_channel(channel_id: uuid.UUID, ctx: CanAdmin) -> None:
    channels.delete_channel(
        ctx.session, ctx.org.id, channels.get_channel(ctx.session, channel_id), ctx.actor
    )


@router.post(
    "/api/notification-channels/{channel_id}/test",
    name="channel.test",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=DeliveryOut,
    summary="Send a test notification (see its attempts under /deliveries)",
    responses=problem_responses(401, 403, 404, 503),
)
def send_test(channel_id: uuid.UUID, ctx: CanAdmin) -> DeliveryOut:
    delivery = channels.send_test(
        ctx.session,
        org_profile(ctx.org.id),
        channels.get_channel(ctx.session, channel_id),
        ctx.actor,
    )
    return delivery_out(delivery, [])


@router.post(
    "/api/notification-channels/{channel_id}/rotate-secret",
    name="channel.rotate_secret",
    response_model=SecretOut,
    summary="A new webhook signing secret; the old one keeps signing for 24 hours",
    responses=problem_responses(401, 403, 404, 409),
)
def rotate_secret(channel_id: uuid.UUID, ctx: CanAdmin) -> SecretOut:
    channel = channels.get_channel(ctx.session, channel_id)
    secret = channels.rotate_secret(ctx.session, ctx.org.id, channel, ctx.actor)
    return SecretOut(secret=secret, previous_valid_until=channel.previous_secret_expires_at)


@router.get(
    "/api/notification-channels/{channel_id}/deliveries",
    response_model=Page[DeliveryOut],
    summary="What was sent to the channel, newest first, with every attempt",
    responses=problem_responses(401, 403, 404, 422),
)
def channel_deliveries(
    channel_id: uuid.UUID,
    ctx: CanRead,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> Page[DeliveryOut]:
    channels.get_channel(ctx.session, channel_id)
    rows = channels.deliveries(
        ctx.session, channel_id, before_id=cursor_id(cursor), limit=limit + 1
    )
    attempts = service.attempts_of(ctx.session, [d.id for d in rows[:limit]])
    return page_of(
        rows,
        limit,
        lambda d: delivery_out(d, [AttemptOut.model_validate(a) for a in attempts[d.id]]),
        lambda d: {"id": str(d.id)},
    )


# --- routes ----------------------------------------------------------------------------------


@router.get(
    "/api/alert-routes",
    response_model=list[RouteOut],
    summary="Every route: severities → channels, window, escalation delay",
    responses=problem_responses(401, 403),
)
def list_routes(ctx: CanRead) -> list[RouteOut]:
    return [RouteOut.model_validate(r) for r in routes_service.list_routes(ctx.session)]


@router.post(
    "/api/alert-routes",
    name="alert_route.create",
    status_code=status.HTTP_201_CREATED,
    response_model=RouteOut,
    summary="Create a route (escalate_after_minutes > 0 makes it an escalation step)",
    responses=problem_responses(401, 403, 422),
)
def create_route(body: RouteCreate, ctx: CanAdmin) -> RouteOut:
    route = routes_service.create_route(ctx.session, ctx.org.id, body.model_dump(), ctx.actor)
    return RouteOut.model_validate(route)


@router.patch(
    "/api/alert-routes/{route_id}",
    name="alert_route.update",
    response_model=RouteOut,
    summary="Change a route",
    responses=problem_responses(401, 403, 404, 422),
)
def update_route(route_id: uuid.UUID, body: RouteUpdate, ctx: CanAdmin) -> RouteOut:
    route = routes_service.update_route(
        ctx.session,
        ctx.org.id,
        routes_service.get_route(ctx.session, route_id),
        body.model_dump(exclude_unset=True),
        ctx.actor,
    )
    return RouteOut.model_validate(route)


@router.delete(
    "/api/alert-routes/{route_id}",
    name="alert_route.delete",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a route",
    responses=problem_responses(401, 403, 404),
)
def delete_route(route_id: uuid.UUID, ctx: CanAdmin) -> None:
    routes_service.delete_route(
        ctx.session, ctx.org.id, routes_service.get_route(ctx.session, route_id), ctx.actor
    )


@router.get(
    "/api/alert-settings",
    response_model=HoursOut,
    summary="Business hours and quiet hours (in the organization's time zone)",
    responses=problem_responses(401, 403),
)
def get_hours(ctx: CanRead) -> HoursOut:
    row = routes_service.get_settings_row(ctx.session)
    return HoursOut(
        business_days=list(row.business_days),
        business_start=_clock(row.business_start),
        business_end=_clock(row.business_end),
        quiet_start=_clock(row.quiet_start) if row.quiet_start else None,
        quiet_end=_clock(row.quiet_end) if row.quiet_end else None,
        time_zone=org_profile(ctx.org.id).time_zone,
    )


@router.put(
    "/api/alert-settings",
    name="alert_settings.update",
    response_model=HoursOut,
    summary="Set business hours and quiet hours",
    responses=problem_responses(401, 403, 422),
)
def put_hours(body: HoursIn, ctx: CanAdmin) -> HoursOut:
    values = {
        **body.model_dump(),
        **{
            key: time.fromisoformat(value) if value else None
            for key, value in body.model_dump(
                include={"business_start", "business_end", "quiet_start", "quiet_end"}
            ).items()
        },
    }
    routes_service.update_settings(ctx.session, ctx.org.id, values, ctx.actor)
    return get_hours(ctx)
