"""Report schedules: create, list, read, change (pause, resume), delete, send now."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, status

from finsight.api.deps import TenantContext, tenant
from finsight.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, cursor_id, page_of
from finsight.api.problems import problem_responses
from finsight.reports import delivery, schedules
from finsight.reports.models import ReportSchedule
from finsight.reports.orgs import OrgProfile, org_profile
from finsight.reports.schemas import (
    DeliveryOut,
    RunOut,
    ScheduleIn,
    ScheduleOut,
    ScheduleUpdate,
)

router = APIRouter(prefix="/api/report-schedules", tags=["report-schedules"])

CanRead = Annotated[TenantContext, tenant("reports:read")]
CanWrite = Annotated[TenantContext, tenant("reports:write")]


def _shaped(
    ctx: TenantContext, rows: list[ReportSchedule], profile: OrgProfile
) -> list[ScheduleOut]:
    ids = [row.id for row in rows]
    runs = schedules.last_runs(ctx.session, ids)
    latest = schedules.last_deliveries(ctx.session, ids)
    states = delivery.outbox_states([d.outbox_id for ds in latest.values() for d in ds])
    out = []
    for row in rows:
        deliveries = []
        for d in latest.get(row.id, []):
            state = states.get(d.outbox_id)
            deliveries.append(
                DeliveryOut(
                    recipient=d.recipient,
                    run_id=d.run_id,
                    status=state.status if state is not None else "pending",
                    attempts=state.attempts if state is not None else 0,
                    error=state.last_error if state is not None else None,
                    queued_at=d.queued_at,
                    sent_at=state.sent_at if state is not None else None,
                )
            )
        run = runs.get(row.id)
        out.append(
            ScheduleOut(
                id=row.id,
                name=row.name,
                kind=row.kind,
                formats=row.formats,
                cadence=row.cadence,
                period=row.period,
                filters=row.filters,
                recipients=row.recipients,
                status=row.status,
                time_zone=profile.time_zone,
                next_run_at=row.next_run_at,
                last_run_at=row.last_run_at,
                last_error=row.last_error,
                last_run=RunOut.model_validate(run) if run is not None else None,
                last_deliveries=deliveries,
                created_at=row.created_at,
            )
        )
    return out


@router.post(
    "",
    name="report_schedule.create",
    status_code=status.HTTP_201_CREATED,
    response_model=ScheduleOut,
    summary="Create a schedule: a report sent by email on a cadence, in the org's time zone",
    responses=problem_responses(401, 403, 422),
)
def create(body: ScheduleIn, ctx: CanWrite) -> ScheduleOut:
    profile = org_profile(ctx.org.id)
    row = schedules.create_schedule(
        ctx.session, org_id=ctx.org.id, actor=ctx.actor, data=body.as_dict(), zone=profile.zone
    )
    return _shaped(ctx, [row], profile)[0]


@router.get(
    "",
    response_model=Page[ScheduleOut],
    summary="Schedules with their next send, last run and last delivery per recipient",
    responses=problem_responses(401, 403, 422),
)
def list_all(
    ctx: CanRead,
    status_filter: Annotated[Literal["active", "paused"] | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[ScheduleOut]:
    rows = schedules.list_schedules(
        ctx.session, status=status_filter, after=cursor_id(cursor), limit=limit + 1
    )
    page = page_of(rows, limit, lambda row: row, lambda row: {"id": row.id})
    shaped = _shaped(ctx, page.items, org_profile(ctx.org.id))
    return Page(items=shaped, next_cursor=page.next_cursor)


@router.get(
    "/{schedule_id}",
    response_model=ScheduleOut,
    summary="One schedule",
    responses=problem_responses(401, 403, 404),
)
def read(schedule_id: uuid.UUID, ctx: CanRead) -> ScheduleOut:
    row = schedules.get_schedule(ctx.session, schedule_id)
    return _shaped(ctx, [row], org_profile(ctx.org.id))[0]


@router.patch(
    "/{schedule_id}",
    name="report_schedule.update",
    response_model=ScheduleOut,
    summary="Change a schedule; status paused/active pauses or resumes it",
    responses=problem_responses(401, 403, 404, 422),
)
def update(schedule_id: uuid.UUID, body: ScheduleUpdate, ctx: CanWrite) -> ScheduleOut:
    profile = org_profile(ctx.org.id)
    row = schedules.get_schedule(ctx.session, schedule_id)
    schedules.update_schedule(
        ctx.session,
        org_id=ctx.org.id,
        actor=ctx.actor,
        schedule=row,
        data=body.as_dict(),
        zone=profile.zone,
    )
    return _shaped(ctx, [row], profile)[0]


@router.delete(
    "/{schedule_id}",
    name="report_schedule.delete",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a schedule (its reports stay until their retention ends)",
    responses=problem_responses(401, 403, 404),
)
def remove(schedule_id: uuid.UUID, ctx: CanWrite) -> None:
    row = schedules.get_schedule(ctx.session, schedule_id)
    schedules.delete_schedule(ctx.session, org_id=ctx.org.id, actor=ctx.actor, schedule=row)


@router.post(
    "/{schedule_id}/send",
    name="report_schedule.send_now",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=RunOut,
    summary="Send now: a run for the period as of today, outside the cadence",
    responses=problem_responses(401, 403, 404, 503),
)
def send_now(schedule_id: uuid.UUID, ctx: CanWrite) -> RunOut:
    row = schedules.get_schedule(ctx.session, schedule_id)
    run = schedules.send_now(
        ctx.session,
        org_id=ctx.org.id,
        org_slug=ctx.org.slug,
        actor=ctx.actor,
        schedule=row,
        zone=org_profile(ctx.org.id).zone,
    )
    return RunOut.model_validate(run)
