"""Prometheus metrics. Labels are bounded: method, route template and status class — never a
tenant, user or raw path, whose values grow without limit."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector

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
    "finsight_http_requests_in_flight", "HTTP requests being answered", ["method"]
)


class DatabasePoolCollector(Collector):
    """Reads the default engine's pool at scrape time."""

    def describe(self) -> Iterator[GaugeMetricFamily]:
        # Lets the registry learn the name without touching the database at registration.
        yield GaugeMetricFamily("finsight_db_pool_connections", "", labels=["state"])

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from finsight.db import get_engine

        pool = get_engine().pool
        family = GaugeMetricFamily(
            "finsight_db_pool_connections", "Database connections by state", labels=["state"]
        )
        checked_out = getattr(pool, "checkedout", lambda: 0)()
        family.add_metric(["in_use"], checked_out)
        family.add_metric(["idle"], getattr(pool, "checkedin", lambda: 0)())
        family.add_metric(["overflow"], max(getattr(pool, "overflow", lambda: 0)(), 0))
        family.add_metric(["capacity"], getattr(pool, "size", lambda: 0)())
        yield family


_pool_collector_registered = False


def register_pool_collector() -> None:
    global _pool_collector_registered
    if not _pool_collector_registered:
        REGISTRY.register(DatabasePoolCollector())
        _pool_collector_registered = True
