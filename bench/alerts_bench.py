"""Alerts: what evaluating every rule adds to a 100,000-row import and its analytics run, and
the fan-out of 10,000 signed webhook deliveries to a local receiver.

Baselines measured in the same run: the import plus the full analytics run of the same rows
(rule evaluation is a share of it; the target is at most 10%), and the receiver's own request
rate (the same signed bodies posted straight at it by a pooled client with as many threads).
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from bench.analytics_bench import _execute, _run, chase_statement, generated_rows
from bench.harness import PRODUCTION, analyze, report, stores
from bench.ingestion_bench import _import, _prepare

ROWS = int(os.environ.get("BENCH_ALERTS_ROWS", "100000"))
FANOUT = int(os.environ.get("BENCH_FANOUT", "10000"))
THREADS = int(os.environ.get("BENCH_FANOUT_THREADS", "4"))
RULES: list[tuple[str, dict[str, Any]]] = [
    ("balance_below", {"amount": "100"}),
    ("transaction_over", {"amount": "500"}),
    ("transaction_unusual", {"multiplier": 3}),
    ("budget_percent", {"percent": 80}),
    ("budget_percent", {"percent": 100}),
    ("budget_pace", {}),
    ("recurring_new", {}),
    ("recurring_price_increase", {"percent": 5}),
    ("recurring_missed", {}),
    ("anomaly", {"min_score": 0.5}),
    ("uncategorized", {"count": 25}),
]


class _Receiver:
    """A minimal endpoint answering 204 to everything, counting requests."""

    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.count += 1
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"


def _setup_rules(slug: str) -> None:
    from sqlalchemy import select

    from finsight.alerts import channels, routes_service, service
    from finsight.budgets.service import create_budget
    from finsight.categories.models import Category
    from finsight.kit.identity import Actor
    from finsight.tenancy import tenant_unit

    actor = Actor.system("bench")
    with tenant_unit(slug) as unit:
        for kind, params in RULES:
            service.create_rule(
                unit.session,
                unit.org_id,
                name=kind,
                kind=kind,
                severity="warning",
                params=params,
                actor=actor,
            )
        for category in unit.session.scalars(
            select(Category).where(Category.kind == "expense", Category.parent_id.is_(None))
        ):
            create_budget(
                unit.session,
                unit.org_id,
                category_id=category.id,
                currency="USD",
                amount=Decimal("500"),
                rollover=True,
                start_month=date.today().replace(day=1),
                actor=actor,
            )
        bell, _ = channels.create_channel(
            unit.session,
            unit.org_id,
            name="bell",
            kind="in_app",
            url=None,
            addresses=[],
            roles=[],
            actor=actor,
        )
        routes_service.create_route(
            unit.session,
            unit.org_id,
            {
                "name": "all",
                "severities": ["info", "warning", "critical"],
                "channel_ids": [bell.id],
            },
            actor,
        )


def _evaluate(slug: str, kinds: tuple[str, ...]) -> tuple[float, int]:
    from finsight.alerts.directory import org_profile
    from finsight.alerts.evaluation import evaluate_and_notify
    from finsight.tenancy import tenant_unit

    began = time.perf_counter()
    with tenant_unit(slug) as unit:
        outcomes, _ = evaluate_and_notify(unit.session, org_profile(unit.org_id), kinds)
    return time.perf_counter() - began, sum(len(o.fired) for o in outcomes.values())


def _evaluation(slug: str, account_id: object) -> None:
    from finsight.alerts.rules import AFTER_ANALYTICS, ON_ROWS

    _setup_rules(slug)
    rows = generated_rows(ROWS)
    import_s, imported = _import(slug, account_id, chase_statement(rows))
    analyze(slug)
    on_rows_s, fired_rows = _evaluate(slug, ON_ROWS)
    full_s, _ = _execute(slug, _run(slug, "all"))
    after_s, fired_after = _evaluate(slug, AFTER_ANALYTICS)
    baseline = import_s + full_s
    report(
        "alerts_evaluation_100k",
        {
            "transactions": imported["inserted"],
            "rules": len(RULES),
            "evaluate_on_rows_s": round(on_rows_s, 2),
            "evaluate_after_analytics_s": round(after_s, 2),
            "alerts_fired": fired_rows + fired_after,
            "import_s": round(import_s, 2),
            "analytics_full_run_s": round(full_s, 2),
            "ratio_to_import_and_analytics": round((on_rows_s + after_s) / baseline, 3),
        },
    )


def _fanout(slug: str) -> None:
    from standardwebhooks.webhooks import Webhook

    from finsight.alerts import channels
    from finsight.alerts.delivery import deliver
    from finsight.alerts.directory import org_profile
    from finsight.alerts.messages import test_payload
    from finsight.alerts.routing import queue_delivery
    from finsight.kit.identity import Actor
    from finsight.kit.models import utcnow
    from finsight.tenancy import tenant_unit

    receiver = _Receiver()
    with tenant_unit(slug) as unit:
        channel, secret = channels.create_channel(
            unit.session,
            unit.org_id,
            name="hook",
            kind="webhook",
            url=receiver.url,
            addresses=[],
            roles=[],
            actor=Actor.system("bench"),
        )
        org = org_profile(unit.org_id)
        now = utcnow()
        ids = [
            queue_delivery(
                unit.session,
                org,
                channel,
                kind="test",
                payload=test_payload(org.slug, org.name, "hook", now),
                now=now,
            ).id
            for _ in range(FANOUT)
        ]
    assert secret is not None
    began = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        statuses = list(pool.map(lambda d: deliver(slug, d).status, ids))  # type: ignore[union-attr]
    fanout_s = time.perf_counter() - began
    sent = statuses.count("sent")

    # Baseline: the receiver's own rate for the same signed bodies, straight from a pooled client.
    body = json.dumps(test_payload(slug, slug, "hook", utcnow()), separators=(",", ":")).encode()
    signer = Webhook(secret)
    before = receiver.count

    def post(client: httpx.Client) -> None:
        msg_id = f"msg_{uuid.uuid4().hex}"
        stamp = utcnow()
        client.post(
            receiver.url,
            content=body,
            headers={
                "webhook-id": msg_id,
                "webhook-timestamp": str(int(stamp.timestamp())),
                "webhook-signature": signer.sign(msg_id, stamp, body),
                "Content-Type": "application/json",
            },
        )

    def worker(count: int) -> None:
        with httpx.Client() as client:
            for _ in range(count):
                post(client)

    began = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(worker, [FANOUT // THREADS] * THREADS))
    baseline_s = time.perf_counter() - began
    direct = receiver.count - before
    receiver.server.shutdown()
    report(
        "alerts_webhook_fanout",
        {
            "deliveries": FANOUT,
            "sent": sent,
            "threads": THREADS,
            "deliveries_per_s": round(sent / fanout_s, 1),
            "receiver_direct_requests_per_s": round(direct / baseline_s, 1),
            "ratio_to_receiver_rate": round((sent / fanout_s) / (direct / baseline_s), 3),
        },
    )


def main() -> None:
    with stores() as env:
        env = {**env, **PRODUCTION, "ALERTS_ALLOW_PRIVATE_ADDRESSES": "true"}
        slug, _, account_id = _prepare(env)
        _evaluation(slug, account_id)
        _fanout(slug)
