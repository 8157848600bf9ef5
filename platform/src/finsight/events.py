"""Domain events: a domain tells the domains above it what happened, without importing them.

`publish_event` sends the event to every task a (switched-on) domain lists in
`Domain.on_events`, on the tenant's queue, once the publisher's transaction commits: a
subscriber never hears of a change that rolled back. Every subscriber receives every kind and
ignores the kinds it does not handle. The rows-landed event of the ledger
(`finsight.ledger.events`) is the same idea with its own payload.

Kinds in use (name them `<domain>.<subject>.<what happened>`):
- `import.failed`: an import batch failed (subject: the batch id; data: account_id, error).
- `analytics.run.finished`: an analytics run ended (subject: the run id; data: kind, status).
- `plaid.item.state_changed`, `plaid.sync.failed`, `plaid.sync.succeeded` (subject: the item id).

Delivery is after commit and at most once (a process dying between the commit and the send,
or a broker that is down then, loses it; the change itself is never failed for it):
subscribers that must not miss a condition also look for it on a beat schedule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from finsight.config import get_settings
from finsight.domains import all_domains
from finsight.worker.enqueue import notify_after_commit

IMPORT_FAILED = "import.failed"
ANALYTICS_RUN_FINISHED = "analytics.run.finished"


@dataclass(frozen=True)
class DomainEvent:
    kind: str
    subject_id: str | None = None
    # JSON values only (strings for ids, dates and money): it travels as a task's arguments.
    data: Mapping[str, Any] = field(default_factory=dict)

    def payload(self) -> dict[str, Any]:
        return {"kind": self.kind, "subject_id": self.subject_id, "data": dict(self.data)}


def event_subscribers() -> list[str]:
    """The task names of every switched-on domain that listens to domain events."""
    settings = get_settings()
    return [
        task
        for domain in all_domains()
        if not domain.switch or getattr(settings, domain.switch)
        for task in domain.on_events
    ]


def publish_event(session: Session, org_slug: str, event: DomainEvent) -> list[str]:
    """Send `event` to every subscriber when `session` commits; returns the task names.

    Each subscriber is called as `task(org_slug=..., kind=..., subject_id=..., data=...)`."""
    tasks = event_subscribers()
    for task in tasks:
        notify_after_commit(session, task, org_slug, **event.payload())
    return tasks
