"""Through the real worker: a manual entry lands rows (the ledger's event) and an analytics run
finishes (a domain event); the worker evaluates the rules, writes the alerts with their
deliveries, and sends them to a webhook receiver that verifies the signatures."""

from __future__ import annotations

import time
import uuid
from datetime import date

import httpx
import pytest

from support.accounts import make_account
from support.alerting import Alerting
from support.receivers import Receiver

pytestmark = pytest.mark.integration


def _open_titles(alerting: Alerting, count: int, timeout: float = 120.0) -> list[str]:
    deadline = time.monotonic() + timeout
    titles: list[str] = []
    while time.monotonic() < deadline:
        titles = sorted(a["title"] for a in alerting.alerts(state="open"))
        if len(titles) >= count:
            return titles
        time.sleep(0.25)
    raise AssertionError(f"expected {count} alerts, have {titles}")


def test_rows_landed_and_analytics_fire_through_the_worker(
    alerting: Alerting, client: httpx.Client, worker_process
):
    account = make_account(alerting.slug, name="Everyday")
    with Receiver() as receiver:
        hook = alerting.channel("webhook", url=receiver.url)
        receiver.secrets = [hook["secret"]]
        alerting.route([hook])
        alerting.rule("transaction_over", {"amount": "250"}, severity="critical")
        alerting.rule("uncategorized", {"count": 1})
        entry = client.post(
            "/api/transactions",
            headers=alerting.h,
            json={
                "account_id": str(account),
                "transaction_date": date.today().isoformat(),
                "amount": "-480.00",
                "description": "WIDGET WAREHOUSE",
            },
        )
        assert entry.status_code == 201, entry.text
        titles = _open_titles(alerting, 2)
        assert any(t.startswith("WIDGET WAREHOUSE") for t in titles), titles
        assert any("without a category" in t for t in titles), titles
        received = receiver.wait(2, timeout=120)
        assert all(r.verified_with == [0] for r in received)
        types = {r.json["data"]["rule"]["kind"] for r in received}
        assert types == {"transaction_over", "uncategorized"}


def test_bank_events_published_reach_the_rules(alerting: Alerting, worker_process):
    """Plaid's events by name (the bank-sync issue publishes them): published here as it will."""
    from finsight.events import DomainEvent, publish_event
    from finsight.tenancy import tenant_session

    alerting.rule("bank_reauth", severity="critical")
    alerting.rule("bank_sync_failed")
    item = str(uuid.uuid4())
    with tenant_session(alerting.slug) as session:
        publish_event(
            session,
            alerting.slug,
            DomainEvent(
                "plaid.item.state_changed",
                item,
                {"state": "login_required", "institution": "Chase"},
            ),
        )
        publish_event(
            session,
            alerting.slug,
            DomainEvent("plaid.sync.failed", item, {"error_code": "ITEM_LOGIN_REQUIRED"}),
        )
    titles = _open_titles(alerting, 2)
    assert titles == ["Bank sync failed: a bank connection", "Chase needs you to sign in again"]
    with tenant_session(alerting.slug) as session:
        publish_event(
            session, alerting.slug, DomainEvent("plaid.item.state_changed", item, {"state": "good"})
        )
    deadline = time.monotonic() + 120
    while len(alerting.alerts(state="open")) != 1 and time.monotonic() < deadline:
        time.sleep(0.25)
    (left,) = alerting.alerts(state="open")
    assert left["title"] == "Bank sync failed: a bank connection"


def test_the_sweep_sends_a_delivery_whose_task_was_lost(
    alerting: Alerting, sender_in_test, worker_process
):
    """The delivery's task never reached the broker (sender_in_test keeps it): the beat's sweep
    finds it due and the worker sends it."""
    from datetime import timedelta

    from sqlalchemy import update

    from finsight.alerts.models import AlertDelivery
    from finsight.alerts.tasks import sweep
    from finsight.kit.models import utcnow
    from finsight.tenancy import tenant_session

    with Receiver() as receiver:
        hook = alerting.channel("webhook", url=receiver.url)
        receiver.secrets = [hook["secret"]]
        test = alerting.send_test(hook)
        assert sender_in_test == [test["id"]]  # queued, but no task was sent
        with tenant_session(alerting.slug) as session:
            session.execute(
                update(AlertDelivery)
                .where(AlertDelivery.id == uuid.UUID(test["id"]))
                .values(next_attempt_at=utcnow() - timedelta(minutes=5))
            )
        assert sweep() >= 1
        (got,) = receiver.wait(1, timeout=120)
        assert got.verified_with == [0] and got.headers["webhook-id"].endswith(
            uuid.UUID(test["id"]).hex
        )
