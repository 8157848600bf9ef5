"""monitoring/grafana: the dashboards are what generate.py writes, and every panel's query
parses and names only series that exist (the end-to-end test runs them on Prometheus)."""

from __future__ import annotations

import importlib.util
import json
import sys

import promql_parser
import pytest

from support.monitoring import (
    DASHBOARDS,
    EXTERNAL,
    MONITORING,
    all_rules,
    dashboard_queries,
    exported_metrics,
    metric_names,
)

REQUIRED = {
    "finsight-overview.json",
    "finsight-api.json",
    "finsight-workers-and-queues.json",
    "finsight-tenants.json",
    "finsight-business.json",
}


def generator():
    spec = importlib.util.spec_from_file_location(
        "generate_dashboards", MONITORING / "grafana" / "generate.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_the_dashboards_are_generated_and_complete():
    files = {path.name: path.read_text() for path in DASHBOARDS}
    assert set(files) == REQUIRED
    assert files == generator().rendered_files(), "run python monitoring/grafana/generate.py"
    uids = [json.loads(text)["uid"] for text in files.values()]
    assert len(set(uids)) == len(uids)


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_every_query_parses_and_names_existing_series(path):
    recorded = {rule["record"] for rule in all_rules() if "record" in rule}
    known = exported_metrics() | recorded | EXTERNAL | {"ALERTS"}
    queries = dashboard_queries(path)
    assert queries
    for title, expr in queries:
        promql_parser.parse(expr)  # raises on a syntax error
        assert metric_names(expr) <= known, f"{title}: {expr}"
