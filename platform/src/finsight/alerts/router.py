"""Alerts (permissions alerts:read / alerts:write) and the in-app feed (alerts:read)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from finsight.alerts import inapp, service
from finsight.alerts.models import Alert, AlertDelivery, AlertRule
from finsight.alerts.schemas import (
    AlertCounts,
    AlertOut,
    AttemptOut,
    DeliveryOut,
    InAppFeed,
    InAppOut,
)
from finsight.api.deps import TenantContext, tenant
from finsight.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, cursor_id, page_of
from finsight.api.problems import problem_responses

router = APIRouter(tags=["alerts"])

CanRead = Annotated[TenantContext, tenant("alerts:read")]
CanWrite = Annotated[TenantContext, tenant("alerts:write")]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]


def alert_out(alert: Alert, rule_names: dict[uuid.UUID, str]) -> AlertOut:
    out = AlertOut.model_validate(alert)
    out.rule_name = rule_names.get(alert.rule_id)
    return out


def _rule_names(ctx: TenantContext, alerts: list[Alert]) -> dict[uuid.UUID, str]:
    ids = {a.rule_id for a in alerts}
    return {
        rule_id: rule.name
        for rule_id in ids
        if (rule := ctx.session.get(AlertRule, rule_id)) is not None
    }


def delivery_out(delivery: AlertDelivery, attempts: list[AttemptOut]) -> DeliveryOut:
    return DeliveryOut(
        id=delivery.id,
        channel_id=delivery.channel_id,
        kind=delivery.kind,
        event_type=delivery.event_type,
        alert_ids=delivery.alert_ids,
        status=delivery.status,
        attempts=delivery.attempts,
        next_attempt_at=delivery.next_attempt_at,
        last_error=delivery.last_error,
        sent_at=delivery.sent_at,
        created_at=delivery.created_at,
        attempt_log=attempts,
    )


@router.get(
    "/api/alerts",
    response_model=Page[AlertOut],
    summary="Alerts, newest first",
    description="`state=open` lists what is firing or acknowledged; `status` one state.",
    responses=problem_responses(401, 403, 422),
)
def list_alerts(
    ctx: CanRead,
    status: Annotated[str | None, Query(pattern="^(firing|acknowledged|resolved)$")] = None,
    state: Annotated[str | None, Query(pattern="^(open|all)$")] = None,
    severity: Annotated[str | None, Query(pattern="^(info|warning|critical)$")] = None,
    rule_id: uuid.UUID | None = None,
    cursor: str | None = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[AlertOut]:
    rows = service.list_alerts(
        ctx.session,
        status=status,
        severity=severity,
        rule_id=rule_id,
        open_only=state == "open",
        before_id=cursor_id(cursor),
        limit=limit + 1,
    )
    names = _rule_names(ctx, rows)
    return page_of(rows, limit, lambda a: alert_out(a, names), lambda a: {"id": str(a.id)})


@router.get(
    "/api/alerts/counts",
    response_model=AlertCounts,
    summary="How many alerts are firing and acknowledged",
    responses=problem_responses(401, 403),
)
def alert_counts(ctx: CanRead) -> AlertCounts:
    return AlertCounts(**service.count_open(ctx.session))


@router.get(
    "/api/alerts/{alert_id}",
    response_model=AlertOut,
    summary="One alert",
    responses=problem_responses(401, 403, 404),
)
def get_alert(alert_id: uuid.UUID, ctx: CanRead) -> AlertOut:
    alert = service.get_alert(ctx.session, alert_id)
    return alert_out(alert, _rule_names(ctx, [alert]))


@router.get(
    "/api/alerts/{alert_id}/deliveries",
    response_model=list[DeliveryOut],
    summary="Where the alert was sent, with every attempt",
    responses=problem_responses(401, 403, 404),
)
def alert_deliveries(alert_id: uuid.UUID, ctx: CanRead) -> list[DeliveryOut]:
    service.get_alert(ctx.session, alert_id)
    rows = service.deliveries_of_alert(ctx.session, alert_id)
    attempts = service.attempts_of(ctx.session, [d.id for d in rows])
    return [delivery_out(d, [AttemptOut.model_validate(a) for a in attempts[d.id]]) for d in rows]


@router.post(
    "/api/alerts/{alert_id}/acknowledge",
    name="alert.acknowledge",
    response_model=AlertOut,
    summary="Acknowledge: someone is on it (escalation and repeats stop)",
    responses=problem_responses(401, 403, 404, 409),
)
def acknowledge(alert_id: uuid.UUID, ctx: CanWrite) -> AlertOut:
    alert = service.acknowledge(
        ctx.session, ctx.org.id, service.get_alert(ctx.session, alert_id), ctx.actor
    )
    return alert_out(alert, _rule_names(ctx, [alert]))


@router.post(
    "/api/alerts/{alert_id}/resolve",
    name="alert.resolve",
    response_model=AlertOut,
    summary="Resolve (dismiss): the same condition stays quiet until it changes",
    responses=problem_responses(401, 403, 404),
)
def resolve(alert_id: uuid.UUID, ctx: CanWrite) -> AlertOut:
    alert = service.resolve(
        ctx.session, ctx.org.id, service.get_alert(ctx.session, alert_id), ctx.actor
    )
    return alert_out(alert, _rule_names(ctx, [alert]))


@router.get(
    "/api/in-app-notifications",
    response_model=InAppFeed,
    summary="The in-app feed (the dashboard's bell), newest first, with the unread count",
    responses=problem_responses(401, 403, 422),
)
def in_app_feed(ctx: CanRead, cursor: str | None = None, limit: Limit = 20) -> InAppFeed:
    user_id = ctx.principal.user_id
    seen = inapp.seen_at(ctx.session, user_id)
    rows = inapp.feed(ctx.session, before_id=cursor_id(cursor), limit=limit + 1)
    page = page_of(
        rows,
        limit,
        lambda n: InAppOut.model_validate(n).model_copy(update={"unread": n.created_at > seen}),
        lambda n: {"id": str(n.id)},
    )
    return InAppFeed(
        unread=inapp.unread(ctx.session, user_id), items=page.items, next_cursor=page.next_cursor
    )


@router.post(
    "/api/in-app-notifications/seen",
    name="in_app.seen",
    response_model=InAppFeed,
    summary="Mark the feed seen (for the caller): the unread count drops to 0",
    responses=problem_responses(401, 403),
)
def mark_seen(ctx: CanRead) -> InAppFeed:
    inapp.mark_seen(ctx.session, ctx.principal.user_id)
    return InAppFeed(unread=0, items=[])
