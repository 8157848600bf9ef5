"""ENABLE_ANALYTICS=false: no analytics routes, imports still work and queue no run."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from finsight.analytics import service as analytics_service
from finsight.analytics.domain import ROWS_LANDED_TASK
from finsight.analytics.models import AnalyticsRun
from finsight.analytics.tasks import on_rows_landed
from finsight.app import create_app
from finsight.cli import app as cli_app
from finsight.config import get_settings
from finsight.db import platform_session
from finsight.ingestion import pipeline
from finsight.ingestion import service as ingestion_service
from finsight.ingestion.service import ImportRequest, create_import
from finsight.kit.identity import Actor
from finsight.ledger import events as ledger_events
from finsight.organizations.service import get_organization
from finsight.tenancy import tenant_session

from support.accounts import make_account
from support.api import create_org
from support.statements import chase_card

pytestmark = pytest.mark.integration


def _analytics_paths() -> set[str]:
    return {path for path in create_app().openapi()["paths"] if path.startswith("/api/analytics")}


async def _status_of(path: str) -> int:
    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        return (await http.get(path)).status_code


@pytest.fixture
def analytics_off(test_env, monkeypatch) -> Iterator[None]:
    monkeypatch.setenv("ENABLE_ANALYTICS", "false")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def test_the_router_is_mounted_only_when_enabled(test_env, monkeypatch):
    assert "/api/analytics/runs" in _analytics_paths()
    monkeypatch.setenv("ENABLE_ANALYTICS", "false")
    get_settings.cache_clear()
    try:
        assert _analytics_paths() == set()
        # On a thread of its own: another test's browser may leave this thread's loop running.
        with ThreadPoolExecutor(1) as pool:
            status = pool.submit(asyncio.run, _status_of("/api/analytics/recurring")).result()
        assert status == 404
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


def _import(slug: str, monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """Run one import's task body in this process, then the "rows landed" subscribers it sent;
    returns the analytics runs those queued."""
    # This test runs the import itself: no worker of this session may take it as well.
    monkeypatch.setattr(ingestion_service, "enqueue_after_commit", lambda *a, **k: None)
    events: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(
        ledger_events,
        "enqueue_after_commit",
        lambda _s, task, _slug, **kw: events.append((task, kw)),
    )
    sent: list[tuple[Any, ...]] = []
    monkeypatch.setattr(analytics_service, "enqueue_after_commit", lambda *a, **k: sent.append(a))
    create_org(slug)
    account = make_account(slug)
    with platform_session() as session:
        org_id = get_organization(session, slug).id
    statement = chase_card([("01/15/2024", "STARBUCKS STORE 123", "Food & Drink", "-4.50")])
    with tenant_session(slug) as session:
        request = ImportRequest(account_id=account, filename="s.csv", content=statement)
        batch_id = create_import(
            session, request, org_id=org_id, org_slug=slug, actor=Actor.system("t")
        ).id
    assert pipeline.run_import(slug, batch_id) == "succeeded"
    # Analytics' subscription (alerts subscribe too, and are not this test's concern).
    for task, payload in events:
        if task != ROWS_LANDED_TASK:
            continue
        on_rows_landed(slug, **payload)
        on_rows_landed(slug, **payload)  # a redelivered event starts no second run
    return sent


def test_imports_queue_a_run_when_enabled(test_env, unique_slug, monkeypatch):
    sent = _import(unique_slug, monkeypatch)
    assert len(sent) == 1 and sent[0][1] == analytics_service.RUN_ANALYTICS_TASK
    with tenant_session(unique_slug) as session:
        run = session.scalars(select(AnalyticsRun)).one()
    assert (run.kind, run.status, run.parameters["trigger"]) == ("all", "queued", "import")


def test_imports_work_and_queue_nothing_when_disabled(analytics_off, unique_slug, monkeypatch):
    assert _import(unique_slug, monkeypatch) == []
    with tenant_session(unique_slug) as session:
        assert session.scalar(select(func.count()).select_from(AnalyticsRun)) == 0
    for command in ("run", "runs"):
        refused = CliRunner().invoke(cli_app, ["analytics", command, "--org", unique_slug])
        assert refused.exit_code == 1 and "ENABLE_ANALYTICS=false" in refused.stderr, command
