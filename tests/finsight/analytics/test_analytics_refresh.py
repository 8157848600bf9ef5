"""The daily refresh: an organization whose analytics have not run for a day gets an "all" run,
once, audited; one with nothing to analyse, or analytics turned off, gets none."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select, text, update

from finsight.analytics import service as analytics_service
from finsight.analytics import tasks as analytics_tasks
from finsight.analytics.models import AnalyticsRun
from finsight.audit.models import AuditEntry
from finsight.config import get_settings
from finsight.db import platform_session
from finsight.tenancy import tenant_session

from support.accounts import make_account
from support.api import create_org
from support.ledger import insert_transactions
from support.merchants import org_id

pytestmark = pytest.mark.integration


@pytest.fixture
def sent(test_env, unique_slug: str, monkeypatch) -> Iterator[list[dict[str, Any]]]:
    """What the refresh would send to the tenants' queues (no worker runs these runs). The
    refresh sees only this test's organizations: the other tests' are theirs to run."""
    every = analytics_tasks.live_tenants
    monkeypatch.setattr(
        analytics_tasks,
        "live_tenants",
        lambda: [(i, slug) for i, slug in every() if slug.startswith(unique_slug)],
    )
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(
        analytics_service,
        "enqueue_after_commit",
        lambda session, task, slug, **kwargs: calls.append({"slug": slug, **kwargs}),
    )
    yield calls


def _runs(slug: str) -> list[AnalyticsRun]:
    with tenant_session(slug) as session:
        runs = list(session.scalars(select(AnalyticsRun).order_by(AnalyticsRun.created_at)))
        session.expunge_all()
    return runs


def test_a_day_without_a_run_brings_one_and_only_one(sent, unique_slug: str):
    busy, empty = unique_slug, f"{unique_slug}-e"
    create_org(busy)
    create_org(empty)
    account = make_account(busy)
    insert_transactions(
        busy, account, [{"day": date(2026, 1, 5), "amount": "-9.99", "description": "NETFLIX"}]
    )

    analytics_tasks.refresh_analytics()
    (run,) = _runs(busy)
    assert (run.kind, run.status, run.parameters["trigger"]) == ("all", "queued", "schedule")
    assert [c["run_id"] for c in sent if c["slug"] == busy] == [str(run.id)]
    assert _runs(empty) == []  # nothing to analyse
    with platform_session() as session:
        actors = session.scalars(
            select(AuditEntry.actor_email).where(
                AuditEntry.org_id == org_id(busy), AuditEntry.action == "analytics.run.create"
            )
        ).all()
    assert actors == ["worker:scheduler"]

    # Queued (or running): never a second one.
    analytics_tasks.refresh_analytics()
    assert len(_runs(busy)) == 1
    # Finished an hour ago: not due yet.
    with tenant_session(busy) as session:
        session.execute(update(AnalyticsRun).values(status="succeeded"))
    analytics_tasks.refresh_analytics()
    assert len(_runs(busy)) == 1
    # Over a day ago: due.
    with tenant_session(busy) as session:
        session.execute(
            update(AnalyticsRun).values(created_at=func.now() - text("interval '25 hours'"))
        )
    analytics_tasks.refresh_analytics()
    assert [r.parameters["trigger"] for r in _runs(busy)] == ["schedule", "schedule"]


def test_turned_off_it_starts_nothing(sent, unique_slug: str, monkeypatch):
    create_org(unique_slug)
    account = make_account(unique_slug)
    insert_transactions(
        unique_slug,
        account,
        [{"day": date(2026, 1, 5), "amount": "-9.99", "description": "NETFLIX"}],
    )
    for name, value in (("ANALYTICS_REFRESH_HOURS", "0"), ("ENABLE_ANALYTICS", "false")):
        monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        try:
            assert analytics_tasks.refresh_analytics() == 0
        finally:
            monkeypatch.delenv(name)
            get_settings.cache_clear()
    assert _runs(unique_slug) == []
