"""Alerting fixtures: an organization with a signed-in owner and its helper (support.alerting),
and a sender the test runs itself."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from finsight.alerts import routing

from support.alerting import Alerting
from support.api import Member


@pytest.fixture
def alerting(client: httpx.Client, owner: Member, unique_slug: str) -> Alerting:
    return Alerting(client, owner, unique_slug)


@pytest.fixture
def sender_in_test(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Deliveries are not handed to Celery: the test runs the sender itself, with its clock
    (a worker of the session would otherwise race it). Yields the delivery ids queued."""
    queued: list[str] = []

    def keep(session: Any, task: str, org_slug: str, **kwargs: Any) -> str:
        queued.append(kwargs["delivery_id"])
        return kwargs["delivery_id"]

    monkeypatch.setattr(routing, "enqueue_after_commit", keep)
    yield queued
