"""A schedule's run: its reports made, and one email per recipient handed to the outbox.

The run row stays locked (FOR UPDATE) in the tenant's transaction for the whole run, so a second
task for the same run waits or leaves. Each recipient's delivery row is written with the outbox
id its message will have; the messages are then written to the platform's outbox (its own
transaction, committed first) under those ids, and a message already there is not written
again. A crash between the two commits repeats the run on redelivery and queues nothing twice.
The outbox sends each message with retries and backoff (finsight.notifications); the schedule
shows each recipient's last delivery as the outbox has it (sent, pending, failed and why).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from html import escape

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from finsight.config import get_settings
from finsight.db import platform_session
from finsight.kit.models import new_id, utcnow
from finsight.notifications.email import Attachment, OutgoingEmail
from finsight.notifications.models import EmailOutbox
from finsight.notifications.service import queue_email
from finsight.reports import build
from finsight.reports.kinds.common import Filters
from finsight.reports.model import KIND_TITLES
from finsight.reports.models import Delivery, Report, ReportFile, ReportSchedule, ScheduleRun
from finsight.reports.orgs import OrgProfile
from finsight.reports.periods import resolve
from finsight.reports.schedules import Recipient
from finsight.reports.service import new_report, store

EMAIL_KIND = "report"


def _reports(
    session: Session, run: ScheduleRun, schedule: ReportSchedule, profile: OrgProfile
) -> list[Report]:
    """The run's reports, one per format; made once (a repeated run finds them)."""
    made = {
        r.format: r
        for r in session.scalars(select(Report).where(Report.run_id == run.id))
        if r.status == "succeeded"
    }
    missing = [f for f in schedule.formats if f not in made]
    if missing:
        period = resolve(
            {
                "type": "range",
                "from": run.period_start.isoformat(),
                "to": run.period_end.isoformat(),
            },
            run.period_start,
        )
        relative = resolve(
            {"type": "relative", "name": schedule.period},
            run.scheduled_for.astimezone(profile.zone).date(),
        )
        # The label of the relative period ("2026-03"), the dates of the run.
        period = type(period)(
            relative.label, period.buckets, period.previous_buckets, relative.spec
        )
        filters = Filters.parse(schedule.filters)
        doc = build.document(
            session, kind=schedule.kind, period=period, filters=filters, organization=profile.name
        )
        for fmt in missing:
            report = new_report(
                schedule.kind, fmt, period, filters, schedule_id=schedule.id, run_id=run.id
            )
            session.add(report)
            session.flush()
            store(session, report, build.render(doc, fmt))
            made[fmt] = report
    return [made[f] for f in schedule.formats if f in made]


def _summary_lines(report: Report) -> list[str]:
    lines = []
    for figure in report.summary:
        currency = f" {figure['currency']}" if figure.get("currency") else ""
        change = figure.get("change_percent")
        after = f" ({change}% vs previous period)" if change is not None else ""
        lines.append(f"{figure['label']}: {figure['value']}{currency}{after}")
    return lines


def compose(
    schedule: ReportSchedule,
    reports: list[Report],
    files: dict[uuid.UUID, bytes],
    profile: OrgProfile,
    to: str,
) -> OutgoingEmail:
    """The message: a short text and HTML summary, and the files attached, or linked when
    together they pass REPORTS_ATTACHMENT_MAX_BYTES."""
    settings = get_settings()
    first = reports[0]
    title = KIND_TITLES[schedule.kind]
    subject = f"{profile.name}: {title}, {first.period_label}"
    total = sum(len(files[r.id]) for r in reports)
    attach = total <= settings.reports_attachment_max_bytes
    base = settings.public_web_url.rstrip("/")
    links = [(r.filename or r.format, f"{base}/reports/{r.id}/download") for r in reports]
    lines = _summary_lines(first)
    text = [
        f"{title} for {profile.name}, {first.period_label} "
        f"({first.period_start} to {first.period_end}).",
        "",
        *lines,
        "",
    ]
    if attach:
        text.append("The report is attached: " + ", ".join(r.filename or "" for r in reports))
    else:
        text.append("The files are too large to attach; download them (sign-in required):")
        text += [f"- {name}: {url}" for name, url in links]
    text += ["", f"Schedule: {schedule.name}. Change or pause it under Reports > Schedules."]
    html_lines = "".join(f"<li>{escape(line)}</li>" for line in lines)
    files_html = (
        "<p>The report is attached.</p>"
        if attach
        else "<p>The files are too large to attach: "
        + ", ".join(f'<a href="{escape(url)}">{escape(name)}</a>' for name, url in links)
        + " (sign-in required).</p>"
    )
    html = (
        f'<h1 style="font-size:18px">{escape(title)}</h1>'
        f"<p>{escape(profile.name)}, {escape(first.period_label or '')} "
        f"({first.period_start} to {first.period_end})</p><ul>{html_lines}</ul>{files_html}"
        f'<p style="color:#55606e">Schedule: {escape(schedule.name)}.</p>'
    )
    attachments = (
        [
            Attachment(
                r.filename or r.format, files[r.id], r.mime_type or "application/octet-stream"
            )
            for r in reports
        ]
        if attach
        else []
    )
    return OutgoingEmail(
        to=to, subject=subject, text="\n".join(text), html=html, attachments=attachments
    )


def execute(
    session: Session,
    *,
    org_id: uuid.UUID,
    run_id: uuid.UUID,
    profile: OrgProfile,
    recipients: Callable[[ReportSchedule], list[Recipient]],
) -> str:
    """Make the run's reports and queue its messages; returns the run's status after."""
    run = session.scalar(
        select(ScheduleRun).where(ScheduleRun.id == run_id).with_for_update(skip_locked=True)
    )
    if run is None:
        return "busy-or-missing"
    if run.status in ("sent", "failed"):
        return run.status
    schedule = session.get(ReportSchedule, run.schedule_id)
    assert schedule is not None
    if schedule.deleted_at is not None:
        run.status, run.error, run.finished_at = "failed", "the schedule was deleted", utcnow()
        return run.status
    run.status = "running"
    reports = _reports(session, run, schedule, profile)
    files = dict(
        session.execute(
            select(ReportFile.report_id, ReportFile.content).where(
                ReportFile.report_id.in_([r.id for r in reports])
            )
        ).all()
    )
    for recipient in recipients(schedule):
        session.execute(
            insert(Delivery)
            .values(
                id=new_id(),
                run_id=run.id,
                schedule_id=schedule.id,
                recipient=recipient.email,
                outbox_id=new_id(),
            )
            .on_conflict_do_nothing(index_elements=["run_id", "recipient"])
        )
    deliveries = list(session.scalars(select(Delivery).where(Delivery.run_id == run.id)))
    with platform_session() as platform:
        for delivery in deliveries:
            if delivery.queued_at is None:
                message = compose(schedule, reports, files, profile, delivery.recipient)
                queue_email(
                    platform, message, kind=EMAIL_KIND, org_id=org_id, outbox_id=delivery.outbox_id
                )
    now = utcnow()
    for delivery in deliveries:
        delivery.queued_at = delivery.queued_at or now
    run.status, run.finished_at = "sent", now
    schedule.last_run_at, schedule.last_error = now, None
    return run.status


def fail(session: Session, run_id: uuid.UUID, error: str) -> None:
    run = session.get(ScheduleRun, run_id)
    if run is None or run.status in ("sent", "failed"):
        return
    run.status, run.error, run.finished_at = "failed", error[:1000], utcnow()
    schedule = session.get(ReportSchedule, run.schedule_id)
    if schedule is not None:
        schedule.last_error = f"run {run.id} failed: {error[:500]}"


def outbox_states(outbox_ids: list[uuid.UUID]) -> dict[uuid.UUID, EmailOutbox]:
    """What the outbox knows of each message: its status, attempts, last error."""
    if not outbox_ids:
        return {}
    with platform_session() as session:
        rows = session.scalars(select(EmailOutbox).where(EmailOutbox.id.in_(outbox_ids)))
        out = {row.id: row for row in rows}
        session.expunge_all()
        return out
