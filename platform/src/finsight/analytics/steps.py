"""What every analytics step is given: the run's scope. A step works in the run's transaction,
never commits, and returns its counts (prefixed with its kind on the run)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from finsight.analytics.models import AnalyticsRun
from finsight.transactions.models import Transaction
from finsight.transactions.query import in_live_account


@dataclass(frozen=True)
class RunScope:
    as_of: date
    # Set for the run after an import: steps that can work incrementally only look at the
    # rows of this batch (and what they need of the history around them).
    import_batch_id: uuid.UUID | None = None


Step = Callable[[Session, AnalyticsRun, RunScope], dict[str, int]]


def live_ledger() -> list[ColumnElement[bool]]:
    """The rows a step reads: not deleted, not excluded, in an account that is not deleted.
    Steps that look at spending and income also leave out transfers."""
    return [Transaction.deleted_at.is_(None), Transaction.excluded.is_(False), in_live_account()]
