"""monitoring/prometheus: the rule files load, their promtool unit tests pass and cover every
alert both firing and silent, and every metric they name is one finsight exports."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from finsight_operator import builders
from finsight_operator.settings import OperatorConfig
from finsight_operator.spec import parse_organization

from support.monitoring import (
    EXTERNAL,
    PROMTOOL,
    RULE_TESTS,
    RULES,
    all_rules,
    exported_metrics,
    metric_names,
)


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PROMTOOL, *args], capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.parametrize("path", RULES, ids=lambda p: p.name)
def test_rule_file_loads(path: Path):
    result = promtool("check", "rules", str(path))
    assert result.returncode == 0, result.stdout + result.stderr


def test_rule_unit_tests_pass():
    result = promtool("test", "rules", *map(str, RULE_TESTS))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("SUCCESS") == len(RULE_TESTS)


def test_every_alert_is_tested_firing_and_silent():
    firing: set[str] = set()
    silent: set[str] = set()
    for path in RULE_TESTS:
        for case in yaml.safe_load(path.read_text())["tests"]:
            for check in case.get("alert_rule_test", []):
                (firing if check.get("exp_alerts") else silent).add(check["alertname"])
    alerts = {rule["alert"] for rule in all_rules() if "alert" in rule}
    assert alerts - firing == set(), "alerts never tested firing"
    assert alerts - {"Watchdog"} - silent == set(), "alerts never tested silent"


def test_the_required_alerts_exist():
    alerts = {rule["alert"]: rule for rule in all_rules() if "alert" in rule}
    assert {
        "FinsightApiErrorBudgetBurn",
        "FinsightApiLatencyBudgetBurn",
        "FinsightQueueBacklog",
        "FinsightQueueAge",
        "FinsightWorkersDown",
        "FinsightImportFailureRatio",
        "FinsightBankSyncFailureRatio",
        "FinsightDatabasePoolSaturated",
        "FinsightOperatorReconcileErrors",
        "Watchdog",
    } <= set(alerts)
    burns = [rule for rule in all_rules() if rule.get("alert", "").endswith("BudgetBurn")]
    # The SRE workbook's pairs: 14.4x over 1h and 5m (page), 6x over 6h and 30m (ticket).
    pages = [r["expr"] for r in burns if r["labels"]["severity"] == "critical"]
    tickets = [r["expr"] for r in burns if r["labels"]["severity"] == "warning"]
    assert len(pages) == len(tickets) == 2
    assert all("rate1h > (14.4" in e and "rate5m > (14.4" in e for e in pages)
    assert all("rate6h > (6" in e and "rate30m > (6" in e for e in tickets)


def test_rules_name_only_metrics_that_exist():
    recorded = {rule["record"] for rule in all_rules() if "record" in rule}
    known = exported_metrics() | recorded | EXTERNAL
    for rule in all_rules():
        assert metric_names(rule["expr"]) <= known, rule.get("alert") or rule.get("record")


def test_the_operators_tenant_rules_load_and_name_metrics_that_exist(tmp_path: Path):
    org = parse_organization(
        {"metadata": {"name": "acme", "uid": "u-1"}, "spec": {"owner": "o@acme.example.com"}},
        {"default"},
    )
    document = builders.alert_rules_configmap(org, OperatorConfig())["data"][
        builders.ALERT_RULES_FILE
    ]
    path = tmp_path / "tenant.yaml"
    path.write_text(document)
    result = promtool("check", "rules", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    rules = builders.alert_rules(org, OperatorConfig())
    assert {"FinsightImportFailures", "FinsightQueueBacklog"} <= {r["alert"] for r in rules}
    for rule in rules:
        assert metric_names(rule["expr"]) <= exported_metrics() | EXTERNAL, rule["alert"]
