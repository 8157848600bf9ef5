"""The chart's monitoring objects: ServiceMonitors that find the Services, PrometheusRules built
from the rule files, dashboard ConfigMaps for Grafana's sidecar; and the chart's copies of
monitoring/ equal to their sources, file by file (`make chart-monitoring` makes them)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from support.helm import CHART, FIXTURES, ROOT, chart_copy_with_monitoring, find, helm, render

COPIES = [
    (
        ROOT / "monitoring" / "prometheus" / "rules",
        CHART / "files" / "monitoring" / "rules",
        "*.yaml",
    ),
    (
        ROOT / "monitoring" / "grafana" / "dashboards",
        CHART / "files" / "monitoring" / "dashboards",
        "*.json",
    ),
]
ON = (
    "monitoring.serviceMonitors.enabled=true",
    "monitoring.prometheusRules.enabled=true",
    "monitoring.grafanaDashboards.enabled=true",
)


@pytest.fixture(scope="module")
def chart(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return chart_copy_with_monitoring(tmp_path_factory.mktemp("chart"))


@pytest.mark.parametrize(("source", "copy", "pattern"), COPIES, ids=["rules", "dashboards"])
def test_the_charts_copies_equal_monitoring(source, copy, pattern):
    """Helm cannot read outside the chart, so it carries copies; they must not drift."""
    sources = {p.name: p.read_bytes() for p in source.glob(pattern)}
    copies = {p.name: p.read_bytes() for p in copy.glob(pattern)}
    assert sorted(copies) == sorted(sources), "run `make chart-monitoring`"
    for name, content in sources.items():
        assert copies[name] == content, (
            f"{copy / name} differs from {source / name}: run `make chart-monitoring`"
        )


def test_nothing_is_rendered_unless_asked(chart):
    kinds = {doc["kind"] for doc in render(chart=chart)}
    assert not kinds & {"ServiceMonitor", "PodMonitor", "PrometheusRule"}
    assert not [
        d for d in find(render(chart=chart), "ConfigMap") if "dashboard" in d["metadata"]["name"]
    ]


def test_service_monitors_select_a_service_and_port_that_exist(chart):
    documents = render(chart=chart, sets=ON)
    monitors = find(documents, "ServiceMonitor")
    assert {m["metadata"]["name"] for m in monitors} == {
        "acme-finsight-api",
        "acme-finsight-worker",
        "acme-finsight-operator",
    }
    services = find(documents, "Service")
    for monitor in monitors:
        # kube-prometheus-stack's Prometheus picks ServiceMonitors by its release label.
        assert monitor["metadata"]["labels"]["release"] == "kube-prometheus-stack"
        selector = monitor["spec"]["selector"]["matchLabels"]
        [service] = [s for s in services if selector.items() <= s["metadata"]["labels"].items()]
        port_names = {p["name"] for p in service["spec"]["ports"]}
        for endpoint in monitor["spec"]["endpoints"]:
            assert endpoint["port"] in port_names, monitor["metadata"]["name"]
            assert endpoint["path"] == "/metrics"
    # The rules in monitoring/ name the jobs finsight-api, finsight-worker, ...
    jobs = {
        monitor["metadata"]["name"]: [
            r["replacement"]
            for r in monitor["spec"]["endpoints"][0]["relabelings"]
            if r["targetLabel"] == "job"
        ]
        for monitor in monitors
    }
    assert jobs == {
        "acme-finsight-api": ["finsight-api"],
        "acme-finsight-worker": ["finsight-worker"],
        "acme-finsight-operator": ["finsight-operator"],
    }
    relabelled = render(chart=chart, sets=(*ON, "monitoring.serviceMonitors.labels.release=prom"))
    assert {m["metadata"]["labels"]["release"] for m in find(relabelled, "ServiceMonitor")} == {
        "prom"
    }


def test_a_prometheus_rule_per_rule_file_with_its_groups(chart):
    [rule] = find(render(chart=chart, sets=ON), "PrometheusRule")
    source = yaml.safe_load((FIXTURES / "monitoring" / "rules" / "fixture-api.yaml").read_text())
    assert rule["metadata"]["name"] == "acme-finsight-fixture-api"
    assert rule["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    assert rule["spec"] == {"groups": source["groups"]}
    # Prometheus' own templates in annotations reach Prometheus untouched (not Helm's).
    alert = rule["spec"]["groups"][0]["rules"][1]
    assert alert["annotations"]["summary"] == "api {{ $labels.instance }} is down"


def test_a_rule_file_without_groups_fails_the_render(chart, tmp_path):
    broken = chart_copy_with_monitoring(tmp_path)
    (broken / "files" / "monitoring" / "rules" / "bad.yaml").write_text("rules: []\n")
    result = helm("template", "acme", str(broken), "--set", ON[1], check=False)
    assert result.returncode != 0
    assert "files/monitoring/rules/bad.yaml: not a Prometheus rule file" in result.stderr


def test_a_dashboard_configmap_per_dashboard_for_the_grafana_sidecar(chart):
    documents = render(chart=chart, sets=(*ON, "monitoring.grafanaDashboards.namespace=monitoring"))
    [config_map] = [d for d in find(documents, "ConfigMap") if "dashboard" in d["metadata"]["name"]]
    assert config_map["metadata"]["name"] == "acme-finsight-dashboard-fixture-overview"
    assert config_map["metadata"]["namespace"] == "monitoring"
    assert config_map["metadata"]["labels"]["grafana_dashboard"] == "1"
    source = (FIXTURES / "monitoring" / "dashboards" / "fixture_overview.json").read_text()
    assert config_map["data"]["fixture_overview.json"] == source.rstrip("\n")
    assert json.loads(config_map["data"]["fixture_overview.json"])["uid"] == "finsight-fixture"


def test_make_chart_monitoring_copies_the_sources_and_drops_stale_copies(tmp_path):
    """The Makefile target, run in a scratch tree shaped like the repository."""
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    rules = tmp_path / "monitoring" / "prometheus" / "rules"
    dashboards = tmp_path / "monitoring" / "grafana" / "dashboards"
    chart_files = tmp_path / "charts" / "finsight" / "files" / "monitoring"
    for folder in (rules, dashboards, chart_files / "rules", chart_files / "dashboards"):
        folder.mkdir(parents=True)
    shutil.copy(FIXTURES / "monitoring" / "rules" / "fixture-api.yaml", rules)
    shutil.copy(FIXTURES / "monitoring" / "dashboards" / "fixture_overview.json", dashboards)
    (chart_files / "rules" / "removed-upstream.yaml").write_text("groups: []\n")
    (chart_files / "rules" / ".gitkeep").write_text("")

    done = subprocess.run(
        ["make", "-s", "chart-monitoring"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (chart_files / "rules").iterdir()) == [
        ".gitkeep",
        "fixture-api.yaml",
    ]
    assert (chart_files / "rules" / "fixture-api.yaml").read_bytes() == (
        rules / "fixture-api.yaml"
    ).read_bytes()
    assert (chart_files / "dashboards" / "fixture_overview.json").read_bytes() == (
        dashboards / "fixture_overview.json"
    ).read_bytes()


def test_a_pod_monitor_finds_the_operators_tenant_workers(chart):
    """Selects what the operator builds: a tenant's worker pods, their `metrics` port."""
    from finsight_operator.builders import LABEL_COMPONENT, LABEL_ORG

    [monitor] = find(render(chart=chart, sets=ON), "PodMonitor")
    assert monitor["spec"]["namespaceSelector"] == {"any": True}
    selector = monitor["spec"]["selector"]
    assert selector["matchLabels"] == {LABEL_COMPONENT: "worker"}
    assert selector["matchExpressions"] == [{"key": LABEL_ORG, "operator": "Exists"}]
    [endpoint] = monitor["spec"]["podMetricsEndpoints"]
    assert endpoint["port"] == "metrics"
    assert {"action": "replace", "targetLabel": "job", "replacement": "finsight-tenant-worker"} in (
        endpoint["relabelings"]
    )
    off = render(chart=chart, sets=(*ON, "monitoring.serviceMonitors.tenantWorkers=false"))
    assert not find(off, "PodMonitor")
