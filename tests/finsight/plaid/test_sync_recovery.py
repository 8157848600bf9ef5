"""A real worker syncs on the tenant's queue; a worker killed mid-sync leaves the books and the
cursor as they were, and the retry completes exactly once."""

from __future__ import annotations

import signal
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from finsight.analytics.models import AnalyticsRun
from finsight.config import get_settings
from finsight.dev.plaid_emulator import transaction
from finsight.embedded import EmbeddedRedis
from finsight.plaid.models import PlaidItem
from finsight.plaid.sync import run_sync
from finsight.plaid.tasks import requeue_stale_syncs
from finsight.tenancy import tenant_session
from finsight.transactions.models import Transaction
from finsight.worker.app import bind

from support.plaid import connect_test_bank, item_row
from support.processes import ServerProcess, finsight_command

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROWS = 2_000


def _wait(slug: str, item_id: uuid.UUID, done, what: str, timeout: float = 120) -> PlaidItem:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        item = item_row(slug, item_id)
        if done(item):
            return item
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}: {item.sync_state}")


def _count(slug: str) -> tuple[int, int]:
    with tenant_session(slug) as session:
        live = Transaction.deleted_at.is_(None)
        rows = session.scalar(select(func.count()).select_from(Transaction).where(live))
        keys = session.scalar(select(func.count(func.distinct(Transaction.source_key))).where(live))
    return rows or 0, keys or 0


def test_worker_killed_mid_sync_leaves_books_consistent_and_retry_completes_once(
    plaid_env, org, emulator, monkeypatch, tmp_path: Path
):
    # A Redis of its own: no other test's worker may take these tasks.
    redis = EmbeddedRedis(tmp_path / "redis", persistent=False)
    env = {**plaid_env, "REDIS_URL": redis.start(), "PLAID_SYNC_STALE_SECONDS": "1"}
    monkeypatch.setenv("REDIS_URL", env["REDIS_URL"])
    monkeypatch.setenv("PLAID_SYNC_STALE_SECONDS", "1")
    get_settings.cache_clear()
    workers: list[ServerProcess] = []
    try:
        emulator.banks.page_delay_seconds = 0.5
        item_id = connect_test_bank(org)  # queues the first sync (after commit)
        bank = emulator.banks.items[item_row(org, item_id).item_id]
        checking = bank.accounts[0].account_id
        today = date.today()
        emulator.banks.add(
            bank,
            *[
                transaction(
                    checking, amount=n + 1, day=today - timedelta(days=n % 90), name=f"R{n}"
                )
                for n in range(ROWS)
            ],
        )
        expected = len(bank.log)

        def start_worker(name: str) -> ServerProcess:
            command = finsight_command(
                "serve", "worker", "--pool", "solo", "--queues", f"org.{org}"
            )
            process = ServerProcess(command, env, tmp_path / f"{name}.log")
            workers.append(process)
            return process

        first = start_worker("first")
        _wait(org, item_id, lambda i: i.sync_state == "syncing", "the sync to start")
        time.sleep(1.2)  # a couple of pages read
        first.stop(signal.SIGKILL)
        killed = item_row(org, item_id)
        assert killed.sync_state == "syncing"
        assert killed.cursor is None  # nothing half-saved
        assert _count(org) == (0, 0)

        emulator.banks.page_delay_seconds = 0
        start_worker("second")
        time.sleep(1.1)  # past PLAID_SYNC_STALE_SECONDS without a heartbeat
        assert requeue_stale_syncs() >= 1
        assert item_row(org, item_id).sync_state in ("stale", "syncing", "succeeded")
        done = _wait(org, item_id, lambda i: i.sync_state in ("succeeded", "failed"), "the sync")
        assert done.sync_state == "succeeded", done.sync_error
        assert done.cursor == str(expected)
        assert _count(org) == (expected, expected)

        # Delivered yet again (the broker's redelivery, a webhook): nothing changes.
        assert run_sync(org, item_id) == "succeeded"
        assert _count(org) == (expected, expected)
        # Analytics ran after the rows landed (RowsLanded from source "plaid").
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with tenant_session(org) as session:
                runs = session.scalar(select(func.count()).select_from(AnalyticsRun))
            if runs:
                break
            time.sleep(0.2)
        assert runs
    finally:
        emulator.banks.page_delay_seconds = 0
        for process in workers:
            process.stop()
        redis.stop()
        monkeypatch.undo()
        get_settings.cache_clear()
        bind()
