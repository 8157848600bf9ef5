"""Real Prometheus and Alertmanager (Debian's packages) for tests, on 127.0.0.1 and free ports,
plus what the monitoring tests share: PromQL metric names, dashboard queries, rule files."""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import promql_parser
import yaml

from finsight.embedded import free_port

from support.processes import ServerProcess

ROOT = Path(__file__).resolve().parents[2]
MONITORING = ROOT / "monitoring"
RULES = sorted((MONITORING / "prometheus" / "rules").glob("*.yaml"))
RULE_TESTS = sorted((MONITORING / "prometheus" / "tests").glob("*.yaml"))
ALERTMANAGER_CONFIG = MONITORING / "alertmanager" / "alertmanager.yml"
DASHBOARDS = sorted((MONITORING / "grafana" / "dashboards").glob("*.json"))

PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"
ALERTMANAGER = (
    shutil.which("prometheus-alertmanager")
    or shutil.which("alertmanager")
    or "/usr/bin/prometheus-alertmanager"
)
AMTOOL = shutil.which("amtool") or "/usr/bin/amtool"

# Grafana's variables, as the dashboards' queries use them, and what a test runs instead.
GRAFANA_VARIABLES = {
    "$__rate_interval": "5m",
    "$__interval": "1m",
    "$__range": "1h",
    "${org}": ".*",
    "$org": ".*",
    "${queue}": ".*",
    "$queue": ".*",
}


def metric_names(expr: str) -> set[str]:
    """Every metric a PromQL expression selects."""
    names: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, promql_parser.VectorSelector):
            if node.name:
                names.add(node.name)
            return
        for attribute in ("expr", "lhs", "rhs", "param", "vector_selector"):
            child = getattr(node, attribute, None)
            if child is not None and not isinstance(child, (str, int, float)):
                walk(child)
        for argument in getattr(node, "args", None) or []:
            walk(argument)

    walk(promql_parser.parse(expr))
    return names


# Series finsight reads but does not export: Prometheus' own, and kube-state-metrics'.
EXTERNAL = {"up", "kube_deployment_status_replicas_available"}


def exported_metrics() -> set[str]:
    """Every series name the api, the workers and the operator can export."""
    from finsight.observability import metrics
    from finsight.observability.queues import QueueCollector
    from finsight_operator import context

    names: set[str] = set()
    families = [
        *(c.describe() for c in (metrics.DatabasePoolCollector(), QueueCollector())),
    ]
    for family_list in families:
        names.update(family.name for family in family_list)
    for collector in (
        metrics.HTTP_REQUESTS,
        metrics.HTTP_LATENCY,
        metrics.HTTP_IN_FLIGHT,
        metrics.IMPORT_BATCHES,
        metrics.IMPORT_ROWS,
        metrics.ANALYTICS_RUNS,
        metrics.BANK_SYNCS,
        metrics.REPORTS_SENT,
        metrics.ALERT_DELIVERIES,
        metrics.TASK_RUNTIME,
        metrics.TASKS,
        metrics.WORKER_DB_POOL,
        context.RECONCILES,
        context.RECONCILE_SECONDS,
        context.REPAIRS,
    ):
        for family in collector.describe():
            suffixes = {
                "counter": ["_total"],
                "histogram": ["_bucket", "_count", "_sum"],
            }.get(family.type, [""])
            names.update(family.name + suffix for suffix in suffixes)
    return names


def rule_groups(path: Path) -> list[dict[str, Any]]:
    groups: list[dict[str, Any]] = yaml.safe_load(path.read_text())["groups"]
    return groups


def all_rules() -> list[dict[str, Any]]:
    return [rule for path in RULES for group in rule_groups(path) for rule in group["rules"]]


def grafana_expr(expr: str) -> str:
    for variable, value in GRAFANA_VARIABLES.items():
        expr = expr.replace(variable, value)
    return expr


def dashboard_queries(path: Path) -> list[tuple[str, str]]:
    """(panel title, PromQL with Grafana's variables replaced) of every panel target, and of
    the dashboard's query variables."""
    dashboard = json.loads(path.read_text())
    found = []
    for panel in dashboard.get("panels", []):
        for target in panel.get("targets", []):
            if target.get("expr"):
                found.append((panel.get("title", "?"), grafana_expr(target["expr"])))
    for variable in dashboard.get("templating", {}).get("list", []):
        query = variable.get("query")
        if variable.get("type") == "query" and isinstance(query, dict):
            query = query.get("query")
        if variable.get("type") == "query" and isinstance(query, str):
            inner = query.removeprefix("label_values(").rsplit(",", 1)[0]
            found.append((f"variable {variable['name']}", grafana_expr(inner)))
    return found


class Prometheus:
    """`prometheus` with the given scrape jobs, rule files and Alertmanagers."""

    def __init__(
        self,
        directory: Path,
        *,
        jobs: dict[str, list[str]],
        rule_files: list[Path],
        alertmanagers: list[str] | None = None,
        interval: str = "1s",
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        directory.mkdir(parents=True, exist_ok=True)
        config: dict[str, Any] = {
            "global": {"scrape_interval": interval, "evaluation_interval": interval},
            "rule_files": [str(path) for path in rule_files],
            "scrape_configs": [
                {"job_name": job, "static_configs": [{"targets": targets}]}
                for job, targets in jobs.items()
            ],
        }
        if alertmanagers:
            config["alerting"] = {
                "alertmanagers": [{"static_configs": [{"targets": list(alertmanagers)}]}]
            }
        config_path = directory / "prometheus.yml"
        config_path.write_text(yaml.safe_dump(config))
        self.process = ServerProcess(
            [
                PROMETHEUS,
                f"--config.file={config_path}",
                f"--storage.tsdb.path={directory / 'data'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--log.level=warn",
            ],
            env={"PATH": "/usr/bin:/bin"},
            log_path=directory / "prometheus.log",
        )
        self.process.wait_http(self.url + "/-/ready")

    def query(self, expr: str) -> dict[str, Any]:
        """The API's whole answer: status `success` with data, or `error` with the reason."""
        answer: dict[str, Any] = httpx.get(
            self.url + "/api/v1/query", params={"query": expr}, timeout=10
        ).json()
        return answer

    def samples(self, expr: str) -> list[dict[str, Any]]:
        answer = self.query(expr)
        assert answer["status"] == "success", answer
        result: list[dict[str, Any]] = answer["data"]["result"]
        return result

    def stop(self) -> None:
        self.process.stop()


class Alertmanager:
    def __init__(self, directory: Path, config: dict[str, Any]) -> None:
        self.port = free_port()
        cluster_port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.url = f"http://{self.address}"
        directory.mkdir(parents=True, exist_ok=True)
        config_path = directory / "alertmanager.yml"
        config_path.write_text(yaml.safe_dump(config, sort_keys=False))
        self.process = ServerProcess(
            [
                ALERTMANAGER,
                f"--config.file={config_path}",
                f"--storage.path={directory / 'data'}",
                f"--web.listen-address={self.address}",
                # No peers: a cluster of one, listening on loopback only.
                f"--cluster.listen-address=127.0.0.1:{cluster_port}",
                "--log.level=warn",
            ],
            env={"PATH": "/usr/bin:/bin"},
            log_path=directory / "alertmanager.log",
        )
        self.process.wait_http(self.url + "/-/ready")

    def stop(self) -> None:
        self.process.stop()


@contextlib.contextmanager
def running(server: Prometheus | Alertmanager) -> Iterator[Prometheus | Alertmanager]:
    try:
        yield server
    finally:
        server.stop()


class WebhookReceiver:
    """A local HTTP server that keeps every notification Alertmanager posts, by path."""

    def __init__(self) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        received: list[tuple[str, dict[str, Any]]] = []
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with lock:
                    received.append((self.path, json.loads(body)))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._received, self._lock = received, lock
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def notifications(self) -> list[tuple[str, dict[str, Any]]]:
        with self._lock:
            return list(self._received)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
