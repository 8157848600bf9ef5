"""Alerting in tests: make rules, channels and routes over HTTP, then evaluate and send in
this process with a chosen clock."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import select

from finsight.alerts import channels
from finsight.alerts.delivery import deliver
from finsight.alerts.directory import org_profile
from finsight.alerts.evaluation import evaluate_and_notify, follow_up_alerts
from finsight.alerts.models import AlertDelivery
from finsight.kit.models import utcnow
from finsight.tenancy import tenant_unit

from support.api import TEST_ACTOR, Member


class Alerting:
    def __init__(self, client: httpx.Client, owner: Member, slug: str) -> None:
        self.client, self.owner, self.slug = client, owner, slug
        with tenant_unit(slug) as unit:
            self.org_id = unit.org_id

    @property
    def h(self) -> dict[str, str]:
        return self.owner.headers

    def post(self, path: str, body: dict[str, Any], status: int = 201) -> dict[str, Any]:
        response = self.client.post(path, headers=self.h, json=body)
        assert response.status_code == status, response.text
        return dict(response.json())

    def rule(self, kind: str, params: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
        body = {"name": f"{kind} rule", "kind": kind, "params": params or {}, **extra}
        return self.post("/api/alert-rules", body)

    def channel(self, kind: str, **extra: Any) -> dict[str, Any]:
        return self.post(
            "/api/notification-channels", {"name": f"{kind} channel", "kind": kind, **extra}
        )

    def route(self, channels: Iterable[dict[str, Any]], **extra: Any) -> dict[str, Any]:
        body = {
            "name": "route",
            "severities": ["info", "warning", "critical"],
            "channel_ids": [c["id"] for c in channels],
            **extra,
        }
        return self.post("/api/alert-routes", body)

    def evaluate(
        self, kinds: Iterable[str], now: datetime | None = None, event: dict[str, Any] | None = None
    ) -> dict[uuid.UUID, Any]:
        with tenant_unit(self.slug) as unit:
            outcomes, _ = evaluate_and_notify(
                unit.session, org_profile(self.org_id), list(kinds), now=now, event=event
            )
        return outcomes

    def follow_up(self, now: datetime) -> list[uuid.UUID]:
        with tenant_unit(self.slug) as unit:
            return [d.id for d in follow_up_alerts(unit.session, org_profile(self.org_id), now=now)]

    def deliveries(self) -> list[AlertDelivery]:
        with tenant_unit(self.slug) as unit:
            rows = list(unit.session.scalars(select(AlertDelivery).order_by(AlertDelivery.id)))
            for row in rows:
                unit.session.expunge(row)
            return rows

    def send_due(self, now: datetime | None = None) -> list[AlertDelivery]:
        """Run the sender over every pending delivery due at `now` (what the task does)."""
        now = now or utcnow()
        done = []
        for row in self.deliveries():
            if row.status == "pending" and row.next_attempt_at <= now:
                after = deliver(self.slug, row.id, now=now)
                assert after is not None
                done.append(after)
        return done

    def send_test(self, channel: dict[str, Any]) -> dict[str, Any]:
        """A channel's test message queued in this process (what POST .../test does): with the
        sender_in_test fixture no task is sent, so a worker of the session cannot race it."""
        with tenant_unit(self.slug) as unit:
            delivery = channels.send_test(
                unit.session,
                org_profile(self.org_id),
                channels.get_channel(unit.session, uuid.UUID(channel["id"])),
                TEST_ACTOR,
            )
            return {"id": str(delivery.id)}

    def alerts(self, **params: Any) -> list[dict[str, Any]]:
        response = self.client.get("/api/alerts", headers=self.h, params=params)
        assert response.status_code == 200, response.text
        return list(response.json()["items"])
