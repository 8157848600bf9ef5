"""Through the real worker: a manual entry lands rows (the ledger's event) and an analytics run
finishes (a domain event); the worker evaluates the rules, writes the alerts with their
deliveries, and sends them to a webhook receiver that verifies the signatures."""

from __future__ import annotations

import time
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
