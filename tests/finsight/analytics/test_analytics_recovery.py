"""Lost and doubled deliveries of an analytics run: it still finishes exactly once."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text, update

from finsight.analytics import service as analytics_service
from finsight.analytics import tasks as analytics_tasks
from finsight.analytics.models import AnalyticsRun, RecurringStreamRecord
from finsight.db import platform_session
from finsight.kit.identity import Actor
from finsight.organizations.service import get_organization
from finsight.tenancy import tenant_session
from finsight.worker import requeue

from support.accounts import make_account
from support.api import create_org
from support.ledger import insert_transactions

pytestmark = pytest.mark.integration


class _Sender:
    """Stands in for the broker connection: records what the sweeper sends."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def send_task(self, name: str, kwargs: dict[str, Any], queue: str) -> None:
        self.sent.append({"name": name, **kwargs, "queue": queue})


def _queued_run(slug: str, monkeypatch: pytest.MonkeyPatch) -> uuid.UUID:
    """A run recorded as queued whose task was never sent (as if lost after the commit)."""
    monkeypatch.setattr(analytics_service, "enqueue_after_commit", lambda *a, **k: None)
    create_org(slug)
    account = make_account(slug)
    start = date(2024, 1, 5)
    rows = [
        {"day": start + timedelta(days=30 * i), "amount": "-15.49", "description": "NETFLIX.COM"}
        for i in range(8)
    ]
    insert_transactions(slug, account, rows)
    with platform_session() as session:
        org_id = get_organization(session, slug).id
    with tenant_session(slug) as session:
        return analytics_service.start_run(
            session, "recurring", org_id=org_id, org_slug=slug, actor=Actor.system("tests")
        ).id


def _run(slug: str, run_id: uuid.UUID) -> AnalyticsRun:
    with tenant_session(slug) as session:
        run = session.get(AnalyticsRun, run_id)
        assert run is not None
        session.expunge(run)
        return run


def test_the_sweeper_resends_a_lost_run_and_it_finishes_once(test_env, unique_slug, monkeypatch):
    run_id = _queued_run(unique_slug, monkeypatch)
    sender = _Sender()
    monkeypatch.setattr(requeue, "bind", lambda: sender)
    # Not stale yet: nothing is sent.
    analytics_tasks.requeue_stale_analytics()
    assert all(item["run_id"] != str(run_id) for item in sender.sent)

    with tenant_session(unique_slug) as session:
        session.execute(
            update(AnalyticsRun)
            .where(AnalyticsRun.id == run_id)
            .values(created_at=func.now() - text("interval '1 day'"))
        )
    analytics_tasks.requeue_stale_analytics()
    mine = [item for item in sender.sent if item["run_id"] == str(run_id)]
    assert mine == [
        {
            "name": analytics_service.RUN_ANALYTICS_TASK,
            "org_slug": unique_slug,
            "run_id": str(run_id),
            "queue": f"org.{unique_slug}",
        }
    ]

    assert analytics_tasks.run_analytics(unique_slug, str(run_id)) == "succeeded"
    # Delivered again (the broker's redelivery, say): nothing changes.
    assert analytics_tasks.run_analytics(unique_slug, str(run_id)) == "succeeded"
    run = _run(unique_slug, run_id)
    assert (run.status, run.attempts) == ("succeeded", 1)
    with tenant_session(unique_slug) as session:
        assert session.scalar(select(func.count()).select_from(RecurringStreamRecord)) == 1


def test_a_second_delivery_leaves_a_run_being_worked_on_alone(test_env, unique_slug, monkeypatch):
    run_id = _queued_run(unique_slug, monkeypatch)
    # Another worker holds the run (its transaction holds the run's lock).
    with tenant_session(unique_slug) as holder:
        assert analytics_tasks.try_advisory_xact_lock(holder, analytics_tasks._run_lock(run_id))
        assert analytics_tasks.run_analytics(unique_slug, str(run_id)) == "running"
        run = _run(unique_slug, run_id)
        assert (run.status, run.attempts) == ("queued", 0)
    # The holder is gone (its connection dropped the lock): the next delivery takes over.
    assert analytics_tasks.run_analytics(unique_slug, str(run_id)) == "succeeded"
    assert _run(unique_slug, run_id).attempts == 1


def test_a_failing_run_is_recorded_failed_with_its_error(test_env, unique_slug, monkeypatch):
    run_id = _queued_run(unique_slug, monkeypatch)

    def explode(*args: Any, **kwargs: Any) -> dict[str, int]:
        raise RuntimeError("the detector fell over")

    monkeypatch.setattr(analytics_service, "run_recurring", explode)
    assert analytics_tasks.run_analytics(unique_slug, str(run_id)) == "failed"
    run = _run(unique_slug, run_id)
    assert run.status == "failed" and "the detector fell over" in (run.error or "")
    with tenant_session(unique_slug) as session:
        assert session.scalar(select(func.count()).select_from(RecurringStreamRecord)) == 0
