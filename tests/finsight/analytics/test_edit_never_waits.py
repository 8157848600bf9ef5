"""A person's edit never waits for a run: what a run (or an import) holds, a request waits for at
most REQUEST_LOCK_TIMEOUT_MS, then it is answered 409 `busy` with Retry-After, nothing changed;
once the work lets go, the same edit goes through. And a run's steps each commit on their own,
so the merchants' lock is not held past the merchants step."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import date

import httpx
import pytest
from sqlalchemy import select, text

from finsight.analytics.merchant_store import lock_merchants
from finsight.analytics.models import AnalyticsRun, Merchant
from finsight.analytics.service import execute_run
from finsight.tenancy import tenant_session

from support.accounts import make_account
from support.api import create_org, login
from support.ledger import insert_transactions
from support.merchants import run_step

pytestmark = pytest.mark.integration


def _tenant(client: httpx.Client, slug: str) -> tuple[dict[str, str], uuid.UUID, uuid.UUID]:
    owner = login(client, create_org(slug), slug)
    account = make_account(slug)
    rows = [
        {"day": date(2025, 1, d), "amount": "-5.00", "description": "NETFLIX.COM"} for d in (1, 2)
    ]
    ids = insert_transactions(slug, account, rows)
    run_step(slug)
    with tenant_session(slug) as session:
        merchant = session.scalars(select(Merchant.id)).one()
    return owner.headers, merchant, ids[0]


def _busy(response: httpx.Response) -> None:
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "busy"
    assert int(response.headers["Retry-After"]) > 0


def test_a_rename_behind_a_run_is_a_409_not_a_wait(client: httpx.Client, unique_slug: str) -> None:
    headers, merchant, _ = _tenant(client, unique_slug)
    url = f"/api/analytics/merchants/{merchant}"
    with tenant_session(unique_slug) as session:  # a run's merchants step, working
        lock_merchants(session)
        began = time.monotonic()
        refused = client.patch(url, headers=headers, json={"name": "Films"})
        waited = time.monotonic() - began
    _busy(refused)
    assert waited < 20  # bounded by the lock timeout, not by the run (no timing asserted finer)
    with tenant_session(unique_slug) as session:
        assert session.get(Merchant, merchant).name != "Films"  # type: ignore[union-attr]
    renamed = client.patch(url, headers=headers, json={"name": "Films"})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == "Films"


def test_a_category_correction_on_a_row_being_rewritten_is_a_409(
    client: httpx.Client, unique_slug: str
) -> None:
    headers, _, row = _tenant(client, unique_slug)
    with tenant_session(unique_slug) as session:
        category = session.execute(text("SELECT id FROM categories LIMIT 1")).scalar_one()
        # Categorizing rewrites the row in its own transaction: the row is locked meanwhile.
        session.execute(text("SELECT 1 FROM transactions WHERE id = :i FOR UPDATE"), {"i": row})
        refused = client.patch(
            f"/api/transactions/{row}", headers=headers, json={"category_id": str(category)}
        )
    _busy(refused)
    corrected = client.patch(
        f"/api/transactions/{row}", headers=headers, json={"category_id": str(category)}
    )
    assert corrected.status_code == 200, corrected.text
    assert corrected.json()["category_id"] == str(category)


def test_the_merchants_lock_is_let_go_after_the_merchants_step(
    client: httpx.Client, unique_slug: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While a later step of a run works, a rename goes through at once."""
    from finsight.analytics import service

    headers, merchant, _ = _tenant(client, unique_slug)
    in_recurring, finish = threading.Event(), threading.Event()
    real = service.run_recurring

    def slow_recurring(*args, **kwargs):  # type: ignore[no-untyped-def]
        in_recurring.set()
        assert finish.wait(60)
        return real(*args, **kwargs)

    monkeypatch.setattr(service, "run_recurring", slow_recurring)
    with tenant_session(unique_slug) as session:
        run = AnalyticsRun(kind="all", status="running")
        session.add(run)
        session.flush()
        run_id = run.id
    outcome: list[str] = []
    worker = threading.Thread(target=lambda: outcome.append(execute_run(unique_slug, run_id)))
    worker.start()
    try:
        assert in_recurring.wait(60)
        renamed = client.patch(
            f"/api/analytics/merchants/{merchant}", headers=headers, json={"name": "Films"}
        )
        assert renamed.status_code == 200, renamed.text
    finally:
        finish.set()
        worker.join(60)
    assert outcome == ["succeeded"]
    with tenant_session(unique_slug) as session:
        stored = session.get(AnalyticsRun, run_id)
        assert stored is not None and stored.status == "succeeded"
        assert {"merchants_s", "categorize_s", "recurring_s"} <= set(stored.timings)
