"""Anomalies on a real tenant: the run step stores them and publishes new alerts once, the API
lists them newest first, feedback is audited and survives reruns, tenants stay apart."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text

from finsight.analytics.anomalies.service import run_anomalies
from finsight.analytics.models import AnalyticsEvent, AnalyticsRun, AnomalyRecord
from finsight.analytics.steps import RunScope
from finsight.db import get_engine
from finsight.tenancy import tenant_session

from support.accounts import make_account
from support.api import add_user, create_org, login
from support.ledger import insert_transactions

pytestmark = pytest.mark.integration


def _ledger(today: date) -> list[dict[str, Any]]:
    """Adobe at $89.99 a month, billed twice at the end; Netflix at $15.49 a month, doubled at
    the end (ten months of each before)."""
    rows = []
    for back in range(10, 0, -1):
        day = today - timedelta(days=30 * back)
        rows.append({"day": day, "amount": "-89.99", "description": "ADOBE *CREATIVE CLOUD"})
        rows.append({"day": day, "amount": "-15.49", "description": "NETFLIX.COM"})
    rows.append({"day": today - timedelta(days=3), "amount": "-89.99", "description": "ADOBE"})
    rows.append({"day": today - timedelta(days=2), "amount": "-89.99", "description": "ADOBE"})
    rows.append(
        {"day": today - timedelta(days=1), "amount": "-30.98", "description": "NETFLIX.COM"}
    )
    return rows


def _run(slug: str, today: date, batch: uuid.UUID | None = None) -> dict[str, int]:
    with tenant_session(slug) as session:
        run = AnalyticsRun(kind="anomalies", status="running")
        session.add(run)
        session.flush()
        return run_anomalies(session, run, RunScope(as_of=today, import_batch_id=batch))


def _count(slug: str, model: type) -> int:
    with tenant_session(slug) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _feedback_entries(target: str) -> int:
    with get_engine().connect() as connection:
        return int(
            connection.execute(
                text(
                    "SELECT count(*) FROM platform.audit_log "
                    "WHERE action = 'analytics.anomaly.feedback' AND target_id = :target"
                ),
                {"target": target},
            ).scalar_one()
        )


def test_run_list_feedback_and_rerun(client: httpx.Client, unique_slug: str) -> None:
    owner = login(client, create_org(unique_slug))
    today = datetime.now(UTC).date()
    account = make_account(unique_slug)
    insert_transactions(unique_slug, account, _ledger(today))

    counts = _run(unique_slug, today)
    assert (counts["found"], counts["new"]) == (2, 2), counts
    assert counts["events"] == _count(unique_slug, AnalyticsEvent) >= 1

    page = client.get("/api/analytics/anomalies", headers=owner.headers).json()
    items = page["items"]
    assert [(a["kind"], a["merchant"]) for a in items] == [
        ("spike", "Netflix"),
        ("duplicate", "Adobe"),
    ], items
    spike, duplicate = items
    assert spike["amount"] == "30.98" and spike["status"] == "new"
    times = "\N{MULTIPLICATION SIGN}"
    assert spike["reason"] == f"$30.98 at Netflix is 2.0{times} your usual $15.49 there"
    assert duplicate["reason"].startswith("$89.99 at Adobe charged twice, 1 day later")
    assert len(duplicate["related_ids"]) == 1 and duplicate["account_id"] == str(account)

    # Filters and keyset pages.
    only = client.get(
        "/api/analytics/anomalies", headers=owner.headers, params={"kind": "duplicate"}
    ).json()
    assert [a["id"] for a in only["items"]] == [duplicate["id"]]
    first = client.get("/api/analytics/anomalies", headers=owner.headers, params={"limit": 1})
    rest = client.get(
        "/api/analytics/anomalies",
        headers=owner.headers,
        params={"limit": 1, "cursor": first.json()["next_cursor"]},
    ).json()
    assert [a["id"] for a in first.json()["items"] + rest["items"]] == [
        spike["id"],
        duplicate["id"],
    ]
    assert rest["next_cursor"] is None
    before = client.get(
        "/api/analytics/anomalies",
        headers=owner.headers,
        params={"date_to": (today - timedelta(days=2)).isoformat()},
    ).json()
    assert [a["id"] for a in before["items"]] == [duplicate["id"]]
    bad = client.get(
        "/api/analytics/anomalies",
        headers=owner.headers,
        params={"date_from": "2025-02-01", "date_to": "2025-01-01"},
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "date_from"

    # Feedback: kept, audited once.
    url = f"/api/analytics/anomalies/{spike['id']}/feedback"
    done = client.post(url, headers=owner.headers, json={"status": "dismissed"})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "dismissed" and done.json()["feedback_at"]
    assert _feedback_entries(spike["id"]) == 1
    wrong = client.post(url, headers=owner.headers, json={"status": "maybe"})
    assert wrong.status_code == 422
    missing = client.post(
        f"/api/analytics/anomalies/{uuid.uuid4()}/feedback",
        headers=owner.headers,
        json={"status": "confirmed"},
    )
    assert missing.status_code == 404

    # A rerun neither duplicates rows nor events, nor resets the dismissal.
    events = _count(unique_slug, AnalyticsEvent)
    again = _run(unique_slug, today)
    assert (again["found"], again["new"], again["events"]) == (2, 0, 0), again
    assert _count(unique_slug, AnomalyRecord) == 2
    assert _count(unique_slug, AnalyticsEvent) == events
    dismissed = client.get(
        "/api/analytics/anomalies", headers=owner.headers, params={"status": "dismissed"}
    ).json()["items"]
    assert [a["id"] for a in dismissed] == [spike["id"]]
    with tenant_session(unique_slug) as session:
        event = session.scalars(select(AnalyticsEvent)).first()
        assert event is not None and event.type == "anomaly.detected"
        assert set(event.payload) >= {"kind", "reason", "amount", "transaction_id"}


def test_an_import_batch_scopes_the_candidates(client: httpx.Client, unique_slug: str) -> None:
    create_org(unique_slug)
    today = datetime.now(UTC).date()
    account = make_account(unique_slug)
    insert_transactions(unique_slug, account, _ledger(today))
    # No row belongs to this batch: nothing is judged, the history alone raises nothing.
    counts = _run(unique_slug, today, batch=uuid.uuid4())
    assert (counts["candidates"], counts["found"]) == (0, 0)
    assert _count(unique_slug, AnomalyRecord) == 0


def test_viewers_read_but_cannot_give_feedback_and_tenants_stay_apart(
    client: httpx.Client, unique_slug: str
) -> None:
    a, b = unique_slug + "a", unique_slug + "b"
    owner_a, owner_b = login(client, create_org(a)), login(client, create_org(b))
    today = datetime.now(UTC).date()
    insert_transactions(a, make_account(a), _ledger(today))
    _run(a, today)
    items = client.get("/api/analytics/anomalies", headers=owner_a.headers).json()["items"]
    assert len(items) == 2

    viewer = login(client, add_user(a, "viewer"))
    assert len(client.get("/api/analytics/anomalies", headers=viewer.headers).json()["items"]) == 2
    refused = client.post(
        f"/api/analytics/anomalies/{items[0]['id']}/feedback",
        headers=viewer.headers,
        json={"status": "confirmed"},
    )
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"

    assert client.get("/api/analytics/anomalies", headers=owner_b.headers).json()["items"] == []
    other = client.post(
        f"/api/analytics/anomalies/{items[0]['id']}/feedback",
        headers=owner_b.headers,
        json={"status": "dismissed"},
    )
    assert other.status_code == 404
