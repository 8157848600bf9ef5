"""What every analytics step is given: the run's scope. A step works in the run's transaction,
never commits, and returns its counts (prefixed with its kind on the run)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from finsight.analytics.models import AnalyticsRun


@dataclass(frozen=True)
class RunScope:
    as_of: date
    # Set for the run after an import: steps that can work incrementally only look at the
    # rows of this batch (and what they need of the history around them).
    import_batch_id: uuid.UUID | None = None


Step = Callable[[Session, AnalyticsRun, RunScope], dict[str, int]]
