"""Writes dashboards/*.json, the Grafana dashboards of finsight, from the short definitions
below: `python monitoring/grafana/generate.py` after changing them (a test checks the JSON
files are what this writes, and runs every query against a real Prometheus).

Every query reads a metric finsight exports (README, "Monitoring") or a recording rule of
monitoring/prometheus/rules. `$__rate_interval`, `$org` and `$queue` are Grafana's variables.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
API = 'route!~"/healthz|/readyz|/metrics"'


@dataclass(frozen=True)
class Panel:
    title: str
    queries: list[tuple[str, str]]  # (PromQL, legend)
    unit: str = "short"
    kind: str = "timeseries"  # or "stat"
    width: int = 12
    description: str = ""


@dataclass(frozen=True)
class Dashboard:
    file: str
    uid: str
    title: str
    description: str
    panels: list[Panel]
    variables: list[tuple[str, str, str]] = field(default_factory=list)  # name, metric, label


def quantile(q: float, metric: str, by: str, selector: str = "") -> str:
    return (
        f"histogram_quantile({q}, sum by (le, {by}) "
        f"(rate({metric}_bucket{{{selector}}}[$__rate_interval])))"
    )


OVERVIEW = Dashboard(
    "finsight-overview.json",
    "finsight-overview",
    "finsight / Overview",
    "Is finsight healthy: API traffic, errors and latency, workers, queues, imports, alerts.",
    [
        Panel(
            "API requests per second",
            [("sum(finsight:api_requests:rate5m)", "requests/s")],
            "reqps",
            "stat",
            6,
        ),
        Panel(
            "API availability (30 min)",
            [("1 - finsight:api_request_errors:ratio_rate30m", "available")],
            "percentunit",
            "stat",
            6,
        ),
        Panel(
            "API p95 latency",
            [(quantile(0.95, "finsight_http_request_duration_seconds", "job", API), "p95")],
            "s",
            "stat",
            6,
        ),
        Panel("Workers up", [('sum(up{job="finsight-worker"})', "workers")], "short", "stat", 6),
        Panel(
            "Tasks waiting",
            [("sum(max by (queue) (finsight_queue_length))", "tasks")],
            "short",
            "stat",
            6,
        ),
        Panel("Oldest waiting task", [("max(finsight_queue_age_seconds)", "age")], "s", "stat", 6),
        Panel(
            "Imports failed (1 h)",
            [('sum(increase(finsight_import_batches_total{status="failed"}[1h]))', "failed")],
            "short",
            "stat",
            6,
        ),
        Panel(
            "Alerts firing",
            [('sum by (severity) (ALERTS{alertstate="firing"})', "{{severity}}")],
            "short",
            "stat",
            6,
        ),
        Panel(
            "API error ratio",
            [
                ("finsight:api_request_errors:ratio_rate5m", "5 min"),
                ("finsight:api_request_errors:ratio_rate1h", "1 h"),
            ],
            "percentunit",
        ),
        Panel(
            "Tasks finished by state",
            [("sum by (state) (rate(finsight_celery_tasks_total[$__rate_interval]))", "{{state}}")],
            "ops",
        ),
    ],
)

API_DASHBOARD = Dashboard(
    "finsight-api.json",
    "finsight-api",
    "finsight / API",
    "The REST API: traffic by route, errors and latency against the SLOs, the database pool.",
    [
        Panel(
            "Requests by route and status",
            [
                (
                    f"sum by (route, status_class) "
                    f"(rate(finsight_http_requests_total{{{API}}}[$__rate_interval]))",
                    "{{route}} {{status_class}}",
                )
            ],
            "reqps",
            width=24,
        ),
        Panel(
            "Error ratio (SLO 99.9%: budget 0.1%)",
            [
                ("finsight:api_request_errors:ratio_rate5m", "5 min"),
                ("finsight:api_request_errors:ratio_rate30m", "30 min"),
                ("finsight:api_request_errors:ratio_rate1h", "1 h"),
                ("finsight:api_request_errors:ratio_rate6h", "6 h"),
            ],
            "percentunit",
        ),
        Panel(
            "Slower than 0.5 s (SLO 99%: budget 1%)",
            [
                ("finsight:api_request_slow:ratio_rate5m", "5 min"),
                ("finsight:api_request_slow:ratio_rate30m", "30 min"),
                ("finsight:api_request_slow:ratio_rate1h", "1 h"),
                ("finsight:api_request_slow:ratio_rate6h", "6 h"),
            ],
            "percentunit",
        ),
        Panel(
            "Latency p50 / p95 / p99",
            [
                (quantile(0.5, "finsight_http_request_duration_seconds", "job", API), "p50"),
                (quantile(0.95, "finsight_http_request_duration_seconds", "job", API), "p95"),
                (quantile(0.99, "finsight_http_request_duration_seconds", "job", API), "p99"),
            ],
            "s",
        ),
        Panel(
            "p95 latency by route",
            [(quantile(0.95, "finsight_http_request_duration_seconds", "route", API), "{{route}}")],
            "s",
        ),
        Panel(
            "Requests in flight",
            [("sum by (method) (finsight_http_requests_in_flight)", "{{method}}")],
        ),
        Panel("Database pool", [("sum by (state) (finsight_db_pool_connections)", "{{state}}")]),
    ],
)

WORKERS = Dashboard(
    "finsight-workers-and-queues.json",
    "finsight-workers-queues",
    "finsight / Workers and queues",
    "Celery: what waits in each queue and for how long, what runs, how long, what fails.",
    [
        Panel(
            "Queue length",
            [('max by (queue) (finsight_queue_length{queue=~"$queue"})', "{{queue}}")],
        ),
        Panel(
            "Age of the oldest waiting task",
            [('max by (queue) (finsight_queue_age_seconds{queue=~"$queue"})', "{{queue}}")],
            "s",
        ),
        Panel(
            "Tasks finished by task and state",
            [
                (
                    'sum by (task, state) (rate(finsight_celery_tasks_total{queue=~"$queue"}'
                    "[$__rate_interval]))",
                    "{{task}} {{state}}",
                )
            ],
            "ops",
        ),
        Panel(
            "Task runtime p95",
            [
                (
                    quantile(
                        0.95, "finsight_celery_task_runtime_seconds", "task", 'queue=~"$queue"'
                    ),
                    "{{task}}",
                )
            ],
            "s",
        ),
        Panel(
            "Failed tasks",
            [
                (
                    'sum by (task, queue) (rate(finsight_celery_tasks_total{state="failed",'
                    'queue=~"$queue"}[$__rate_interval]))',
                    "{{task}} on {{queue}}",
                )
            ],
            "ops",
        ),
        Panel("Workers answering scrapes", [('up{job="finsight-worker"}', "{{instance}}")]),
        Panel(
            "Workers' database connections",
            [
                (
                    "sum by (instance, state) (finsight_worker_db_pool_connections)",
                    "{{instance}} {{state}}",
                )
            ],
        ),
        Panel(
            "Task runtime, mean",
            [
                (
                    'sum by (task) (rate(finsight_celery_task_runtime_seconds_sum{queue=~"$queue"}'
                    "[$__rate_interval])) / sum by (task) (rate("
                    'finsight_celery_task_runtime_seconds_count{queue=~"$queue"}'
                    "[$__rate_interval]))",
                    "{{task}}",
                )
            ],
            "s",
        ),
    ],
    [("queue", "finsight_queue_length", "queue")],
)

TENANTS = Dashboard(
    "finsight-tenants.json",
    "finsight-tenants",
    "finsight / Tenants",
    "Per organization: imports and their outcome, rows, analytics runs, bank syncs, queue.",
    [
        Panel(
            "Imports by status (1 h)",
            [
                (
                    "sum by (org, status) "
                    '(increase(finsight_import_batches_total{org=~"$org"}[1h]))',
                    "{{org}} {{status}}",
                )
            ],
        ),
        Panel(
            "Import failure ratio (30 min)",
            [
                (
                    'sum by (org) (org_status:finsight_import_batches:increase30m{org=~"$org",'
                    'status="failed"}) / sum by (org) '
                    '(org_status:finsight_import_batches:increase30m{org=~"$org"})',
                    "{{org}}",
                )
            ],
            "percentunit",
        ),
        Panel(
            "Rows imported per second",
            [
                (
                    'sum by (org, outcome) (rate(finsight_import_rows_total{org=~"$org"}'
                    "[$__rate_interval]))",
                    "{{org}} {{outcome}}",
                )
            ],
            "rowsps",
        ),
        Panel(
            "Analytics runs (1 h)",
            [
                (
                    "sum by (org, kind, status) (increase(finsight_analytics_runs_total"
                    '{org=~"$org"}[1h]))',
                    "{{org}} {{kind}} {{status}}",
                )
            ],
        ),
        Panel(
            "Bank syncs (1 h)",
            [
                (
                    'sum by (org, status) (increase(finsight_bank_syncs_total{org=~"$org"}[1h]))',
                    "{{org}} {{status}}",
                )
            ],
        ),
        Panel(
            "Tenant queue length",
            [('max by (queue) (finsight_queue_length{queue=~"org\\\\.($org)"})', "{{queue}}")],
        ),
        Panel(
            "Most rows imported (24 h)",
            [
                (
                    'topk(10, sum by (org) (increase(finsight_import_rows_total{outcome="inserted"}'
                    "[24h])))",
                    "{{org}}",
                )
            ],
            width=24,
        ),
    ],
    [("org", "finsight_import_batches_total", "org")],
)

BUSINESS = Dashboard(
    "finsight-business.json",
    "finsight-business",
    "finsight / Business",
    "What customers get from finsight: transactions brought in, organizations active, "
    "analytics, syncs, reports and alerts delivered.",
    [
        Panel(
            "Transactions imported (24 h)",
            [('sum(increase(finsight_import_rows_total{outcome="inserted"}[24h]))', "rows")],
            "short",
            "stat",
            6,
        ),
        Panel(
            "Organizations importing (24 h)",
            [
                (
                    "count(sum by (org) (increase(finsight_import_batches_total[24h])) > 0)",
                    "organizations",
                )
            ],
            "short",
            "stat",
            6,
        ),
        Panel(
            "Imports that succeeded (24 h)",
            [
                (
                    'sum(increase(finsight_import_batches_total{status="succeeded"}[24h])) / '
                    "sum(increase(finsight_import_batches_total[24h]))",
                    "succeeded",
                )
            ],
            "percentunit",
            "stat",
            6,
        ),
        Panel(
            "Analytics runs (24 h)",
            [("sum(increase(finsight_analytics_runs_total[24h]))", "runs")],
            "short",
            "stat",
            6,
        ),
        Panel(
            "Transactions imported per hour",
            [('sum(increase(finsight_import_rows_total{outcome="inserted"}[1h]))', "rows")],
        ),
        Panel(
            "Analytics runs per hour by kind",
            [
                (
                    "sum by (kind, status) (increase(finsight_analytics_runs_total[1h]))",
                    "{{kind}} {{status}}",
                )
            ],
        ),
        Panel(
            "Bank syncs per hour",
            [("sum by (status) (increase(finsight_bank_syncs_total[1h]))", "{{status}}")],
        ),
        Panel(
            "Reports sent per hour",
            [
                (
                    "sum by (format, status) (increase(finsight_reports_sent_total[1h]))",
                    "{{format}} {{status}}",
                )
            ],
        ),
        Panel(
            "Alert notifications delivered per hour",
            [
                (
                    "sum by (channel, status) (increase(finsight_alert_deliveries_total[1h]))",
                    "{{channel}} {{status}}",
                )
            ],
            width=24,
        ),
    ],
)

DASHBOARDS = [OVERVIEW, API_DASHBOARD, WORKERS, TENANTS, BUSINESS]


def _panel(panel: Panel, number: int, x: int, y: int) -> dict[str, object]:
    height = 4 if panel.kind == "stat" else 8
    return {
        "id": number,
        "type": panel.kind,
        "title": panel.title,
        "description": panel.description,
        "datasource": DATASOURCE,
        "gridPos": {"h": height, "w": panel.width, "x": x, "y": y},
        "fieldConfig": {"defaults": {"unit": panel.unit}, "overrides": []},
        "options": {"reduceOptions": {"calcs": ["lastNotNull"]}} if panel.kind == "stat" else {},
        "targets": [
            {
                "refId": chr(ord("A") + index),
                "datasource": DATASOURCE,
                "expr": expr,
                "legendFormat": legend,
            }
            for index, (expr, legend) in enumerate(panel.queries)
        ],
    }


def render(dashboard: Dashboard) -> dict[str, object]:
    panels = []
    x = y = row_height = 0
    for number, panel in enumerate(dashboard.panels, start=1):
        if x + panel.width > 24:
            x, y, row_height = 0, y + row_height, 0
        rendered = _panel(panel, number, x, y)
        panels.append(rendered)
        row_height = max(row_height, rendered["gridPos"]["h"])  # type: ignore[index]
        x += panel.width
    variables: list[dict[str, object]] = [
        {
            "name": "datasource",
            "label": "Data source",
            "type": "datasource",
            "query": "prometheus",
            "current": {},
            "hide": 0,
        }
    ]
    for name, metric, label in dashboard.variables:
        definition = f"label_values({metric}, {label})"
        variables.append(
            {
                "name": name,
                "label": name,
                "type": "query",
                "datasource": DATASOURCE,
                "definition": definition,
                "query": {"query": definition, "refId": name},
                "includeAll": True,
                "multi": True,
                "allValue": ".*",
                "refresh": 2,
                "sort": 1,
                "current": {},
                "hide": 0,
            }
        )
    return {
        "uid": dashboard.uid,
        "title": dashboard.title,
        "description": dashboard.description,
        "tags": ["finsight"],
        "timezone": "browser",
        "schemaVersion": 39,
        "version": 1,
        "editable": True,
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "templating": {"list": variables},
        "annotations": {"list": []},
        "panels": panels,
    }


def rendered_files() -> dict[str, str]:
    return {d.file: json.dumps(render(d), indent=2) + "\n" for d in DASHBOARDS}


def main() -> None:
    target = Path(__file__).resolve().parent / "dashboards"
    target.mkdir(exist_ok=True)
    for name, text in rendered_files().items():
        (target / name).write_text(text)


if __name__ == "__main__":
    main()
