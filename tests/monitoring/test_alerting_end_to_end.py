"""The whole alerting path on real servers: the suite's api and worker processes, a real
Prometheus scraping both with the repository's rules, two real Alertmanagers with the
repository's routing tree (one whose business hours cover now, one whose do not), and a
webhook receiver in the test. Imports fail -> the worker counts them -> Prometheus fires
FinsightImportFailureRatio -> each Alertmanager routes it as its time intervals say.

Only what makes a test quick differs from production: scrape and evaluation every second,
`for:` of 0s, Alertmanager's group waits of a second, and every receiver is the test's webhook.
The alert expressions and the routes are the repository's."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import httpx
import pytest
import yaml

from support.accounts import make_account
from support.api import Member, create_org, login
from support.kube_emulator import wait_for
from support.monitoring import (
    ALERTMANAGER_CONFIG,
    DASHBOARDS,
    RULES,
    Alertmanager,
    Prometheus,
    WebhookReceiver,
    dashboard_queries,
)
from support.statements import chase_card

pytestmark = [pytest.mark.integration, pytest.mark.slow]

LOCATION = "America/New_York"
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
GOOD_ROWS = [("01/14/2024", "WHOLEFDS MKT 10234", "Groceries", "-82.17")]
# A date that does not exist: the API accepts the file (the layout is Chase's), the worker
# rejects it whole.
BAD_ROWS = [("13/45/2024", "BROKEN", "Shopping", "-1.00")]


def quick_rules(directory: Path) -> list[Path]:
    """The repository's rules with `for: 0s`; expressions unchanged."""
    directory.mkdir(parents=True, exist_ok=True)
    copies = []
    for path in RULES:
        document = yaml.safe_load(path.read_text())
        for group in document["groups"]:
            for rule in group["rules"]:
                if "for" in rule:
                    rule["for"] = "0s"
        copy = directory / path.name
        copy.write_text(yaml.safe_dump(document, sort_keys=False))
        copies.append(copy)
    return copies


def _quick_routes(route: dict[str, Any]) -> None:
    for key in ("group_wait", "group_interval"):
        if key in route:
            route[key] = "1s"
    for child in route.get("routes", []):
        _quick_routes(child)


def alertmanager_config(webhook: str, *, business_hours_now: bool) -> dict[str, Any]:
    """The repository's routes and inhibitions; business hours that do or do not cover now
    in New York; every receiver (but the blackhole) posting to `webhook`."""
    config: dict[str, Any] = yaml.safe_load(ALERTMANAGER_CONFIG.read_text())
    config["global"] = {"resolve_timeout": "5m"}
    today = WEEKDAYS[datetime.now(ZoneInfo(LOCATION)).weekday()]
    other_day = WEEKDAYS[(WEEKDAYS.index(today) + 3) % 7]
    config["time_intervals"] = [
        {
            "name": "business-hours",
            "time_intervals": [
                {"weekdays": [today if business_hours_now else other_day], "location": LOCATION}
            ],
        }
    ]
    config["receivers"] = [
        {"name": r["name"]}
        if r["name"] == "blackhole"
        else {"name": r["name"], "webhook_configs": [{"url": webhook, "send_resolved": False}]}
        for r in config["receivers"]
    ]
    config["route"]["group_wait"] = config["route"]["group_interval"] = "1s"
    _quick_routes(config["route"])
    return config


@pytest.fixture(scope="module")
def webhook() -> Any:
    receiver = WebhookReceiver()
    yield receiver
    receiver.stop()


@pytest.fixture(scope="module")
def alertmanagers(webhook: WebhookReceiver, tmp_path_factory: pytest.TempPathFactory) -> Any:
    directory = tmp_path_factory.mktemp("alertmanagers")
    inside = Alertmanager(
        directory / "inside",
        alertmanager_config(webhook.url + "/inside", business_hours_now=True),
    )
    try:
        outside = Alertmanager(
            directory / "outside",
            alertmanager_config(webhook.url + "/outside", business_hours_now=False),
        )
    except BaseException:
        inside.stop()
        raise
    yield {"inside": inside, "outside": outside}
    inside.stop()
    outside.stop()


@pytest.fixture(scope="module")
def prometheus(
    api_url: str, worker_process: Any, alertmanagers: dict[str, Alertmanager], tmp_path_factory
) -> Any:
    directory = tmp_path_factory.mktemp("prometheus")
    server = Prometheus(
        directory,
        jobs={
            "finsight-api": [urlsplit(api_url).netloc],
            "finsight-worker": [urlsplit(worker_process.metrics_url).netloc],
        },
        rule_files=quick_rules(directory / "rules"),
        alertmanagers=[am.address for am in alertmanagers.values()],
    )
    yield server
    server.stop()


def upload(client: httpx.Client, member: Member, account: Any, content: bytes) -> str:
    queued = client.post(
        "/api/imports",
        headers=member.headers,
        data={"account_id": str(account)},
        files={"file": ("statement.csv", content, "text/csv")},
    )
    assert queued.status_code == 202, queued.text
    return str(queued.json()["id"])


def wait_finished(client: httpx.Client, member: Member, batch_id: str) -> str:
    def status() -> str | None:
        found = client.get(f"/api/imports/{batch_id}", headers=member.headers).json()["status"]
        return found if found in ("succeeded", "failed") else None

    return wait_for(status, timeout=60, what=f"import {batch_id}")


def receivers_notified(webhook: WebhookReceiver, where: str, alertname: str, org: str) -> set[str]:
    return {
        payload["receiver"]
        for path, payload in webhook.notifications()
        if path == f"/{where}"
        for alert in payload["alerts"]
        if alert["labels"].get("alertname") == alertname
        and alert["labels"].get("organization") == org
    }


def test_failing_imports_page_by_business_hours(
    client: httpx.Client, prometheus: Prometheus, webhook: WebhookReceiver, unique_slug: str
):
    owner = login(client, create_org(unique_slug), unique_slug)
    account = make_account(unique_slug)
    for _ in range(3):
        batch = upload(client, owner, account, chase_card(BAD_ROWS))
        assert wait_finished(client, owner, batch) == "failed"

    # The worker's counter, through its own /metrics, into Prometheus.
    failed = f'finsight_import_batches_total{{org="{unique_slug}",status="failed"}}'
    wait_for(
        lambda: [s for s in prometheus.samples(failed) if s["value"][1] == "3"],
        what="Prometheus to scrape 3 failed imports from the worker",
    )
    inside = {"tenant-webhook", "team-slack"}
    outside = {"tenant-webhook", "team-email"}
    alert = "FinsightImportFailureRatio"
    wait_for(
        lambda: (
            receivers_notified(webhook, "inside", alert, unique_slug) >= inside
            and receivers_notified(webhook, "outside", alert, unique_slug) >= outside
        ),
        timeout=90,
        what="the alert to reach the webhook through both Alertmanagers",
    )
    # Muted routes stay muted: a few more group intervals bring nothing else.
    time.sleep(3)
    assert receivers_notified(webhook, "inside", alert, unique_slug) == inside
    assert receivers_notified(webhook, "outside", alert, unique_slug) == outside
    notified = [
        alert_
        for path, payload in webhook.notifications()
        for alert_ in payload["alerts"]
        if alert_["labels"].get("organization") == unique_slug
    ]
    assert all(a["labels"]["severity"] == "warning" for a in notified)
    assert "failed" in notified[0]["annotations"]["summary"]


# Panels that must show data once the api and the worker have done some work.
MUST_HAVE_DATA = {
    "API requests per second",
    "Workers up",
    "Tasks waiting",
    "Requests by route and status",
    "Database pool",
    "Queue length",
    "Tasks finished by task and state",
    "Task runtime p95",
    "Imports by status (1 h)",
    "Rows imported per second",
    "Transactions imported (24 h)",
    "Alerts firing",
}


def test_every_dashboard_query_runs(client: httpx.Client, prometheus: Prometheus, unique_slug: str):
    owner = login(client, create_org(unique_slug), unique_slug)
    account = make_account(unique_slug)
    assert wait_finished(client, owner, upload(client, owner, account, chase_card(GOOD_ROWS))) == (
        "succeeded"
    )
    assert wait_finished(client, owner, upload(client, owner, account, chase_card(BAD_ROWS))) == (
        "failed"
    )
    wait_for(
        lambda: (
            prometheus.samples(
                f'finsight_import_rows_total{{org="{unique_slug}",outcome="inserted"}}'
            )
            and prometheus.samples("finsight:api_requests:rate5m")
            and prometheus.samples("finsight_celery_task_runtime_seconds_count")
        ),
        what="the api's and the worker's series in Prometheus",
    )
    errors, empty = [], []
    titles = set()
    for path in DASHBOARDS:
        for title, expr in dashboard_queries(path):
            titles.add(title)
            answer = prometheus.query(expr)
            if answer["status"] != "success":
                errors.append(f"{path.name} / {title}: {answer.get('error')} in {expr}")
            elif title in MUST_HAVE_DATA and not answer["data"]["result"]:
                empty.append(f"{path.name} / {title}: {expr}")
    assert errors == []
    assert titles >= MUST_HAVE_DATA
    assert empty == []
