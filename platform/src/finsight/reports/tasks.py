"""Celery tasks of reports: make one report and send one schedule run (tenant queue); the beat's
dispatcher of due schedules and the retention sweeper (default queue)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select

from finsight.config import get_settings
from finsight.db import platform_session
from finsight.kit.models import utcnow
from finsight.observability.logging import get_logger
from finsight.organizations.models import Organization
from finsight.reports import delivery, schedules, service
from finsight.reports.domain import DISPATCH_TASK, GENERATE_TASK, RUN_SCHEDULE_TASK, SWEEP_TASK
from finsight.reports.models import Report, ScheduleRun
from finsight.reports.orgs import OrgProfile, org_profile
from finsight.tenancy import tenant_session, tenant_unit
from finsight.worker.app import celery_app
from finsight.worker.enqueue import enqueue_after_commit
from finsight.worker.requeue import requeue_stale

log = get_logger(__name__)


def generate_report(org_slug: str, report_id: str) -> str:
    """Make one report; a failure is recorded on it (and not retried: it would fail again)."""
    key = uuid.UUID(report_id)
    try:
        with tenant_unit(org_slug) as unit:
            if not service.claim(unit.session, key):
                report = unit.session.get(Report, key)
                return report.status if report is not None else "missing"
            org_id = unit.org_id
        profile = org_profile(org_id)
        with tenant_session(org_slug) as session:
            report = service.generate(session, key, profile.name)
            status = report.status if report is not None else "missing"
    except Exception as exc:  # recorded on the report for the person who asked
        log.exception("reports.generate.failed", org=org_slug, report=report_id)
        with tenant_session(org_slug) as session:
            service.fail(session, key, f"{type(exc).__name__}: {exc}")
        return "failed"
    log.info("reports.generated", org=org_slug, report=report_id, status=status)
    return status


def run_schedule(org_slug: str, run_id: str) -> str:
    key = uuid.UUID(run_id)
    try:
        with tenant_unit(org_slug) as unit:
            org_id = unit.org_id
            profile = org_profile(org_id)
            status = delivery.execute(
                unit.session,
                org_id=org_id,
                run_id=key,
                profile=profile,
                recipients=lambda schedule: schedules.resolve_recipients(org_id, schedule),
            )
    except Exception as exc:
        log.exception("reports.schedule_run.failed", org=org_slug, run=run_id)
        with tenant_session(org_slug) as session:
            delivery.fail(session, key, f"{type(exc).__name__}: {exc}")
        return "failed"
    log.info("reports.schedule_run", org=org_slug, run=run_id, status=status)
    return status


def _tenants() -> list[tuple[str, OrgProfile]]:
    with platform_session() as session:
        rows = session.execute(
            select(Organization.slug, Organization.name, Organization.time_zone)
            .where(Organization.deleted_at.is_(None), Organization.status == "active")
            .order_by(Organization.slug)
        ).all()
    return [(slug, OrgProfile(name, zone or "UTC")) for slug, name, zone in rows]


def dispatch_due() -> int:
    """Create the runs of every due schedule of every live organization and send their tasks;
    resend reports and runs whose task was lost. Returns how many runs were created."""
    now = utcnow()
    created = 0
    for slug, profile in _tenants():
        try:
            with tenant_session(slug) as session:
                for run_id in schedules.claim_due(session, profile.zone, now):
                    enqueue_after_commit(session, RUN_SCHEDULE_TASK, slug, run_id=str(run_id))
                    created += 1
        except Exception:  # one tenant's trouble (being provisioned, say) never stops the rest
            log.exception("reports.dispatch.failed", org=slug)
    cutoff = now - timedelta(seconds=get_settings().reports_stale_seconds)
    requeue_stale(Report, GENERATE_TASK, "report_id", cutoff)
    requeue_stale(ScheduleRun, RUN_SCHEDULE_TASK, "run_id", cutoff)
    return created


def sweep_expired() -> int:
    deleted = 0
    now = utcnow()
    for slug, _ in _tenants():
        try:
            with tenant_session(slug) as session:
                deleted += service.delete_expired(session, now)
        except Exception:
            log.exception("reports.sweep.failed", org=slug)
    if deleted:
        log.info("reports.expired.deleted", count=deleted)
    return deleted


generate_report_job = celery_app.task(name=GENERATE_TASK)(generate_report)
run_schedule_job = celery_app.task(name=RUN_SCHEDULE_TASK)(run_schedule)
dispatch_due_job = celery_app.task(name=DISPATCH_TASK)(dispatch_due)
sweep_expired_job = celery_app.task(name=SWEEP_TASK)(sweep_expired)
