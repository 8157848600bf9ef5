"""The chart ships monitoring/ as it is: one PrometheusRule per rule file with the file's
groups, one Grafana dashboard ConfigMap per dashboard (the chart's copies, `make
chart-monitoring`, are tested to equal the sources in tests/charts)."""

from __future__ import annotations

import json

import pytest
import yaml

from support.helm import find, render
from support.monitoring import DASHBOARDS, RULES

pytestmark = pytest.mark.integration

ON = (
    "monitoring.serviceMonitors.enabled=true",
    "monitoring.prometheusRules.enabled=true",
    "monitoring.grafanaDashboards.enabled=true",
)


def test_the_chart_renders_every_rule_file_and_dashboard():
    documents = render(sets=ON)
    rules = find(documents, "PrometheusRule")
    shipped = sorted(json.dumps(rule["spec"]["groups"], sort_keys=True) for rule in rules)
    sources = sorted(
        json.dumps(yaml.safe_load(path.read_text())["groups"], sort_keys=True) for path in RULES
    )
    assert shipped == sources
    dashboards = {
        name: json.loads(text)
        for config_map in find(documents, "ConfigMap")
        if config_map["metadata"].get("labels", {}).get("grafana_dashboard") == "1"
        for name, text in config_map["data"].items()
    }
    assert dashboards == {path.name: json.loads(path.read_text()) for path in DASHBOARDS}
