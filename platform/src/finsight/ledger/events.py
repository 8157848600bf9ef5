"""The "rows landed" event: what entered the books, published to every subscribing domain.

Subscribers are task names declared by the domains (`Domain.on_rows_landed`), sent on the
tenant's queue once the rows' transaction commits, so the ledger imports no domain above it and
a subscriber never sees rows that rolled back.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from finsight.config import get_settings
from finsight.domains import all_domains
from finsight.worker.enqueue import enqueue_after_commit

SOURCES = ("import", "manual", "plaid")


@dataclass(frozen=True)
class RowsLanded:
    source: str  # one of SOURCES
    account_ids: tuple[uuid.UUID, ...]
    rows: int
    first_date: date | None
    # The source's own unit of work: an import batch, a sync, a manual entry.
    source_id: uuid.UUID | None = None

    def payload(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "account_ids": [str(account) for account in self.account_ids],
            "rows": self.rows,
            "first_date": self.first_date.isoformat() if self.first_date else None,
            "source_id": str(self.source_id) if self.source_id else None,
        }


def subscribers() -> list[str]:
    """The task names of every domain that reacts to rows landing (and is switched on)."""
    settings = get_settings()
    return [
        task
        for domain in all_domains()
        if not domain.switch or getattr(settings, domain.switch)
        for task in domain.on_rows_landed
    ]


def publish(session: Session, org_slug: str, event: RowsLanded) -> list[str]:
    """Send the event to every subscriber when `session` commits; returns the task names."""
    tasks = subscribers()
    for task in tasks:
        enqueue_after_commit(session, task, org_slug, **event.payload())
    return tasks
