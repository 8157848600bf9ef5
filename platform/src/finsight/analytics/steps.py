"""What every analytics step is given: the run's scope. A step works in the run's transaction,
never commits, and returns its counts (prefixed with its kind on the run)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from finsight.analytics.models import AnalyticsRun
from finsight.categories.models import Category
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


def not_a_transfer() -> list[ColumnElement[bool]]:
    """Rows that are spending or income, not money moved between a person's own accounts:
    neither side of a detected transfer nor in a transfer category (a card payment whose other
    side was never imported, a savings transfer). Anomalies, recurring bills and spending
    forecasts read only these: a card payment is not a charge, a savings transfer not a bill."""
    transfer_categories = select(Category.id).where(Category.kind == "transfer")
    return [
        Transaction.transfer_id.is_(None),
        or_(Transaction.category_id.is_(None), Transaction.category_id.not_in(transfer_categories)),
    ]
