"""`finsight dev --monitoring`: Debian's Prometheus and Alertmanager next to the platform, with
the repository's rules (monitoring/prometheus/rules) and routing tree
(monitoring/alertmanager/alertmanager.yml), all on 127.0.0.1.

In development nothing is sent: every receiver of the routing tree is kept, without its
email/Slack/webhook settings, so alerts are routed (and shown in Alertmanager's UI) exactly as
in production but reach nobody.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from finsight.errors import FinsightError

PROMETHEUS_BINARIES = ("prometheus",)
ALERTMANAGER_BINARIES = ("prometheus-alertmanager", "alertmanager")


def repository_monitoring() -> Path | None:
    """monitoring/ of the checkout finsight runs from (an editable install), if any."""
    root = Path(__file__).resolve().parents[4] / "monitoring"
    return root if (root / "prometheus" / "rules").is_dir() else None


def _binary(names: tuple[str, ...]) -> str | None:
    return next((found for name in names if (found := shutil.which(name))), None)


@dataclass(frozen=True)
class MonitoringPlan:
    prometheus: list[str]
    alertmanager: list[str]
    prometheus_url: str
    alertmanager_url: str
    rule_files: list[Path]


def plan(
    directory: Path,
    *,
    api_port: int,
    worker_metrics_port: int | None,
    prometheus_port: int,
    alertmanager_port: int,
    cluster_port: int,
) -> MonitoringPlan:
    """Write both configurations under `directory`; the commands that run them."""
    prometheus, alertmanager = _binary(PROMETHEUS_BINARIES), _binary(ALERTMANAGER_BINARIES)
    if not prometheus or not alertmanager:
        raise FinsightError(
            "--monitoring needs Prometheus and Alertmanager on PATH "
            "(Debian: apt-get install prometheus prometheus-alertmanager)"
        )
    source = repository_monitoring()
    if source is None:
        raise FinsightError("--monitoring needs the repository's monitoring/ folder (a checkout)")
    directory.mkdir(parents=True, exist_ok=True)
    rules = sorted((source / "prometheus" / "rules").glob("*.yaml"))
    jobs = {"finsight-api": f"127.0.0.1:{api_port}"}
    if worker_metrics_port:
        jobs["finsight-worker"] = f"127.0.0.1:{worker_metrics_port}"
    prometheus_config = {
        "global": {"scrape_interval": "15s", "evaluation_interval": "15s"},
        "rule_files": [str(path) for path in rules],
        "alerting": {
            "alertmanagers": [{"static_configs": [{"targets": [f"127.0.0.1:{alertmanager_port}"]}]}]
        },
        "scrape_configs": [
            {"job_name": job, "static_configs": [{"targets": [target]}]}
            for job, target in jobs.items()
        ],
    }
    (directory / "prometheus.yml").write_text(yaml.safe_dump(prometheus_config, sort_keys=False))
    (directory / "alertmanager.yml").write_text(
        yaml.safe_dump(
            silent_receivers(
                yaml.safe_load((source / "alertmanager" / "alertmanager.yml").read_text())
            ),
            sort_keys=False,
        )
    )
    return MonitoringPlan(
        prometheus=[
            prometheus,
            f"--config.file={directory / 'prometheus.yml'}",
            f"--storage.tsdb.path={directory / 'prometheus-data'}",
            f"--web.listen-address=127.0.0.1:{prometheus_port}",
            "--log.level=warn",
        ],
        alertmanager=[
            alertmanager,
            f"--config.file={directory / 'alertmanager.yml'}",
            f"--storage.path={directory / 'alertmanager-data'}",
            f"--web.listen-address=127.0.0.1:{alertmanager_port}",
            f"--cluster.listen-address=127.0.0.1:{cluster_port}",
            "--log.level=warn",
        ],
        prometheus_url=f"http://127.0.0.1:{prometheus_port}",
        alertmanager_url=f"http://127.0.0.1:{alertmanager_port}",
        rule_files=rules,
    )


def silent_receivers(config: dict[str, Any]) -> dict[str, Any]:
    """The routing tree as it is, every receiver without a destination; no SMTP settings."""
    config = dict(config)
    config["global"] = {"resolve_timeout": config.get("global", {}).get("resolve_timeout", "5m")}
    config["receivers"] = [{"name": receiver["name"]} for receiver in config["receivers"]]
    return config
