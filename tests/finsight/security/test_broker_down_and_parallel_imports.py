"""Queuing work when the broker is down, and two imports into one account at once (issue 19,
item 6)."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from finsight.analytics.models import AnalyticsRun
from finsight.config import get_settings
from finsight.embedded import free_port
from finsight.ingestion.models import ImportBatch
from finsight.ingestion.pipeline import run_import
from finsight.tenancy import tenant_session
from finsight.transactions.models import Transaction
from finsight.worker.app import bind, celery_app, transport_options

from support.accounts import make_account
from support.api import Member
from support.processes import ServerProcess, finsight_command
from support.statements import chase_card, generated_chase_card

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def api_without_broker(
    test_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """An api process whose REDIS_URL names a port nobody listens on."""
    closed = free_port()
    env = {**test_env, "REDIS_URL": f"redis://127.0.0.1:{closed}/0"}
    port = free_port()
    server = ServerProcess(
        finsight_command("serve", "api", "--host", "127.0.0.1", "--port", str(port)),
        env=env,
        log_path=Path(tmp_path_factory.mktemp("api-no-broker")) / "api.log",
    )
    url = f"http://127.0.0.1:{port}"
    try:
        server.wait_http(url + "/healthz")
        yield url
    finally:
        server.stop()


def _count(slug: str, model: type) -> int:
    with tenant_session(slug) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_queuing_with_the_broker_down_is_a_quick_503_leaving_nothing(
    api_without_broker: str, owner: Member
):
    account = make_account(owner.org_slug or "")
    slug = owner.org_slug or ""
    statement = chase_card([("01/02/2024", "COFFEE", "Food & Drink", "-4.50")])
    # The request's own timeout is the bound: a retrying publish took 19 s before.
    with httpx.Client(base_url=api_without_broker, timeout=15) as http:
        imported = http.post(
            "/api/imports",
            headers=owner.headers,
            data={"account_id": str(account)},
            files={"file": ("statement.csv", statement, "text/csv")},
        )
        assert imported.status_code == 503, imported.text
        assert imported.json()["code"] == "broker_unavailable"
        run = http.post("/api/analytics/runs", headers=owner.headers, json={"kind": "all"})
        assert run.status_code == 503, run.text
    assert _count(slug, ImportBatch) == 0
    assert _count(slug, AnalyticsRun) == 0


def test_the_redis_visibility_timeout_is_set(test_env: dict[str, str]):
    """Redelivery after a killed worker comes within the timeout (Celery's default: 1 hour)."""
    bind()
    options = celery_app.conf.broker_transport_options
    assert options == transport_options(get_settings())
    assert options["visibility_timeout"] == get_settings().celery_visibility_timeout_seconds <= 120


def test_two_imports_into_one_account_at_once_both_land(
    client: httpx.Client, owner: Member, unique_slug: str
):
    """Overlapping statements imported in parallel: both succeed, no row twice."""
    slug = owner.org_slug or ""
    account = make_account(slug)
    content = generated_chase_card(20_000)
    batches = []
    for _ in range(2):
        response = client.post(
            "/api/imports",
            headers=owner.headers,
            data={"account_id": str(account)},
            files={"file": ("statement.csv", content, "text/csv")},
        )
        assert response.status_code == 202, response.text
        batches.append(response.json()["id"])
    outcomes: dict[str, str] = {}
    start = threading.Barrier(2)

    def run(batch: str) -> None:
        start.wait()
        outcomes[batch] = run_import(slug, uuid.UUID(batch))

    threads = [threading.Thread(target=run, args=(batch,)) for batch in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # A worker of this session may have taken a delivery too: then this run left it to that
    # one ("running"); either way both batches end, and end well.
    assert set(outcomes.values()) <= {"succeeded", "running"}, outcomes
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with tenant_session(slug) as session:
            statuses = list(session.scalars(select(ImportBatch.status)))
        if all(status in ("succeeded", "failed") for status in statuses):
            break
        time.sleep(0.2)
    assert statuses == ["succeeded", "succeeded"], statuses
    with tenant_session(slug) as session:
        stored = session.scalar(
            select(func.count()).select_from(Transaction).where(Transaction.account_id == account)
        )
        found = {b.id: (b.inserted, b.duplicates) for b in session.scalars(select(ImportBatch))}
    assert stored == 20_000
    assert sorted(found.values()) == [(0, 20_000), (20_000, 0)]
