"""A worker killed mid-import: the batch still completes once, with nothing duplicated."""

from __future__ import annotations

import signal
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from finsight.config import get_settings
from finsight.db import platform_session
from finsight.embedded import EmbeddedRedis
from finsight.ingestion.models import ImportBatch
from finsight.ingestion.pipeline import run_import
from finsight.ingestion.service import ImportRequest, create_import
from finsight.ingestion.tasks import requeue_stale_imports
from finsight.kit.identity import Actor
from finsight.organizations.service import get_organization
from finsight.tenancy import tenant_session
from finsight.transactions.models import Transaction
from finsight.worker.app import bind

from support.api import create_org
from support.processes import ServerProcess, finsight_command
from support.statements import generated_chase_card

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROWS = 300_000


def _batch(slug: str, batch_id: uuid.UUID) -> ImportBatch:
    with tenant_session(slug) as session:
        batch = session.get(ImportBatch, batch_id)
        assert batch is not None
        session.expunge(batch)
        return batch


def _wait(slug: str, batch_id: uuid.UUID, done, what: str, timeout: float = 120) -> ImportBatch:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        batch = _batch(slug, batch_id)
        if done(batch):
            return batch
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}: {batch.status} {batch.rows_processed}")


def test_worker_killed_mid_import_completes_once(
    test_env, unique_slug, monkeypatch, tmp_path: Path
):
    # A Redis of its own: no other test's worker may take this task.
    redis = EmbeddedRedis(tmp_path / "redis", persistent=False)
    env = {**test_env, "REDIS_URL": redis.start(), "IMPORT_STALE_SECONDS": "0"}
    monkeypatch.setenv("REDIS_URL", env["REDIS_URL"])
    monkeypatch.setenv("IMPORT_STALE_SECONDS", "0")
    get_settings.cache_clear()
    workers: list[ServerProcess] = []
    try:
        create_org(unique_slug)
        from finsight.accounts.models import Account

        with platform_session() as session:
            org_id = get_organization(session, unique_slug).id
        with tenant_session(unique_slug) as session:
            account = Account(name="Card", type="credit_card", currency="USD")
            session.add(account)
            session.flush()
            request = ImportRequest(
                account_id=account.id, filename="big.csv", content=generated_chase_card(ROWS)
            )
            batch_id = create_import(
                session, request, org_id=org_id, org_slug=unique_slug, actor=Actor.system("tests")
            ).id

        def start_worker(name: str) -> ServerProcess:
            command = finsight_command(
                "serve", "worker", "--pool", "solo", "--queues", f"org.{unique_slug}"
            )
            process = ServerProcess(command, env, tmp_path / f"{name}.log")
            workers.append(process)
            return process

        first = start_worker("first")
        _wait(
            unique_slug,
            batch_id,
            lambda b: b.status == "running" and b.rows_processed > 0,
            "the import to make progress",
        )
        first.stop(signal.SIGKILL)
        killed = _batch(unique_slug, batch_id)
        assert killed.status == "running" and killed.inserted == 0

        start_worker("second")
        assert requeue_stale_imports() >= 1
        done = _wait(
            unique_slug,
            batch_id,
            lambda b: b.status in ("succeeded", "failed"),
            "the import to finish",
        )
        assert done.status == "succeeded", done.error
        assert (done.inserted, done.duplicates, done.attempts) == (ROWS, 0, 2)
        with tenant_session(unique_slug) as session:
            stored = session.scalar(select(func.count()).select_from(Transaction))
            distinct = session.scalar(select(func.count(func.distinct(Transaction.fingerprint))))
        assert stored == distinct == ROWS

        # Delivered yet again (the broker's own redelivery, say): nothing changes.
        assert run_import(unique_slug, batch_id) == "succeeded"
        with tenant_session(unique_slug) as session:
            assert session.scalar(select(func.count()).select_from(Transaction)) == ROWS
    finally:
        for process in workers:
            process.stop()
        redis.stop()
        # Later tests in this process must not keep sending to the Redis just stopped.
        monkeypatch.undo()
        get_settings.cache_clear()
        bind()
