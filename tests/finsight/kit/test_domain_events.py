"""Domain events (finsight.events): sent after commit to every subscribing domain's task, on the
tenant's queue; nothing for a change that rolled back; switched-off domains hear nothing."""

from __future__ import annotations

import base64
import json
import uuid

import pytest
import redis

from finsight import events
from finsight.config import get_settings
from finsight.db import platform_session
from finsight.events import IMPORT_FAILED, DomainEvent, publish_event
from finsight.kit.domain import Domain

pytestmark = pytest.mark.integration

LISTENER = "tests.events.listener"
SWITCHED_OFF = "tests.events.switched_off"


@pytest.fixture
def listening_domains(monkeypatch):
    domains = (
        Domain("listener", on_events=(LISTENER,)),
        Domain("quiet", on_events=(SWITCHED_OFF,), switch="enable_analytics"),
        Domain("deaf"),
    )
    monkeypatch.setattr(events, "all_domains", lambda: domains)
    monkeypatch.setenv("ENABLE_ANALYTICS", "false")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def test_subscribers_are_the_switched_on_domains_tasks(listening_domains):
    assert events.event_subscribers() == [LISTENER]


def test_an_event_reaches_the_tenant_queue_once_committed(test_env, listening_domains):
    slug = "e" + uuid.uuid4().hex[:12]
    queue = f"org.{slug}"
    broker = redis.Redis.from_url(test_env["REDIS_URL"])
    event = DomainEvent(IMPORT_FAILED, "b1", {"account_id": "a1", "error": "bad row 3"})
    try:
        with pytest.raises(RuntimeError), platform_session() as session:
            publish_event(session, slug, event)
            raise RuntimeError("the change fails")
        assert broker.llen(queue) == 0

        with platform_session() as session:
            assert publish_event(session, slug, event) == [LISTENER]
            assert broker.llen(queue) == 0
        message = json.loads(broker.lindex(queue, 0))
        assert broker.llen(queue) == 1
        assert message["headers"]["task"] == LISTENER
        arguments = json.loads(base64.b64decode(message["body"]))[1]
        assert arguments == {
            "org_slug": slug,
            "kind": "import.failed",
            "subject_id": "b1",
            "data": {"account_id": "a1", "error": "bad row 3"},
        }
    finally:
        broker.delete(queue)


def test_event_data_must_travel_as_json(test_env, listening_domains):
    from finsight.errors import InvalidInput

    with pytest.raises(InvalidInput), platform_session() as session:
        publish_event(session, "acme", DomainEvent("x.y", None, {"when": object()}))
