"""Prometheus metrics: every finsight_* series is defined here, incremented where it happens.

Labels are bounded. `org` (the organization's slug) appears only on metrics whose cardinality is
bounded by the number of organizations (times a few statuses); no metric carries a user id,
transaction id, batch id or raw path. HTTP metrics use the route template.

The api exports these from its own process at /metrics. Workers (Celery, possibly prefork)
export them through prometheus_client's multiprocess mode: `finsight serve worker
--metrics-port` points PROMETHEUS_MULTIPROC_DIR at a fresh directory before any metric is made,
every process (parent and children) writes its values there, and the parent's HTTP server sums
them (finsight.observability.worker_metrics).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector
from sqlalchemy import event
from sqlalchemy.orm import Session

# --- HTTP (api) --------------------------------------------------------------------------------
HTTP_REQUESTS = Counter(
    "finsight_http_requests_total",
    "HTTP requests answered",
    ["method", "route", "status_class"],
)
HTTP_LATENCY = Histogram(
    "finsight_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
HTTP_IN_FLIGHT = Gauge(
    "finsight_http_requests_in_flight",
    "HTTP requests being answered",
    ["method"],
    multiprocess_mode="livesum",
)

# --- imports (worker: finsight.ingestion.pipeline) ---------------------------------------------
IMPORT_BATCHES = Counter(
    "finsight_import_batches_total",
    "Import batches finished, by organization and final status (succeeded, failed)",
    ["org", "status"],
)
IMPORT_ROWS = Counter(
    "finsight_import_rows_total",
    "Rows of finished imports by organization and outcome (inserted, duplicate, skipped): "
    "the transaction volume",
    ["org", "outcome"],
)

# --- analytics (worker: finsight.analytics.tasks) ----------------------------------------------
ANALYTICS_RUNS = Counter(
    "finsight_analytics_runs_total",
    "Analytics runs finished, by organization, kind (all, categorize, ...) and status",
    ["org", "kind", "status"],
)

# --- domains that land later: defined now so rules and dashboards have stable names ------------
BANK_SYNCS = Counter(
    "finsight_bank_syncs_total",
    "Bank (Plaid) syncs finished, by organization and status (succeeded, failed); "
    "incremented by the Plaid domain when it lands",
    ["org", "status"],
)
REPORTS_SENT = Counter(
    "finsight_reports_sent_total",
    "Reports delivered, by organization, format (pdf, xlsx, csv, json) and status; "
    "incremented by the reports domain when it lands",
    ["org", "format", "status"],
)
ALERT_DELIVERIES = Counter(
    "finsight_alert_deliveries_total",
    "Alert notifications delivered, by organization, channel (email, webhook) and status; "
    "incremented by the alerts domain when it lands",
    ["org", "channel", "status"],
)

# --- Celery (every worker process: finsight.observability.celery_metrics) ----------------------
TASK_RUNTIME = Histogram(
    "finsight_celery_task_runtime_seconds",
    "Time a Celery task ran, by task name and queue",
    ["task", "queue"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0),
)
TASKS = Counter(
    "finsight_celery_tasks_total",
    "Celery tasks finished, by task name, queue and state (succeeded, failed, retried)",
    ["task", "queue", "state"],
)

# --- database pool of a worker process (the api reads its pool at scrape time instead) ----------
WORKER_DB_POOL = Gauge(
    "finsight_worker_db_pool_connections",
    "A worker's database connections by state, summed over its live processes",
    ["state"],
    multiprocess_mode="livesum",
)


def after_commit(session: Session, count: Callable[[], None]) -> None:
    """Run `count` once `session` commits (never if it rolls back): a counter says what
    happened, not what was attempted."""

    def committed(_: Session) -> None:
        count()

    event.listen(session, "after_commit", committed, once=True)


def pool_states(pool: object) -> dict[str, int]:
    """A SQLAlchemy QueuePool's connections by state (other pools report zeros)."""

    def read(name: str) -> int:
        value = getattr(pool, name, None)
        return int(value()) if callable(value) else 0

    return {
        "in_use": read("checkedout"),
        "idle": read("checkedin"),
        "overflow": max(read("overflow"), 0),
        "capacity": read("size"),
    }


class DatabasePoolCollector(Collector):
    """Reads the default engine's pool at scrape time."""

    def describe(self) -> Iterator[GaugeMetricFamily]:
        # Lets the registry learn the name without touching the database at registration.
        yield GaugeMetricFamily("finsight_db_pool_connections", "", labels=["state"])

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from finsight.db import get_engine

        family = GaugeMetricFamily(
            "finsight_db_pool_connections", "Database connections by state", labels=["state"]
        )
        for state, value in pool_states(get_engine().pool).items():
            family.add_metric([state], value)
        yield family


_scrape_collectors_registered = False


def register_scrape_collectors() -> None:
    """The api's collectors that read state when scraped: its database pool and the Celery
    queues' length and age (finsight.observability.queues)."""
    global _scrape_collectors_registered
    if not _scrape_collectors_registered:
        from finsight.observability.queues import QueueCollector

        REGISTRY.register(DatabasePoolCollector())
        REGISTRY.register(QueueCollector())
        _scrape_collectors_registered = True
