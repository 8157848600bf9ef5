"""Report schedules: create, change, pause, delete, "send now", and the beat's question "which
schedules are due?". Never commits.

A due schedule gets a run row for its slot (the instant it was due) under a unique index, in
the same transaction that moves `next_run_at` on: whichever beat (or retry, or restarted
process) inserts first sends, the others find the row and send nothing (delivery.py).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from finsight.audit.service import record_change
from finsight.config import get_settings
from finsight.db import platform_session
from finsight.errors import InvalidInput, NotFound
from finsight.kit.identity import Actor
from finsight.kit.models import new_id, utcnow
from finsight.organizations.models import Membership
from finsight.reports import build, cadence
from finsight.reports.domain import RUN_SCHEDULE_TASK
from finsight.reports.kinds.common import Filters
from finsight.reports.models import Delivery, ReportSchedule, ScheduleRun
from finsight.reports.periods import RELATIVE, resolve
from finsight.reports.service import check_filters
from finsight.users.models import User

MAX_RECIPIENTS = 50
ZONE_KEY = "time_zone"
FIELDS = ("name", "kind", "formats", "cadence", "period", "filters", "recipients", "status")


@dataclass(frozen=True)
class Recipient:
    email: str
    user_id: uuid.UUID | None = None


def _recipients(org_id: uuid.UUID, raw: Any) -> list[dict[str, str]]:
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_RECIPIENTS:
        raise InvalidInput(
            f"recipients must list 1 to {MAX_RECIPIENTS} members or addresses", field="recipients"
        )
    out: list[dict[str, str]] = []
    member_ids: list[uuid.UUID] = []
    for index, item in enumerate(raw):
        field = f"recipients[{index}]"
        if not isinstance(item, dict) or len(item) != 1 or not {"user_id", "email"} & set(item):
            raise InvalidInput(f"{field} must be {{user_id}} or {{email}}", field=field)
        if "email" in item:
            try:
                # Reserved test domains (example.test) pass outside production: dev and tests.
                address = validate_email(
                    str(item["email"]),
                    check_deliverability=False,
                    test_environment=get_settings().environment != "production",
                )
            except EmailNotValidError as exc:
                raise InvalidInput(f"{field}: {exc}", field=f"{field}.email") from exc
            out.append({"email": address.normalized})
            continue
        try:
            member = uuid.UUID(str(item["user_id"]))
        except ValueError as exc:
            raise InvalidInput(f"{field}.user_id is not an id", field=f"{field}.user_id") from exc
        member_ids.append(member)
        out.append({"user_id": str(member)})
    if member_ids:
        known = set(member_emails(org_id, member_ids))
        for index, item in enumerate(out):
            if "user_id" in item and uuid.UUID(item["user_id"]) not in known:
                raise InvalidInput(
                    f"{item['user_id']} is not a member of this organization",
                    field=f"recipients[{index}].user_id",
                )
    return out


def member_emails(org_id: uuid.UUID, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Members' addresses (active users of this organization only)."""
    with platform_session() as session:
        rows = session.execute(
            select(User.id, User.email)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.org_id == org_id,
                User.id.in_(user_ids),
                User.deleted_at.is_(None),
                User.is_active.is_(True),
            )
        )
        return {user_id: email for user_id, email in rows}


def resolve_recipients(org_id: uuid.UUID, schedule: ReportSchedule) -> list[Recipient]:
    ids = [uuid.UUID(r["user_id"]) for r in schedule.recipients if "user_id" in r]
    emails = member_emails(org_id, ids) if ids else {}
    found: dict[str, Recipient] = {}
    for item in schedule.recipients:
        if "email" in item:
            found.setdefault(item["email"].lower(), Recipient(item["email"]))
        elif (user := uuid.UUID(item["user_id"])) in emails:
            found.setdefault(emails[user].lower(), Recipient(emails[user], user))
    return list(found.values())


def _checked(
    session: Session, org_id: uuid.UUID, data: dict[str, Any], current: ReportSchedule | None
) -> dict[str, Any]:
    """The fields given, validated; with `current` (an update), missing ones are kept."""
    out: dict[str, Any] = {}
    if "name" in data or current is None:
        name = str(data.get("name") or "").strip()
        if not 1 <= len(name) <= 200:
            raise InvalidInput("name must be 1 to 200 characters", field="name")
        out["name"] = name
    if "kind" in data or current is None:
        out["kind"] = build.check_kind(str(data.get("kind")))
    if "formats" in data or current is None:
        formats = data.get("formats")
        if not isinstance(formats, list) or not formats:
            raise InvalidInput("formats must list at least one format", field="formats")
        out["formats"] = sorted({build.check_format(str(f), "formats") for f in formats})
    if "cadence" in data or current is None:
        cadence.expression(data.get("cadence"))  # type: ignore[arg-type]
        out["cadence"] = dict(data["cadence"])
    if "period" in data or current is None:
        if data.get("period") not in RELATIVE:
            raise InvalidInput(f"period must be one of: {', '.join(RELATIVE)}", field="period")
        out["period"] = data["period"]
    if "filters" in data:
        filters = Filters.parse(data.get("filters"))
        check_filters(session, filters)
        out["filters"] = filters.as_json()
    if "recipients" in data or current is None:
        out["recipients"] = _recipients(org_id, data.get("recipients"))
    if "status" in data:
        if data["status"] not in ("active", "paused"):
            raise InvalidInput("status must be active or paused", field="status")
        out["status"] = data["status"]
    return out


def create_schedule(
    session: Session,
    *,
    org_id: uuid.UUID,
    actor: Actor,
    data: dict[str, Any],
    zone: ZoneInfo,
    now: datetime | None = None,
) -> ReportSchedule:
    values = _checked(session, org_id, data, None)
    schedule = ReportSchedule(
        created_by=actor.user_id, **{"filters": {}, "status": "active", **values}
    )
    _plan(schedule, zone, now or utcnow())
    session.add(schedule)
    session.flush()
    record_change(
        session, org_id=org_id, actor=actor, action="report_schedule.create", target=schedule
    )
    return schedule


def update_schedule(
    session: Session,
    *,
    org_id: uuid.UUID,
    actor: Actor,
    schedule: ReportSchedule,
    data: dict[str, Any],
    zone: ZoneInfo,
    now: datetime | None = None,
) -> ReportSchedule:
    unknown = set(data) - set(FIELDS)
    if unknown:
        name = sorted(unknown)[0]
        raise InvalidInput(f"unknown field {name!r}", field=name)
    values = _checked(session, org_id, data, schedule)
    changed = [k for k, v in values.items() if getattr(schedule, k) != v]
    for key, value in values.items():
        setattr(schedule, key, value)
    if {"cadence", "status"} & set(changed):
        _plan(schedule, zone, now or utcnow())
    record_change(
        session,
        org_id=org_id,
        actor=actor,
        action="report_schedule.update",
        target=schedule,
        changed=changed,
    )
    return schedule


def replan(schedule: ReportSchedule, zone: ZoneInfo, now: datetime) -> None:
    """After the organization's time zone changed: the next send in the new zone."""
    _plan(schedule, zone, now)


def _plan(schedule: ReportSchedule, zone: ZoneInfo, now: datetime) -> None:
    active = schedule.status == "active" and schedule.deleted_at is None
    schedule.next_run_at = cadence.next_after(schedule.cadence, zone, now) if active else None
    # The zone the next send was computed in: when the organization's time zone changes, the
    # dispatcher computes it again in the new one (replan_moved_zone).
    schedule.extra = {**(schedule.extra or {}), ZONE_KEY: zone.key}


def replan_moved_zone(session: Session, zone: ZoneInfo, now: datetime) -> int:
    """Active schedules planned in another time zone than the organization's now: their next
    send computed again in its zone, from now. Returns how many moved."""
    moved = session.scalars(
        select(ReportSchedule).where(
            ReportSchedule.status == "active",
            ReportSchedule.deleted_at.is_(None),
            ReportSchedule.extra[ZONE_KEY].astext.is_distinct_from(zone.key),
        )
    ).all()
    for schedule in moved:
        _plan(schedule, zone, now)
    return len(moved)


def delete_schedule(
    session: Session, *, org_id: uuid.UUID, actor: Actor, schedule: ReportSchedule
) -> None:
    schedule.deleted_at, schedule.next_run_at = utcnow(), None
    record_change(
        session, org_id=org_id, actor=actor, action="report_schedule.delete", target=schedule
    )


def get_schedule(session: Session, schedule_id: uuid.UUID) -> ReportSchedule:
    schedule = session.get(ReportSchedule, schedule_id)
    if schedule is None or schedule.deleted_at is not None:
        raise NotFound(f"no report schedule {schedule_id}")
    return schedule


def list_schedules(
    session: Session, *, status: str | None, after: uuid.UUID | None, limit: int
) -> list[ReportSchedule]:
    query = select(ReportSchedule).where(ReportSchedule.deleted_at.is_(None))
    if status:
        query = query.where(ReportSchedule.status == status)
    if after:
        query = query.where(ReportSchedule.id > after)
    return list(session.scalars(query.order_by(ReportSchedule.id).limit(limit)))


def _run_values(schedule: ReportSchedule, slot: datetime, zone: ZoneInfo) -> dict[str, Any]:
    period = resolve({"type": "relative", "name": schedule.period}, slot.astimezone(zone).date())
    return {
        "id": new_id(),
        "schedule_id": schedule.id,
        "scheduled_for": slot,
        "period_start": period.start,
        "period_end": period.end,
    }


def send_now(
    session: Session,
    *,
    org_id: uuid.UUID,
    org_slug: str,
    actor: Actor,
    schedule: ReportSchedule,
    zone: ZoneInfo,
) -> ScheduleRun:
    """A run outside the cadence (trigger "manual": not one of the schedule's slots)."""
    run = ScheduleRun(trigger="manual", **_run_values(schedule, utcnow(), zone))
    session.add(run)
    session.flush()
    record_change(
        session,
        org_id=org_id,
        actor=actor,
        action="report_schedule.send_now",
        target=schedule,
        details={"run_id": str(run.id)},
    )
    from finsight.worker.enqueue import enqueue_after_commit

    enqueue_after_commit(session, RUN_SCHEDULE_TASK, org_slug, run_id=str(run.id))
    return run


def claim_due(session: Session, zone: ZoneInfo, now: datetime) -> list[uuid.UUID]:
    """Runs for every active schedule due at `now`, each created once per slot; returns the
    ids of the runs this call created (the caller sends their tasks after commit).

    Slots missed while no beat ran are not caught up one by one: the schedule sends once for
    the latest and moves on to its next slot after `now`."""
    replan_moved_zone(session, zone, now)
    due = session.scalars(
        select(ReportSchedule)
        .where(
            ReportSchedule.status == "active",
            ReportSchedule.deleted_at.is_(None),
            ReportSchedule.next_run_at <= now,
        )
        .with_for_update(skip_locked=True)
    )
    created = []
    for schedule in due:
        assert schedule.next_run_at is not None
        slot = schedule.next_run_at
        run_id = session.scalar(
            insert(ScheduleRun)
            .values(trigger="schedule", status="queued", **_run_values(schedule, slot, zone))
            .on_conflict_do_nothing(
                index_elements=["schedule_id", "scheduled_for"],
                index_where=ScheduleRun.trigger == "schedule",
            )
            .returning(ScheduleRun.id)
        )
        schedule.next_run_at = cadence.next_after(schedule.cadence, zone, max(slot, now))
        if run_id is not None:
            created.append(run_id)
    return created


def last_deliveries(
    session: Session, schedule_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[Delivery]]:
    """Each schedule's latest delivery per recipient."""
    if not schedule_ids:
        return {}
    rows = session.scalars(
        select(Delivery)
        .where(Delivery.schedule_id.in_(schedule_ids))
        .distinct(Delivery.schedule_id, Delivery.recipient)
        .order_by(Delivery.schedule_id, Delivery.recipient, Delivery.created_at.desc())
    )
    out: dict[uuid.UUID, list[Delivery]] = {}
    for row in rows:
        out.setdefault(row.schedule_id, []).append(row)
    return out


def last_runs(session: Session, schedule_ids: list[uuid.UUID]) -> dict[uuid.UUID, ScheduleRun]:
    if not schedule_ids:
        return {}
    rows = session.scalars(
        select(ScheduleRun)
        .where(ScheduleRun.schedule_id.in_(schedule_ids))
        .distinct(ScheduleRun.schedule_id)
        .order_by(ScheduleRun.schedule_id, ScheduleRun.created_at.desc())
    )
    return {row.schedule_id: row for row in rows}
