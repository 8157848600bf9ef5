"""Celery tasks of alerting: evaluate rules (rows landed, domain events, beat), send deliveries,
and the beat's sweep (lost or due deliveries, escalation, repeats)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from finsight.alerts.delivery import deliver, due_deliveries
from finsight.alerts.directory import org_profile
from finsight.alerts.domain import (
    DELIVER_TASK,
    EVALUATE_DUE_TASK,
    EVALUATE_TASK,
    ON_EVENT_TASK,
    ROWS_LANDED_TASK,
    SWEEP_TASK,
)
from finsight.alerts.evaluation import any_firing, evaluate_and_notify, follow_up_alerts
from finsight.alerts.rules import AFTER_ANALYTICS, EVENT_KINDS, ON_BEAT, ON_ROWS
from finsight.kit.models import utcnow
from finsight.observability.logging import get_logger
from finsight.tenancy import TenantNames, tenant_unit
from finsight.worker.app import bind, celery_app
from finsight.worker.queues import live_tenants

log = get_logger(__name__)
# A delivery whose task should have run by now (sent at commit) is sent again after this.
LOST_TASK_GRACE = timedelta(seconds=60)
# Retries due sooner than this wait in their task (countdown); later ones for the sweep.
COUNTDOWN_LIMIT_SECONDS = 300


def _evaluate(org_slug: str, kinds: tuple[str, ...], event: dict[str, Any] | None = None) -> int:
    with tenant_unit(org_slug) as unit:
        outcomes, _ = evaluate_and_notify(
            unit.session, org_profile(unit.org_id), kinds, event=event
        )
    return sum(len(o.fired) for o in outcomes.values())


def on_rows_landed(
    org_slug: str,
    source: str,
    account_ids: list[str],
    rows: int,
    first_date: str | None,
    source_id: str | None,
) -> int:
    """Rows landed (the ledger's event): balances, large transactions, budgets, the pile of
    uncategorized rows. How many alerts fired."""
    return _evaluate(org_slug, ON_ROWS)


def on_event(org_slug: str, kind: str, subject_id: str | None, data: dict[str, Any]) -> int:
    """A domain event: after an analytics run, the rules that read its results; a failed
    import or bank sync, or a connection's state, the rules of that kind."""
    if kind == "analytics.run.finished":
        if data.get("status") != "succeeded":
            return 0
        return _evaluate(org_slug, AFTER_ANALYTICS)
    rule_kind = EVENT_KINDS.get(kind)
    if rule_kind is None:
        return 0
    event = {"kind": kind, "subject_id": subject_id, "data": data}
    return _evaluate(org_slug, (rule_kind,), event)


def evaluate(org_slug: str, kinds: list[str] | None = None) -> int:
    """Evaluate the given kinds (default: the time-based ones) now."""
    return _evaluate(org_slug, tuple(kinds or ON_BEAT))


def deliver_task(self: Any, org_slug: str, delivery_id: str) -> str:
    row = deliver(org_slug, uuid.UUID(delivery_id))
    if row is None:
        return "busy"  # another worker holds it (or it is gone)
    if row.status == "pending":
        wait = (row.next_attempt_at - utcnow()).total_seconds()
        if wait <= COUNTDOWN_LIMIT_SECONDS:
            raise self.retry(countdown=max(wait, 0.5))
        return "waiting"  # the sweep sends it when due
    return row.status


def sweep() -> int:
    """Every organization: send deliveries that are due (a retry's time has come, or a task was
    lost), and follow up on unacknowledged alerts (escalation, windows, repeats)."""
    app = bind()
    sent = 0
    now = utcnow()
    for org_id, slug in live_tenants():
        try:
            with tenant_unit(slug) as unit:
                due = due_deliveries(unit.session, now, LOST_TASK_GRACE)
                # The organization's profile (a platform query) only where something fires.
                if any_firing(unit.session):
                    follow_up_alerts(unit.session, org_profile(org_id), now=now)
        except Exception:  # one organization's trouble must not stop the others
            log.exception("alerts.sweep.failed", org=slug)
            continue
        queue = TenantNames.for_slug(slug).queue
        for delivery_id in due:
            app.send_task(
                DELIVER_TASK,
                kwargs={"org_slug": slug, "delivery_id": str(delivery_id)},
                queue=queue,
            )
            sent += 1
    return sent


def evaluate_due() -> int:
    """Send every organization's time-based evaluation to its own queue."""
    app = bind()
    tenants = live_tenants()
    for _, slug in tenants:
        app.send_task(
            EVALUATE_TASK, kwargs={"org_slug": slug}, queue=TenantNames.for_slug(slug).queue
        )
    return len(tenants)


rows_landed_job = celery_app.task(name=ROWS_LANDED_TASK)(on_rows_landed)
on_event_job = celery_app.task(name=ON_EVENT_TASK)(on_event)
evaluate_job = celery_app.task(name=EVALUATE_TASK)(evaluate)
deliver_job = celery_app.task(name=DELIVER_TASK, bind=True, max_retries=None)(deliver_task)
sweep_job = celery_app.task(name=SWEEP_TASK)(sweep)
evaluate_due_job = celery_app.task(name=EVALUATE_DUE_TASK)(evaluate_due)
