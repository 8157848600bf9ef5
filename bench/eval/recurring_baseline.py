"""The peer product's rule, kept to measure the detector against (issue 6, Evaluation).

"Same merchant and amount at least 3 times a month apart": transactions of one account, merchant
and exact amount, chained while consecutive ones are 25-35 days apart; a chain of 3 or more is a
monthly stream. It knows one cadence, so its next date is a month after the last.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from finsight.analytics.recurring import (
    CANCEL_AFTER_PERIODS,
    CENT,
    MIN_OCCURRENCES,
    RecurringStream,
    Status,
    Transaction,
)
from finsight.analytics.schedules import CADENCES, Anchor, Cadence, due_date, month_index

__all__ = ["detect_recurring_baseline"]

MONTH_APART = range(25, 36)  # days
_MONTH_DAYS = next(spec.period_days for spec in CADENCES if spec.cadence is Cadence.MONTHLY)


def _chains(txns: list[Transaction]) -> list[list[Transaction]]:
    chains: list[list[Transaction]] = [[txns[0]]]
    for txn in txns[1:]:
        if (txn.date - chains[-1][-1].date).days in MONTH_APART:
            chains[-1].append(txn)
        else:
            chains.append([txn])
    return [c for c in chains if len(c) >= MIN_OCCURRENCES]


def _stream(chain: list[Transaction], as_of: date) -> RecurringStream:
    first, last = chain[0], chain[-1]
    # A month after the last: the same day of the next month (clipped to its length).
    anchor = Anchor(Cadence.MONTHLY, days=(last.date.day,))
    next_date: date | None = due_date(anchor, month_index(last.date) + 1)
    status = Status.MATURE
    if (as_of - last.date).days > CANCEL_AFTER_PERIODS * _MONTH_DAYS:
        status, next_date = Status.CANCELLED, None
    amount = abs(first.amount).quantize(CENT)
    return RecurringStream(
        merchant=first.merchant,
        account=first.account,
        direction="income" if first.amount > 0 else "expense",
        cadence=Cadence.MONTHLY,
        average_amount=amount,
        last_amount=amount,
        first_date=first.date,
        last_date=last.date,
        next_date=next_date,
        status=status,
        occurrences=len(chain),
        transaction_ids=tuple(t.id for t in chain),
    )


def detect_recurring_baseline(
    transactions: Iterable[Transaction], as_of: date | None = None
) -> list[RecurringStream]:
    groups: dict[tuple[str, str, object], list[Transaction]] = {}
    for txn in transactions:
        if txn.amount != 0:
            groups.setdefault((txn.account, txn.merchant, txn.amount), []).append(txn)
    if not groups:
        return []
    when = as_of or max(t.date for g in groups.values() for t in g)
    streams: list[RecurringStream] = []
    for key in sorted(groups, key=lambda k: (k[0], k[1], str(k[2]))):
        txns = sorted(groups[key], key=lambda t: (t.date, t.id))
        streams.extend(_stream(chain, when) for chain in _chains(txns))
    return sorted(streams, key=lambda s: (s.account, s.merchant, s.first_date))
