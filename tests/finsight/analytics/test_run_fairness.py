"""Fairness on a shared worker: a long task (an analytics run) takes one of the worker's
long-task slots, one fewer than its processes; with every slot taken, a run goes to the back of
its queue and leaves its process to short work (another organization's import), and runs when
a slot is free again."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from finsight.analytics import service as analytics_service
from finsight.analytics import tasks as analytics_tasks
from finsight.analytics.models import AnalyticsRun
from finsight.db import platform_session
from finsight.kit.identity import Actor
from finsight.organizations.service import get_organization
from finsight.tenancy import tenant_session
from finsight.worker import slots

from support.accounts import make_account
from support.api import create_org
from support.ledger import insert_transactions


def test_slots_are_one_fewer_than_processes_and_never_none() -> None:
    assert [slots.long_slots_for(n) for n in (1, 2, 4)] == [1, 1, 3]


def test_a_taken_slot_is_refused_until_let_go(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(slots.SLOTS_DIR_ENV, raising=False)
    with slots.long_task_slot() as free:
        assert free  # not configured (a task body run directly): no limit
    slots.configure(tmp_path / "slots", 2)
    with slots.long_task_slot() as first, slots.long_task_slot() as second:
        assert first and second
        with slots.long_task_slot() as third:
            assert not third
    with slots.long_task_slot() as again:
        assert again
    monkeypatch.delenv(slots.SLOTS_DIR_ENV)
    monkeypatch.delenv(slots.SLOTS_ENV)


@pytest.mark.integration
def test_a_run_without_a_free_slot_is_deferred_then_runs(
    test_env: dict[str, str], unique_slug: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(analytics_service, "enqueue_after_commit", lambda *a, **k: None)
    create_org(unique_slug)
    account = make_account(unique_slug)
    rows = [
        {
            "day": date(2024, 1, 5) + timedelta(days=30 * i),
            "amount": "-15.49",
            "description": "NETFLIX.COM",
        }
        for i in range(8)
    ]
    insert_transactions(unique_slug, account, rows)
    with platform_session() as session:
        org_id = get_organization(session, unique_slug).id
    with tenant_session(unique_slug) as session:
        run_id = analytics_service.start_run(
            session, "recurring", org_id=org_id, org_slug=unique_slug, actor=Actor.system("tests")
        ).id
    sent: list[dict[str, Any]] = []
    monkeypatch.setattr(
        analytics_tasks,
        "send_task",
        lambda name, slug, **kw: sent.append({"name": name, "slug": slug, **kw}),
    )
    monkeypatch.setenv(slots.SLOTS_DIR_ENV, str(tmp_path))
    monkeypatch.setenv(slots.SLOTS_ENV, "1")
    with slots.long_task_slot() as held:  # another organization's long run holds the slot
        assert held
        assert analytics_tasks.run_analytics(unique_slug, str(run_id)) == "deferred"
    assert sent == [
        {
            "name": analytics_tasks.RUN_ANALYTICS_TASK,
            "slug": unique_slug,
            "countdown": analytics_tasks.DEFER_SECONDS,
            "run_id": str(run_id),
        }
    ]
    with tenant_session(unique_slug) as session:
        run = session.get(AnalyticsRun, run_id)
        assert run is not None and (run.status, run.attempts) == ("queued", 0)
    # The slot is free again: the next delivery runs it.
    assert analytics_tasks.run_analytics(unique_slug, str(run_id)) == "succeeded"
    with tenant_session(unique_slug) as session:
        run = session.get(AnalyticsRun, run_id)
        assert run is not None and run.counts["recurring.streams"] == 1
