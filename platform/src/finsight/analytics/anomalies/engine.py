"""Run every detector and rank what they found on one score."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date, timedelta

from finsight.analytics.anomalies.detectors import (
    category_pace,
    duplicates,
    large_first_charges,
    spikes,
)
from finsight.analytics.anomalies.model import Anomaly, History, Settings, Txn
from finsight.analytics.anomalies.outliers import outliers

# Anomalies scoring at least this are published as events (alerts); the rest are only listed.
# Tuned on the evaluation's clean ledgers: at most ~2 alerts a month for a typical household.
ALERT_THRESHOLD = 0.8
# What a run shows: the charges of the last RECENT_DAYS (before the ledger's latest charge), and
# older ones only when they are truly odd (they would raise an alert). The first import of 18
# months used to list two dozen "unusual" charges from a year ago; nobody acts on those.
RECENT_DAYS = 45


def detect_anomalies(
    transactions: Iterable[Txn],
    *,
    candidates: Iterable[str] | None = None,
    settings: Settings | None = None,
) -> list[Anomaly]:
    """Anomalies among `candidates` (transaction ids; None: every transaction), judged against
    all of `transactions` before them, highest score first. A transaction is the subject of
    at most one anomaly (the best scored of what the detectors said about it)."""
    settings = settings or Settings()
    history = History(list(transactions))
    if candidates is None:
        positions = list(range(len(history.expenses)))
    else:
        positions = sorted(history.position[i] for i in set(candidates) if i in history.position)
    if not positions:
        return []
    found: list[Anomaly] = []
    for detector in (spikes, duplicates, large_first_charges, category_pace, outliers):
        found.extend(detector(history, positions, settings))
    best: dict[str, Anomaly] = {}
    # A month ahead of pace because of one flagged charge is that charge's anomaly: its own
    # reason says more, and one event should not raise two alerts.
    charges = {a.transaction_id for a in found if a.kind != "category_pace"}
    found = [a for a in found if a.kind != "category_pace" or a.transaction_id not in charges]
    for anomaly in found:
        anomaly = _feedback(anomaly, settings)
        current = best.get(anomaly.transaction_id)
        if current is None or (anomaly.score, anomaly.kind) > (current.score, current.kind):
            best[anomaly.transaction_id] = anomaly
    return rank(best.values())


def worth_showing(anomalies: Iterable[Anomaly], latest: date) -> list[Anomaly]:
    """The anomalies a person should see, in rank order: recent ones (on or after `latest` -
    RECENT_DAYS; `latest` is the ledger's latest charge, so an old statement's last weeks
    count as recent), and older ones scoring at least ALERT_THRESHOLD."""
    since = latest - timedelta(days=RECENT_DAYS)
    return rank(a for a in anomalies if a.occurred_on >= since or a.score >= ALERT_THRESHOLD)


def rank(anomalies: Iterable[Anomaly]) -> list[Anomaly]:
    """Highest score first; ties: more money, then newer."""
    return sorted(
        anomalies,
        key=lambda a: (-a.score, -(a.amount or 0.0), -a.occurred_on.toordinal(), a.dedupe_key),
    )


def _feedback(anomaly: Anomaly, settings: Settings) -> Anomaly:
    """Lower the score at a merchant whose anomalies the person keeps dismissing."""
    dismissed = settings.dismissed.get(anomaly.merchant or "", 0)
    if not dismissed or anomaly.kind == "duplicate":  # a double charge is never "usual"
        return anomaly
    return replace(anomaly, score=anomaly.score * settings.dismissed_factor**dismissed)
