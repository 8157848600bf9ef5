"""monitoring/alertmanager: amtool accepts the configuration, and routes each case of
tests/routes.yaml to the receivers it lists."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest
import yaml

from support.monitoring import ALERTMANAGER_CONFIG, AMTOOL

CASES: list[dict[str, Any]] = yaml.safe_load(
    (ALERTMANAGER_CONFIG.parent / "tests" / "routes.yaml").read_text()
)


def amtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([AMTOOL, *args], capture_output=True, text=True, timeout=60, check=False)


def test_amtool_accepts_the_configuration():
    result = amtool("check-config", str(ALERTMANAGER_CONFIG))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


@pytest.mark.parametrize(
    "case", CASES, ids=lambda c: ",".join(f"{k}={v}" for k, v in c["labels"].items())
)
def test_routes(case: dict[str, Any]):
    labels = [f"{key}={value}" for key, value in case["labels"].items()]
    result = amtool(
        "config",
        "routes",
        "test",
        f"--config.file={ALERTMANAGER_CONFIG}",
        f"--verify.receivers={','.join(case['receivers'])}",
        *labels,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_business_hours_have_a_location_and_gate_the_severity_routes():
    config = yaml.safe_load(ALERTMANAGER_CONFIG.read_text())
    (business,) = [t for t in config["time_intervals"] if t["name"] == "business-hours"]
    assert all(interval["location"] for interval in business["time_intervals"])
    severity_routes = [
        r for r in config["route"]["routes"] if "severity=" in str(r.get("matchers"))
    ]
    gated = [
        child
        for route in severity_routes
        for child in route.get("routes", [])
        if "business-hours"
        in child.get("active_time_intervals", []) + child.get("mute_time_intervals", [])
    ]
    assert len(gated) == 4  # critical and warning, each inside and outside business hours
    assert {i["target_matchers"][0] for i in config["inhibit_rules"]} >= {'severity="warning"'}


def test_a_wrong_receiver_is_caught():
    """The route tests can fail: a case with a receiver the route does not reach."""
    result = amtool(
        "config",
        "routes",
        "test",
        f"--config.file={ALERTMANAGER_CONFIG}",
        "--verify.receivers=oncall-pager",
        "alertname=Watchdog",
        "severity=none",
    )
    assert result.returncode != 0
